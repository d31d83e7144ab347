"""
GPT-2, folded and expanded
==========================

Twelve identical transformer blocks fold into one ``GPT2Block ×12``; expanding one of them
shows attention and the MLP inside.
"""

import torch
import transformers

import archplot

with torch.device("meta"):
    model = transformers.GPT2Model(transformers.GPT2Config())
graph = archplot.trace(model, input_size=(1, 16), dtypes=torch.long)

archplot.draw(graph, depth=1, title="GPT-2, depth 1").save("gpt2_depth1.png")
archplot.draw(graph, depth=1, expand="h.0", fold=False, title="block h.0 open").save("gpt2_block.png")
