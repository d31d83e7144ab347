"""Activations and filters: exact values, grids, hooks cleaned up, images in, the digits example."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

import archplot
from archplot import InputError, TraceError


def known_conv():
    """Two 2×2 filters with known weights: a vertical-edge detector and a box sum."""
    conv = nn.Conv2d(1, 2, 2, bias=False)
    with torch.no_grad():
        conv.weight[0, 0] = torch.tensor([[1.0, -1.0], [1.0, -1.0]])
        conv.weight[1, 0] = torch.ones(2, 2)
    return nn.Sequential(conv, nn.ReLU())


def test_exact_activation_values():
    model = known_conv()
    x = torch.tensor([[[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]]])
    acts = archplot.activations(model, x, layers=["0", "1"])
    assert torch.equal(acts["0"][0, 0], torch.tensor([[-2.0, -2.0], [-2.0, -2.0]]))
    assert torch.equal(acts["0"][0, 1], torch.tensor([[8.0, 12.0], [20.0, 24.0]]))
    assert torch.equal(acts["1"][0, 0], torch.zeros(2, 2))  # the ReLU
    assert set(archplot.activations(model, x, layers=nn.Conv2d)) == {"0"}
    assert set(archplot.activations(model, x, layers=-1)) == {"1"}
    assert set(archplot.activations(model, x, layers=(nn.ReLU, 0))) == {"1"}
    assert set(archplot.activations(model, x)) == {"0", "1"}


def test_globs_repeated_calls_and_unknown_layers():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = nn.Sequential(nn.Linear(3, 3), nn.Tanh())

        def forward(self, x):
            return self.block(self.block(x))

    model = Twice()
    acts = archplot.activations(model, torch.randn(1, 3), layers="block.*")
    assert set(acts) == {"block.0", "block.0#1", "block.1", "block.1#1"}
    assert torch.allclose(acts["block.0#1"], model.block[0](acts["block.1"]).detach())
    with pytest.raises(InputError, match="no layer 'blok.0'; close matches: block.0"):
        archplot.activations(model, torch.randn(1, 3), layers="blok.0")
    with pytest.raises(InputError, match="out of range"):
        archplot.activations(model, torch.randn(1, 3), layers=7)


def test_hooks_gone_and_state_restored_after_an_error():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Dropout(), nn.Linear(5, 5)).train()
    with torch.enable_grad(), pytest.raises(TraceError, match="forward failed while recording activations"):
        archplot.activations(model, torch.randn(1, 3, 8, 8))
    assert all(not m._forward_hooks for m in model.modules())
    assert model.training and torch.is_grad_enabled()


def test_feature_map_grids():
    t = torch.arange(7 * 4 * 4, dtype=torch.float32).reshape(1, 7, 4, 4)
    img = archplot.feature_maps(t, padding=2, labels=False, cmap="gray")
    tile = 48  # 4 px maps enlarged to the minimum tile
    assert img.size == (3 * (tile + 2) + 2, 3 * (tile + 2) + 2)  # 7 channels: a 3×3 grid
    a = np.asarray(img)
    first = a[2:2 + tile, 2:2 + tile, 0]
    assert first[0, 0] == 0 and first[-1, -1] == 255  # per channel: each tile spans black to white
    global_ = np.asarray(archplot.feature_maps(t, normalize="global", labels=False, cmap="gray"))
    assert global_[1 + 5, 1 + 5, 0] < 20  # channel 0 is the darkest under one shared scale
    assert archplot.feature_maps(t, max_channels=2, labels=False).size[0] < img.size[0]
    assert archplot.feature_maps(torch.randn(2, 300)).size[0] > 64  # a flat vector: a heat strip
    assert archplot.feature_maps(torch.randn(1, 12, 768)).size[1] >= 12  # tokens × features
    with pytest.raises(InputError, match="unknown colour map 'jet'"):
        archplot.feature_maps(t, cmap="jet")
    with pytest.raises(InputError, match="batch index 3"):
        archplot.feature_maps(t, batch=3)


def test_filters_rgb_mean_and_channels():
    conv = nn.Conv2d(3, 5, 3)
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[0, 0] = 1.0  # filter 0 is pure red
    rgb = np.asarray(archplot.filters(conv, labels=False, padding=0))
    assert tuple(rgb[5, 5]) == (255, 128, 128)  # red up, green and blue at zero (mid grey)
    deep = nn.Conv2d(8, 4, 3)
    assert archplot.filters(deep, mode="channels", labels=False, padding=0).size == (8 * 48, 4 * 48)
    assert archplot.filters(deep, labels=False, padding=0).size == (2 * 48, 2 * 48)
    assert archplot.filters(nn.Linear(784, 10)).size[0] > 100  # 28×28 squares
    model = nn.Sequential(nn.Conv2d(3, 4, 3))
    assert archplot.filters(model, layer="0").size == archplot.filters(model[0]).size
    with pytest.raises(InputError, match="needs filters with 3 input channels"):
        archplot.filters(deep, mode="rgb")
    with pytest.raises(InputError, match="has no layer '1'"):
        archplot.filters(model, layer="1")


def test_a_512_channel_layer():
    img = archplot.feature_maps(torch.randn(1, 512, 7, 7))
    assert img.size[0] > 23 * 48 and img.size[1] > 22 * 48


def test_images_in_and_weights_safely(tmp_path):
    Image.new("RGB", (64, 48), (255, 0, 0)).save(tmp_path / "red.png")
    x = archplot.load_image(tmp_path / "red.png", size=32)
    assert x.shape == (1, 3, 32, 32)
    assert torch.allclose(x[0, :, 0, 0], torch.tensor([(1 - 0.485) / 0.229, (0 - 0.456) / 0.224, (0 - 0.406) / 0.225]))
    model = nn.Sequential(nn.Conv2d(3, 2, 3), nn.ReLU())
    acts = archplot.activations(model, tmp_path / "red.png", size=16)
    assert acts["0"].shape == (1, 2, 14, 14)
    with pytest.raises(InputError, match="no such image file"):
        archplot.load_image(tmp_path / "nope.png")
    torch.save(model.state_dict(), tmp_path / "w.pt")
    other = nn.Sequential(nn.Conv2d(3, 2, 3), nn.ReLU())
    archplot.load_weights(other, tmp_path / "w.pt")
    assert torch.equal(other[0].weight, model[0].weight)
    torch.save(model, tmp_path / "full.pt")  # a pickled module: refused, never unpickled
    with pytest.raises(InputError, match="not a file of plain weights"):
        archplot.load_weights(other, tmp_path / "full.pt")
    with pytest.raises(InputError, match="do not fit this model"):
        archplot.load_weights(nn.Linear(2, 2), tmp_path / "w.pt")


@pytest.mark.slow
def test_digits_example_learns_something_visible():
    pytest.importorskip("sklearn")
    before = torch.get_rng_state()
    model, images, labels = archplot.examples.digits_cnn()  # a fixed number of epochs: the same everywhere
    assert torch.equal(torch.get_rng_state(), before)
    with torch.no_grad():
        accuracy = (model(images).argmax(1) == labels).float().mean().item()
    assert accuracy > 0.9
    acts = archplot.activations(model, images[:1], layers=nn.Conv2d)
    first = acts["features.0"][0]
    # the first layer responds to the digit's strokes: its maps follow the input's ink
    ink = images[0, 0] > 0
    mean_map = first.mean(0)
    assert abs(mean_map[ink].mean() - mean_map[~ink].mean()) > 0.05


def test_activation_thumbnails_in_the_diagram(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, 3))
    x = torch.randn(1, 1, 8, 8)
    d = archplot.draw(model, x, show_activations=True)
    svg = d.to_svg()
    assert svg.count("<image ") == 4 and "data:image/png;base64," in svg
    d.save(tmp_path / "t.pdf")
    assert (tmp_path / "t.pdf").read_bytes().count(b"/Subtype /Image") >= 4
    with pytest.raises(InputError, match="needs real input_data"):
        archplot.draw(model, input_size=(1, 1, 8, 8), show_activations=True)
