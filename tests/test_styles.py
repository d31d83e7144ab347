"""The classic styles: neuron graph, layered 3-D boxes, LeNet feature maps."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import torch
from torch import nn

import archplot
from conftest import optional
from archplot import InputError
from archplot.examples import ResidualBlock

torchvision = optional("torchvision")
SVG = "{http://www.w3.org/2000/svg}"


class TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 6)
        self.b = nn.Linear(3, 6)
        self.head = nn.Linear(12, 2)

    def forward(self, x, y):
        return self.head(torch.cat([torch.relu(self.a(x)), torch.relu(self.b(y))], dim=1))


def small_cnn():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 10))


def test_the_documented_snippet_runs_as_written(tmp_path):
    """The visualtorch-style call from the issue, with only the import changed."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from collections import defaultdict

    import matplotlib.pyplot as plt

    model = ResidualBlock(channels=8)
    input_shape = (1, 8, 16, 16)
    color_map: dict = defaultdict(dict)
    color_map[nn.Conv2d]["fill"] = "#E69F00"
    color_map[nn.BatchNorm2d]["fill"] = "#009E73"
    color_map[nn.ReLU]["fill"] = "#56B4E9"
    img = archplot.render(model, input_shape, style="graph", show_neurons=False, color_map=color_map, layer_spacing=60)
    dpi = 150
    plt.figure(figsize=(img.width / dpi, img.height / dpi), dpi=dpi)
    plt.imshow(img)
    plt.axis("off")
    plt.savefig(tmp_path / "fig.png")
    # the colours asked for are there, and the shortcut goes around the layers
    svg = archplot.draw(model, input_size=input_shape, style="graph", show_neurons=False, color_map=color_map,
                        layer_spacing=60).to_svg()
    for colour in ("#e69f00", "#009e73", "#56b4e9"):
        assert f'fill="{colour}"' in svg
    assert "Conv2d" in svg and "BatchNorm2d" in svg  # legend and labels


def _boxes_and_paths(svg: str):
    root = ET.fromstring(svg)
    rects = [(float(r.get("x")), float(r.get("y")), float(r.get("width")), float(r.get("height")))
             for g in root.iter(SVG + "g") if g.get("data-node") for r in g.findall(SVG + "rect")]
    paths = [p.get("d") for p in root.findall(SVG + "path")]
    return rects, paths


def test_skip_connection_goes_around_the_layers():
    d = archplot.draw(ResidualBlock(8), input_size=(1, 8, 16, 16), style="graph", show_neurons=False)
    rects, paths = _boxes_and_paths(d.to_svg())
    lowest = max(y + h for x, y, w, h in rects)
    skip = [p for p in paths if len(re.findall(r"[ML]", p)) >= 5]
    assert len(skip) == 1
    ys = [float(v) for v in re.findall(r"[ML][\d.]+ ([\d.]+)", skip[0])]
    assert max(ys) > lowest + 5  # the lane runs below every layer box
    xs = [float(v) for v in re.findall(r"[ML]([\d.]+) ", skip[0])]
    for x, y in zip(xs, ys):  # and never enters a box other than at its two ends
        inside = [r for r in rects if r[0] + 1 < x < r[0] + r[2] - 1 and r[1] + 1 < y < r[1] + r[3] - 1]
        assert not inside


def test_neurons_are_counted_capped_and_wired():
    mlp = nn.Sequential(nn.Linear(6, 10), nn.ReLU(), nn.Linear(10, 64))
    svg = archplot.draw(mlp, input_size=(1, 6), style="graph", max_neurons=12).to_svg()
    root = ET.fromstring(svg)
    per_node = {g.get("data-node"): len(g.findall(SVG + "circle")) for g in root.iter(SVG + "g") if g.get("data-node")}
    assert sorted(per_node.values()) == [6, 10, 10, 12, 12]  # input 6, Linear 10, ReLU 10, Linear 64 capped, output
    assert "⋯" in svg and ">64<" in svg  # the ellipsis and the true count
    assert len(root.findall(SVG + "path")) >= 6 * 10 + 10 * 12  # dense layers fully wired


