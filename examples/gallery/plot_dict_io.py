"""
Several inputs, dict outputs
============================

A dict is passed as keyword arguments (the torch.export convention); outputs in a dict, a
tuple or a dataclass each become an output node named after their key.
"""

import torch
from torch import nn

import archplot


class TwoTowers(nn.Module):
    def __init__(self):
        super().__init__()
        self.image = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.text = nn.Sequential(nn.Embedding(1000, 8), nn.LSTM(8, 8, batch_first=True))
        self.head = nn.Linear(16, 4)

    def forward(self, pixels, tokens):
        a = self.image(pixels)
        b = self.text(tokens)[0][:, -1]
        return {"logits": self.head(torch.cat([a, b], dim=1)), "text_features": b}


inputs = {"pixels": torch.randn(1, 3, 32, 32), "tokens": torch.ones(1, 12, dtype=torch.long)}
archplot.draw(TwoTowers(), inputs).save("two_towers.png")
