"""Regenerate the pictures in the README by running archplot on real models.

    python tools/readme_images.py
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import torch
import torchvision
import transformers

import archplot

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images"
from archplot.examples import UNet  # noqa: E402


def main() -> None:
    warnings.simplefilter("ignore")
    OUT.mkdir(parents=True, exist_ok=True)
    with torch.device("meta"):
        resnet50 = torchvision.models.resnet50()
        inception = torchvision.models.inception_v3(init_weights=False, aux_logits=False)
        gpt2 = transformers.GPT2Model(transformers.GPT2Config())
    pictures = {
        "resnet50_depth2": archplot.draw(resnet50, input_size=(1, 3, 224, 224), depth=2, title="ResNet-50, depth 2"),
        "gpt2_folded": archplot.draw(gpt2, input_size=(1, 16), dtypes=torch.long, depth=2, title="GPT-2, depth 2"),
        "inception_block": archplot.draw(inception, input_size=(1, 3, 299, 299), focus="Mixed_5b",
                                         title="Inception v3: Mixed_5b", direction="TB"),
        "unet": archplot.draw(UNet(), input_size=(1, 3, 128, 128), depth=1, title="U-Net, depth 1"),
    }
    from collections import defaultdict

    from torch import nn

    sys.path.insert(0, str(ROOT / "tests"))
    from test_styles import ResidualBlock, small_cnn

    colours: dict = defaultdict(dict)
    colours[nn.Conv2d]["fill"] = "#E69F00"
    colours[nn.BatchNorm2d]["fill"] = "#009E73"
    colours[nn.ReLU]["fill"] = "#56B4E9"
    block = ResidualBlock(channels=8)
    pictures.update({
        "style_graph_boxes": archplot.draw(block, input_size=(1, 8, 16, 16), style="graph", show_neurons=False,
                                           color_map=colours, layer_spacing=60),
        "style_graph_neurons": archplot.draw(nn.Sequential(nn.Linear(6, 10), nn.ReLU(), nn.Linear(10, 8), nn.ReLU(),
                                                           nn.Linear(8, 3)), input_size=(1, 6), style="graph"),
        "style_layered": archplot.draw(small_cnn(), input_size=(1, 1, 28, 28), style="layered"),
        "style_lenet": archplot.draw(small_cnn(), input_size=(1, 1, 28, 28), style="lenet"),
    })
    model, images, _ = archplot.examples.digits_cnn()
    archplot.filters(model, layer="features.0").save(OUT / "digits_filters.png")
    acts = archplot.activations(model, images[:1], layers=nn.Conv2d)
    archplot.feature_maps(acts["features.0"]).save(OUT / "digits_activations.png")
    archplot.feature_maps(acts["features.3"], cmap="magma").save(OUT / "digits_activations_2.png")
    for name, d in pictures.items():
        d.save(OUT / f"{name}.png", scale=1.5)
        d.save(OUT / f"{name}.svg")
        print(name, d)


if __name__ == "__main__":
    main()
