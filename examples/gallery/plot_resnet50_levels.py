"""
ResNet-50 at three levels of detail
===================================

The same network at depth 1 (the stages), depth 2 (the blocks, repeated ones folded into one
``Bottleneck ×N``) and one block opened with ``focus``. Built on the meta device: no memory for
weights, none needed for a drawing.
"""

import torch
import torchvision

import archplot

with torch.device("meta"):
    model = torchvision.models.resnet50()
graph = archplot.trace(model, input_size=(1, 3, 224, 224))  # trace once, draw many times

archplot.draw(graph, depth=1, title="depth 1").save("resnet50_depth1.png")
archplot.draw(graph, depth=2, title="depth 2").save("resnet50_depth2.png")
archplot.draw(graph, focus="layer2.0", title="focus: layer2.0").save("resnet50_focus.png")
