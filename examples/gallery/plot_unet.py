"""
A U-Net
=======

An encoder, a decoder and skip connections joined by concatenation; the skips run beside the
main path.
"""

import archplot
from archplot.examples import UNet

archplot.draw(UNet(), input_size=(1, 3, 128, 128), depth=1, title="U-Net").save("unet.png")
