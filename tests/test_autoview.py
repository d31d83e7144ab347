"""The automatic level of detail, judged on real models by the picture a reader gets."""

from __future__ import annotations

import subprocess
import sys

import pytest

import archplot
from archplot import InputError

torchvision = pytest.importorskip("torchvision")


def _trace(name):
    model = getattr(torchvision.models, name)(weights=None).eval()
    return archplot.trace(model, input_size=(1, 3, 224, 224))


def _open_blocks(d, block_type):
    """How many modules of ``block_type`` are drawn open (as a box with their inside)."""
    g = d.graph
    open_scopes = set()
    for n in g.nodes.values():
        if not (n.collapsed and g.scopes[n.scope].path == n.path):
            open_scopes.update(s.id for s in g.scope_chain(n.scope))
    return sum(1 for sid in open_scopes if g.scopes[sid].path and g.modules[g.scopes[sid].path].type == block_type)


def _aspect(d):
    w, h = d.scene.width, d.scene.height
    return max(w, h) / min(w, h)


@pytest.mark.parametrize("name, block", [("resnet50", "Bottleneck"), ("convnext_tiny", "CNBlock"),
                                         ("densenet121", "_DenseLayer"), ("efficientnet_b0", "MBConv")])
def test_default_view_shows_the_defining_block_open_once(name, block):
    d = archplot.draw(_trace(name))
    assert d.stats["nodes"] <= 120
    assert _open_blocks(d, block) == 1
    assert _aspect(d) <= 7.0
    assert d.stats["crossings"] <= d.stats["nodes"]  # DenseNet-121 at depth 3 had 8,836


def test_convnext_opens_its_block_rather_than_showing_stochastic_depth_alone():
    d = archplot.draw(_trace("convnext_tiny"))
    svg = d.to_svg()
    assert "CNBlock" in svg and "block.3 · Linear" in svg  # the CNBlock's inside, once
    assert svg.count("block.3 · Linear") == 1


def test_resnet50_default_is_the_stage_view_not_the_expanded_strip():
    g = _trace("resnet50")
    full = archplot.draw(g, depth="all", fit="none")
    d = archplot.draw(g)
    assert _aspect(full) > 10  # the fully expanded chain: what the default used to be
    assert d.scene.height < full.scene.height / 2
    svg = d.to_svg()
    for stage in ("layer1", "layer2", "layer3", "layer4"):
        assert stage in svg


def test_small_models_stay_fully_open():
    model = archplot.examples.residual_block()
    d = archplot.draw(model, input_size=(1, 8, 16, 16))
    assert not any(n.collapsed for n in d.graph.nodes.values())


def test_depth_all_opens_everything_and_bad_depths_are_refused():
    g = _trace("resnet18")
    assert not any(n.collapsed for n in archplot.draw(g, depth="all").graph.nodes.values())
    assert len(archplot.draw(g, depth="all").graph.nodes) == len(archplot.draw(g, expand="**").graph.nodes)
    with pytest.raises(InputError, match="'all'"):
        archplot.draw(g, depth="everything")
    with pytest.raises(InputError, match="at least 1"):
        archplot.draw(g, depth=0)


def test_cli_depth_all(tmp_path):
    g = _trace("resnet18")
    g.to_json(tmp_path / "r.json")
    cmd = [sys.executable, "-m", "archplot.cli", str(tmp_path / "r.json")]
    r = subprocess.run([*cmd, "--depth", "all", "-o", str(tmp_path / "all.json")], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    drawn = archplot.Graph.from_json(tmp_path / "all.json")
    assert not any(n.collapsed for n in drawn.nodes.values())
    bad = subprocess.run([*cmd, "--depth", "deep"], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "'all'" in bad.stderr


def _zoo(name):
    if name in ("gpt2", "bert"):
        transformers = pytest.importorskip("transformers")
        import torch

        if name == "gpt2":
            model = transformers.GPT2Model(transformers.GPT2Config(n_layer=4, n_embd=128, n_head=4))
        else:
            model = transformers.BertModel(transformers.BertConfig(hidden_size=128, num_hidden_layers=4,
                                                                   num_attention_heads=4, intermediate_size=512))
        return archplot.trace(model.eval(), input_size=(1, 16), dtypes=torch.long)
    return _trace(name)


@pytest.mark.parametrize("name", ["resnet50", "convnext_tiny", "densenet121", "efficientnet_b0", "vit_b_16", "swin_t",
                                  "mobilenet_v2", "gpt2", "bert"])
def test_every_zoo_default_is_a_page_shape(name):
    d = archplot.draw(_zoo(name))
    assert d.stats["nodes"] <= 120
    assert _aspect(d) <= 4.1  # DenseNet-121: 4.04, its open dense block too tall to cut beside
    assert d.stats["crossings"] <= d.stats["nodes"]
