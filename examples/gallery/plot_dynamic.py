"""
A model whose path depends on the data
======================================

When the forward turns a tensor into a Python value (``if x.mean() > 0``), the graph is the
path taken for this input: the value read is a node marked ⚡ and the module is flagged dynamic.
"""

import torch
from torch import nn

import archplot


class Router(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate = nn.Linear(4, 1)
        self.small = nn.Linear(4, 4)
        self.big = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 4))

    def forward(self, x):
        if self.gate(x).mean() > 0:
            return self.big(x)
        return self.small(x)


torch.manual_seed(1)
graph = archplot.trace(Router(), input_size=(2, 4))
print(graph.modules[""].dynamic, graph.modules[""].dynamic_reason)
archplot.draw(graph).save("router.png")
