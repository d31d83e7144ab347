"""Built-in example models, made from code with nothing downloaded.

>>> model = archplot.examples.residual_block()          # doctest: +SKIP
>>> model, images, labels = archplot.examples.digits_cnn()   # trains for 4 epochs
"""

from __future__ import annotations


import torch
from torch import nn

from .errors import InputError


class ResidualBlock(nn.Module):
    """Conv-BN-ReLU-Conv-BN with an identity shortcut and a final ReLU."""

    def __init__(self, channels: int = 8) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + x)


def residual_block(channels: int = 8) -> nn.Module:
    return ResidualBlock(channels)


def conv_block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, channels: int = 3, classes: int = 2, width: int = 16) -> None:
        super().__init__()
        w = width
        self.enc1, self.enc2, self.enc3 = conv_block(channels, w), conv_block(w, 2 * w), conv_block(2 * w, 4 * w)
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = conv_block(4 * w, 8 * w)
        self.up3, self.dec3 = nn.ConvTranspose2d(8 * w, 4 * w, 2, stride=2), conv_block(8 * w, 4 * w)
        self.up2, self.dec2 = nn.ConvTranspose2d(4 * w, 2 * w, 2, stride=2), conv_block(4 * w, 2 * w)
        self.up1, self.dec1 = nn.ConvTranspose2d(2 * w, w, 2, stride=2), conv_block(2 * w, w)
        self.head = nn.Conv2d(w, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        e3 = self.enc3(self.pool(e2))
        b = self.bottleneck(self.pool(e3))
        d3 = self.dec3(torch.cat([self.up3(b), e3], dim=1))
        d2 = self.dec2(torch.cat([self.up2(d3), e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
        return self.head(d1)


def unet(width: int = 16) -> nn.Module:
    return UNet(width=width)


class DigitsCNN(nn.Module):
    """A small CNN for 16×16 grey digits: two conv stages and a classifier."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 12, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(12, 24, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(24 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def digits(size: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's bundled 8×8 handwritten digits (1,797 of them), upsampled to ``size``."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise InputError("the digits example needs scikit-learn: pip install scikit-learn") from e
    data = load_digits()
    x = torch.tensor(data.images, dtype=torch.float32).unsqueeze(1) / 16.0
    x = nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    return (x - 0.5) / 0.5, torch.tensor(data.target)


def digits_cnn(epochs: int = 4, seed: int = 0) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """Train :class:`DigitsCNN` on the digits for ``epochs`` passes over the 1,797 images;
    returns model, images, labels (4 epochs reach about 97 % training accuracy).

    A fixed amount of training, so the result is the same on every machine, fast or busy;
    deterministic for a seed, and the global random state is left as it was.
    """
    if not isinstance(epochs, int) or epochs < 1:
        raise InputError(f"epochs must be a positive whole number, not {epochs!r}")
    images, labels = digits()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = DigitsCNN()
        opt = torch.optim.Adam(model.parameters(), lr=3e-3)
        gen = torch.Generator().manual_seed(seed)
        for _ in range(epochs):
            order = torch.randperm(len(images), generator=gen)
            for i in range(0, len(images), 64):
                idx = order[i:i + 64]
                loss = nn.functional.cross_entropy(model(images[idx]), labels[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
    return model.eval(), images, labels


def llama70b_meta() -> nn.Module:
    """The 80-layer Llama configuration (hidden size 8192, 70 billion parameters) built on the
    meta device: no memory for weights. Needs transformers."""
    try:
        import transformers
    except ImportError as err:
        raise InputError("the Llama example needs transformers: pip install transformers") from err
    config = transformers.LlamaConfig(num_hidden_layers=80, hidden_size=8192, num_attention_heads=64,
                                      num_key_value_heads=8, intermediate_size=28672, vocab_size=128256)
    with torch.device("meta"):
        return transformers.LlamaForCausalLM(config)
