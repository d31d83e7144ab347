"""
A residual block in every style
===============================

The classic ResNet block (Conv2d, BatchNorm2d, ReLU twice, an identity shortcut, a final
ReLU), drawn as an architecture diagram and in the three classic styles.
"""

from collections import defaultdict

import archplot
from archplot.examples import ResidualBlock
from torch import nn

model = ResidualBlock(channels=8)
shape = (1, 8, 16, 16)

# The architecture diagram: modules as nodes, tensor shapes on the edges.
archplot.draw(model, input_size=shape).save("block_diagram.png")

# The neuron view with one box per layer (the honest view for convolutions), in chosen colours.
colours = defaultdict(dict)
colours[nn.Conv2d]["fill"] = "#E69F00"
colours[nn.BatchNorm2d]["fill"] = "#009E73"
colours[nn.ReLU]["fill"] = "#56B4E9"
archplot.render(model, shape, style="graph", show_neurons=False, color_map=colours, layer_spacing=60).save("block_graph.png")

# Layered 3-D boxes and LeNet-style feature-map stacks.
archplot.render(model, shape, style="layered").save("block_layered.png")
archplot.render(model, shape, style="lenet").save("block_lenet.png")
