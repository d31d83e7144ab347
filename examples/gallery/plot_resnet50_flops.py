"""
ResNet-50 coloured by FLOPs
===========================

Where does the work go? Every node is coloured by its floating-point operations on a log
scale (viridis: readable by the colour-blind and in grey), with the count printed on it.
Folded blocks show their total and the share of one block. ``top_k=5`` keeps the colour
for the five most expensive nodes and greys the rest.
"""

import torchvision

import archplot

model = torchvision.models.resnet50(weights=None)
graph = archplot.trace(model, input_size=(1, 3, 224, 224))  # FLOPs, params and memory are always counted

archplot.draw(graph, overlay="flops", depth=2, title="ResNet-50 by FLOPs").save("resnet50_flops.png")
archplot.draw(graph, overlay="flops", top_k=5, depth=2, title="the 5 most expensive blocks").save("resnet50_top5.png")
print(archplot.summary(graph, depth=1, sort="flops"))
