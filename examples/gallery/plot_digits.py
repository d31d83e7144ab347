"""
What a small CNN sees
=====================

A CNN trained for four epochs on scikit-learn's bundled handwritten digits: its first-layer
filters, and the activations of both convolutional layers for one digit.
"""

from torch import nn

import archplot

model, images, labels = archplot.examples.digits_cnn()
archplot.filters(model, layer="features.0").save("digits_filters.png")
acts = archplot.activations(model, images[:1], layers=nn.Conv2d)
archplot.feature_maps(acts["features.0"]).save("digits_layer1.png")
archplot.feature_maps(acts["features.3"], cmap="magma").save("digits_layer2.png")
archplot.draw(model, images[:1], show_activations=True).save("digits_diagram.png")
