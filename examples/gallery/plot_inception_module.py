"""
An Inception module
===================

``focus`` draws only the inside of one module: the four branches of Inception v3's
``Mixed_5b``, spread side by side and merged by ``cat``.
"""

import torch
import torchvision

import archplot

with torch.device("meta"):
    model = torchvision.models.inception_v3(init_weights=False, aux_logits=False)
archplot.draw(model, input_size=(1, 3, 299, 299), focus="Mixed_5b").save("mixed_5b.png")
