"""
GPT-2 coloured by time
======================

The time overlay runs the forward a few more times after the recording one (which warms up)
and keeps, for every node, the median CPU wall time and its spread. Attention and the MLP's
matmuls stand out; the summary lists modules by time. On a busy machine the times are
noisy: the spread says how much.
"""

import torch
import transformers

import archplot

torch.manual_seed(0)
model = transformers.GPT2Model(transformers.GPT2Config(n_layer=4)).eval()
graph = archplot.trace(model, input_size=(1, 128), dtypes=torch.long, metrics={"time": {"repeats": 5}})
spread = graph.meta["time"]
print(f"forward: {spread['total'] * 1e3:.1f} ms ± {spread['spread'] * 1e3:.1f} ms over {spread['repeats']} runs")

archplot.draw(graph, overlay="time", depth=3, fold=False, title="GPT-2 (4 blocks) by CPU time").save("gpt2_time.png")
print(archplot.summary(graph, depth=2, sort="time"))
