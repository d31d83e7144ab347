"""
An ONNX file and an autograd graph
==================================

Any source becomes the same kind of graph: an ONNX file (shape inference applied, hierarchy
from the exporter's name scopes) and the backward graph of a loss.
"""

import warnings

import torch
import torchvision

import archplot

model = torchvision.models.resnet18().eval()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    torch.onnx.export(model, (torch.randn(1, 3, 64, 64),), "resnet18.onnx")
archplot.draw(archplot.load("resnet18.onnx"), depth=1, title="from resnet18.onnx").save("onnx.png")

mlp = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
loss = mlp(torch.randn(3, 4)).pow(2).mean()
grad_graph = archplot.autograd_graph(loss, dict(mlp.named_parameters()))
archplot.draw(grad_graph, title="autograd graph of the loss").save("autograd.png")
