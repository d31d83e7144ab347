"""
A 70-billion-parameter Llama on a laptop
========================================

Built on the meta device, the 80-layer configuration traces in about a second with no memory
for its weights; the automatic level of detail folds the 80 decoder layers into one.
"""

import torch
import transformers

import archplot

config = transformers.LlamaConfig(num_hidden_layers=80, hidden_size=8192, num_attention_heads=64,
                                  num_key_value_heads=8, intermediate_size=28672, vocab_size=128256)
with torch.device("meta"):
    model = transformers.LlamaForCausalLM(config)
graph = archplot.trace(model, input_size=(1, 128), dtypes=torch.long)
print(graph)
archplot.draw(graph, title="Llama, 80 layers, 70B parameters").save("llama70b.png")
