"""
What changed between two models
===============================

``archplot.diff`` draws both models in one picture: unchanged parts muted and collapsed, added
layers green, removed ones dashed, changed ones with a before → after label; ``changes`` lists
the differences. Here a small CNN gets a GELU instead of a ReLU, a stride-2 convolution, a
stronger dropout and a normalised head; and ResNet-18 is compared with ResNet-34.
"""

import torch
import torchvision
from torch import nn

import archplot


class Net(nn.Module):
    def __init__(self, act=nn.ReLU, stride=1, p=0.1, norm=False):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, stride=stride, padding=1)
        self.act = act()
        self.drop = nn.Dropout(p)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)
        self.norm = nn.LayerNorm(10) if norm else nn.Identity()

    def forward(self, x):
        return self.norm(self.fc(self.pool(self.drop(self.act(self.conv(x)))).flatten(1)))


d = archplot.diff(Net(), Net(act=nn.GELU, stride=2, p=0.3, norm=True), input_size=(1, 3, 32, 32),
                  names=("v1", "v2"))
print(d.to_text())
d.save("diff_small_cnn.png")

# %%
# Deeper variants of one family differ in how often their blocks repeat.
with torch.device("meta"):  # no memory for weights
    r18, r34 = torchvision.models.resnet18(), torchvision.models.resnet34()
d = archplot.diff(r18, r34, input_size=(1, 3, 224, 224), names=("resnet18", "resnet34"))
print(d.to_markdown())
d.save("diff_resnet.png")
