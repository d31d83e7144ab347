"""What the network sees: activations of chosen layers and learned filters, as image grids.

``images`` needs only numpy and Pillow; ``activations`` runs the model (torch).
"""
