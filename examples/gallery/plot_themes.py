"""
Themes and colour maps for papers and slides
============================================

``theme="print"`` tells families apart by lightness alone (safe in grayscale); ``dark`` suits
slides; ``color_map`` sets colours by class, type name or family.
"""

from torch import nn

import archplot
from archplot.examples import ResidualBlock

block = ResidualBlock(8)
archplot.draw(block, input_size=(1, 8, 8, 8), theme="print", title="print").save("theme_print.png")
archplot.draw(block, input_size=(1, 8, 8, 8), theme="dark", title="dark").save("theme_dark.png")
archplot.draw(block, input_size=(1, 8, 8, 8), color_map={nn.Conv2d: "#0072B2", "normalization": "#CC79A7"},
              title="color_map").save("theme_colours.png")