@pytest.mark.parametrize("style", ["graph", "layered", "lenet"])
@pytest.mark.parametrize("name", ["small_cnn", "residual", "resnet18", "two_inputs"])
def test_every_style_on_every_model(style, name):
    if name == "small_cnn":
        model, kw = small_cnn(), dict(input_shape=(1, 1, 28, 28))
    elif name == "residual":
        model, kw = ResidualBlock(8), dict(input_shape=(1, 8, 16, 16))
    elif name == "resnet18":
        with torch.device("meta"):
            model = torchvision.models.resnet18()
        kw = dict(input_shape=(1, 3, 224, 224))
    else:
        model, kw = TwoInputs(), dict(input_data=(torch.randn(1, 4), torch.randn(1, 3)))
    img = archplot.render(model, style=style, **kw)
    assert img.width > 100 and img.height > 50
    assert max(img.size) <= 4000  # ResNet-18 too
    assert img.getextrema()[0][0] < 100  # something dark is drawn (text, outlines)


def test_layered_bounds_huge_layers_and_ignores_types():
    with torch.device("meta"):
        vgg = torchvision.models.vgg11()
    d = archplot.draw(vgg, input_size=(1, 3, 224, 224), style="layered", type_ignore=[nn.ReLU, "Dropout"])
    svg = d.to_svg()
    assert "ReLU" not in svg and "Dropout" not in svg and "25088" in svg
    heights = [n["height"] for n in d.geometry()["nodes"]]
    assert max(heights) <= 3 * min(h for h in heights if h > 1) * 20  # bounded, not 25,088 px
    assert max(heights) < 400


def test_lenet_labels_and_hf_model_on_meta():
    svg = archplot.draw(small_cnn(), input_size=(1, 1, 28, 28), style="lenet").to_svg()
    assert "6@28×28" in svg and "16@5×5" in svg and ">120<" in svg
    transformers = pytest.importorskip("transformers")
    cfg = transformers.BertConfig(num_hidden_layers=2, hidden_size=64, num_attention_heads=4, intermediate_size=128)
    with torch.device("meta"):
        bert = transformers.BertModel(cfg)
    for style in ("graph", "layered", "lenet"):
        img = archplot.render(bert, (1, 16), style=style, dtypes=torch.long)
        assert max(img.size) <= 4000


def test_style_options_are_checked():
    with pytest.raises(InputError, match="got unknown option 'show_neuron'; valid options are: .*show_neurons"):
        archplot.render(small_cnn(), (1, 1, 28, 28), style="graph", show_neuron=False)
    with pytest.raises(InputError, match="unknown style 'cubes'"):
        archplot.render(small_cnn(), (1, 1, 28, 28), style="cubes")
    with pytest.raises(InputError, match="max_neurons must be an integer"):
        archplot.render(small_cnn(), (1, 1, 28, 28), style="graph", max_neurons=1)
    with pytest.raises(InputError, match="is not a colour"):
        archplot.render(small_cnn(), (1, 1, 28, 28), style="layered", color_map={nn.Conv2d: "javascript:"})


def test_each_style_refuses_options_it_does_not_use():
    from archplot import LayeredStyle

    g = archplot.trace(small_cnn(), input_size=(1, 1, 28, 28))
    # the diagram's options, given to a classic style, were once silently ignored
    with pytest.raises(InputError, match=r"style='layered' does not use 'depth', 'fold', 'direction'; "
                                         r"valid options are: .*scale_z"):
        archplot.draw(g, style="layered", depth=2, direction="TB", fold=False)
    with pytest.raises(InputError, match="style='lenet' does not use 'show_neurons'"):
        archplot.draw(g, style="lenet", show_neurons=False)  # an option of another classic style
    with pytest.raises(InputError, match="unknown option 'scale_z'"):
        archplot.draw(g, scale_z=2.0)  # and the diagram refuses the classic styles' options
    # a style object carries its own options; the same picture as the keywords give
    by_object = archplot.draw(g, style=LayeredStyle(scale_z=2.0, title="cnn"))
    assert by_object.to_svg() == archplot.draw(g, style="layered", scale_z=2.0, title="cnn").to_svg()
    with pytest.raises(InputError, match="go into the style object"):
        archplot.draw(g, style=LayeredStyle(), title="cnn")
    with pytest.raises(InputError, match="scale_z must be a non-negative number"):
        LayeredStyle(scale_z=-1)
