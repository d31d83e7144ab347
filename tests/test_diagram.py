"""Static diagrams: geometry checked on real models, every output format, options and escaping."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import torch
from torch import nn

import archplot
from archplot import InputError
from conftest import optional

torchvision = optional("torchvision")
transformers = optional("transformers")
from archplot.examples import UNet  # noqa: E402


def _bezier(p0, p1, p2, p3, t):
    u = 1 - t
    return tuple(u ** 3 * a + 3 * u * u * t * b + 3 * u * t * t * c + t ** 3 * d for a, b, c, d in zip(p0, p1, p2, p3))


def sample_route(points, lr=False, steps=12):
    """Points along the drawn edge: straight pieces and S-curves as the renderers draw them."""
    out = []
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        bend = abs(x0 - x1) > 0.5 if not lr else abs(y0 - y1) > 0.5
        for k in range(1, steps):
            t = k / steps
            if bend:
                if lr:
                    mx = (x0 + x1) / 2
                    out.append(_bezier((x0, y0), (mx, y0), (mx, y1), (x1, y1), t))
                else:
                    my = (y0 + y1) / 2
                    out.append(_bezier((x0, y0), (x0, my), (x1, my), (x1, y1), t))
            else:
                out.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
    return out


def inside(p, r, margin=1.0):
    return r["x"] + margin < p[0] < r["x"] + r["width"] - margin and r["y"] + margin < p[1] < r["y"] + r["height"] - margin


def on_border(p, r, tol=1.5):
    x, y = p
    within_x = r["x"] - tol <= x <= r["x"] + r["width"] + tol
    within_y = r["y"] - tol <= y <= r["y"] + r["height"] + tol
    near_h = abs(y - r["y"]) <= tol or abs(y - r["y"] - r["height"]) <= tol
    near_v = abs(x - r["x"]) <= tol or abs(x - r["x"] - r["width"]) <= tol
    return (within_x and near_h) or (within_y and near_v)


def overlap(a, b):
    return (a["x"] < b["x"] + b["width"] - 0.5 and b["x"] < a["x"] + a["width"] - 0.5 and
            a["y"] < b["y"] + b["height"] - 0.5 and b["y"] < a["y"] + a["height"] - 0.5)


def check_geometry(d: archplot.Diagram, lr=False):
    geo = d.geometry()
    g = d.graph
    nodes = {n["id"]: n for n in geo["nodes"]}
    assert set(nodes) == set(g.nodes)
    ids = sorted(nodes)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            assert not overlap(nodes[a], nodes[b]), f"nodes {a} and {b} overlap"
    groups = {gr["scope"]: gr for gr in geo["groups"]}
    for sid, box in groups.items():
        members = {n.id for n in g if sid in [s.id for s in g.scope_chain(n.scope)]}
        pieces = [box, *box.get("pieces", [])]  # a box wrapped across columns comes in pieces
        for nid, r in nodes.items():
            centre = (r["x"] + r["width"] / 2, r["y"] + r["height"] / 2)
            contained = any(b["x"] <= r["x"] and r["x"] + r["width"] <= b["x"] + b["width"] and
                            b["y"] <= r["y"] and r["y"] + r["height"] <= b["y"] + b["height"] for b in pieces)
            if nid in members:
                assert contained, f"node {nid} sticks out of box {box['path']}"
            else:
                assert not any(inside(centre, b, 0) for b in pieces), \
                    f"node {nid} lies in box {box['path']} it does not belong to"
        siblings = [o for o, s in g.scopes.items() if o != sid and o in groups and s.parent == g.scopes[sid].parent]
        for o in siblings:
            assert not overlap(box, groups[o]), f"boxes {box['path']} and {groups[o]['path']} overlap"
    for e in geo["edges"]:
        pts = e["points"]
        src, dst = nodes[e["source"]], nodes[e["target"]]
        assert on_border(pts[0], src), f"edge {e['source']}->{e['target']} does not leave its source's border"
        assert on_border(pts[-1], dst), f"edge {e['source']}->{e['target']} does not reach its target's border"
        for p in sample_route(pts, lr):
            for nid, r in nodes.items():
                assert not inside(p, r), f"edge {e['source']}->{e['target']} passes through node {nid}"
    return geo


class TwoInTwoOut(nn.Module):
    def __init__(self):
        super().__init__()
        self.img = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.txt = nn.Sequential(nn.Embedding(100, 8), nn.LSTM(8, 8, batch_first=True))
        self.head = nn.Linear(16, 4)
        self.aux = nn.Linear(8, 2)

    def forward(self, image, tokens):
        a = self.img(image)
        b = self.txt(tokens)[0][:, -1]
        return {"logits": self.head(torch.cat([a, b], dim=1)), "aux": self.aux(b)}


@functools.cache
def _models():
    with torch.device("meta"):
        r18, r50 = torchvision.models.resnet18(), torchvision.models.resnet50()
        inc = torchvision.models.inception_v3(init_weights=False, aux_logits=False)
        vit = torchvision.models.vit_b_16()
    small = dict(hidden_size=64, num_hidden_layers=4, num_attention_heads=4, intermediate_size=128, vocab_size=100)
    return {
        "resnet18": (r18, dict(input_size=(1, 3, 224, 224))),
        "resnet50_depth2": (r50, dict(input_size=(1, 3, 224, 224), depth=2)),
        "inception_block": (inc, dict(input_size=(1, 3, 299, 299), focus="Mixed_6e")),
        "vit": (vit, dict(input_size=(1, 3, 224, 224))),
        "gpt2": (transformers.GPT2Model(transformers.GPT2Config(n_layer=4, n_embd=64, n_head=4, vocab_size=100)),
                 dict(input_size=(1, 8), dtypes=torch.long)),
        "bert": (transformers.BertModel(transformers.BertConfig(**small)), dict(input_size=(1, 8), dtypes=torch.long)),
        "unet": (UNet(), dict(input_size=(1, 3, 64, 64))),
        "two_in_two_out": (TwoInTwoOut(), dict(input_data=(torch.randn(1, 3, 16, 16), torch.ones(1, 5, dtype=torch.long)))),
    }


class _Models:
    """The real models by name, built on first use: without torchvision or transformers only
    the tests that draw them are skipped."""

    def __iter__(self):
        return iter(("bert", "gpt2", "inception_block", "resnet18", "resnet50_depth2", "two_in_two_out", "unet", "vit"))

    def __getitem__(self, name):
        return _models()[name]


MODELS = _Models()


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("direction", ["TB", "LR"])
def test_geometry_on_real_models(name, direction):
    model, kw = MODELS[name]
    kw = dict(kw)
    data = kw.pop("input_data", None)
    d = archplot.draw(model, data, direction=direction, **kw)
    check_geometry(d, lr=direction == "LR")
    # a drawing readable enough to follow: few crossings for the size (counted by the layout)
    assert type(d.stats["crossings"]) is int and 0 <= d.stats["crossings"] <= len(d.graph.edges) // 10, d.stats
    ET.fromstring(d.to_svg())  # well-formed


def test_gpt2_folded_and_resnet50_stages_in_the_picture():
    d = archplot.draw(MODELS["gpt2"][0], input_size=(1, 8), dtypes=torch.long, depth=1)
    svg = d.to_svg()
    assert "GPT2Block ×4" in svg and "h.0 … h.3" in svg
    d = archplot.draw(MODELS["resnet50_depth2"][0], input_size=(1, 3, 224, 224), depth=2)
    svg = d.to_svg()
    for stage in ("layer1 · Sequential", "layer4 · Sequential", "Bottleneck ×5", "7×7, s2, p3, 3→64", "1×2048×7×7"):
        assert stage in svg


def test_same_graph_same_bytes(tmp_path):
    g = archplot.trace(MODELS["unet"][0], input_size=(1, 3, 64, 64))
    a = archplot.draw(g).to_svg()
    b = archplot.draw(archplot.Graph.from_json(g.to_json())).to_svg()
    assert a == b
    code = ("import sys, archplot; g = archplot.Graph.from_json(sys.argv[1]); "
            "sys.stdout.write(archplot.draw(g).to_svg()); assert 'torch' not in sys.modules")
    path = tmp_path / "g.json"
    g.to_json(path)
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout == a


def test_every_output_format(tmp_path):
    d = archplot.draw(MODELS["two_in_two_out"][0], (torch.randn(1, 3, 16, 16), torch.ones(1, 5, dtype=torch.long)))
    from PIL import Image

    for ext in ("svg", "png", "pdf", "dot", "mmd", "json"):
        d.save(tmp_path / f"m.{ext}")
    ET.parse(tmp_path / "m.svg")
    img = Image.open(tmp_path / "m.png")
    assert abs(img.width - 2 * d.scene.width) <= 2 and abs(img.height - 2 * d.scene.height) <= 2
    # text really is drawn: the PNG has dark pixels inside the first node
    node = d.geometry()["nodes"][1]
    crop = img.convert("L").crop(tuple(int(2 * v) for v in (node["x"], node["y"], node["x"] + node["width"],
                                                              node["y"] + node["height"])))
    assert crop.getextrema()[0] < 80
    assert d.to_image(dpi=96).width == round(d.scene.width)
    pdf = (tmp_path / "m.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf
    dot = (tmp_path / "m.dot").read_text()
    assert dot.startswith("digraph") and dot.count("subgraph cluster_") == 2 and "1×8" in dot
    mmd = (tmp_path / "m.mmd").read_text()
    assert mmd.startswith("flowchart TB") and mmd.count("subgraph") == 2
    assert archplot.Graph.from_json(tmp_path / "m.json") == d.graph
    with pytest.raises(InputError, match="unknown extension .bmp"):
        d.save(tmp_path / "m.bmp")


def test_pdf_renders_to_the_same_picture(tmp_path):
    import shutil

    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    d = archplot.draw(MODELS["unet"][0], input_size=(1, 3, 64, 64), depth=1)
    d.save(tmp_path / "u.pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "72", "-singlefile", str(tmp_path / "u.pdf"), str(tmp_path / "u")], check=True)
    from PIL import Image

    img = Image.open(tmp_path / "u.png")
    assert abs(img.width - d.scene.width) <= 2 and abs(img.height - d.scene.height) <= 2


def test_labels_are_escaped():
    evil = type("<script>alert(1)</script>", (nn.Module,), {"forward": lambda self, x: self.lin(x) * 2})
    inner = evil()
    inner.lin = nn.Linear(2, 2)
    model = nn.Sequential()
    model.add_module("a&b", inner)
    d = archplot.draw(model, input_size=(1, 2), depth=1, title="<b>title</b>")
    svg = d.to_svg()
    assert "<script>" not in svg and "<b>" not in svg
    root = ET.fromstring(svg)
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "a&b · <script>alert(1)</script>" in texts and "<b>title</b>" in texts
    mermaid = d.to_mermaid()
    assert "<script>" not in mermaid and "#lt;script#gt;" in mermaid
    dot = d.to_dot()
    assert 'label="a&b · <script>alert(1)</script>' in dot  # DOT strings are quoted; no markup is interpreted
    expanded = archplot.draw(model, input_size=(1, 2), depth=2).to_svg()
    assert "<script>" not in expanded and "a&amp;b · &lt;script&gt;" in expanded


def test_options_are_checked():
    lin = nn.Linear(2, 2)
    with pytest.raises(InputError, match="unknown option 'colour_map'; valid options are: .*color_map"):
        archplot.draw(lin, input_size=(1, 2), colour_map={})
    with pytest.raises(InputError, match="unknown theme 'neon'"):
        archplot.draw(lin, input_size=(1, 2), theme="neon")
    with pytest.raises(InputError, match="direction must be 'TB'"):
        archplot.draw(lin, input_size=(1, 2), direction="BT")
    with pytest.raises(InputError, match="is not a colour"):
        archplot.draw(lin, input_size=(1, 2), color_map={nn.Linear: "red\" onload=\"alert(1)"})
    g = archplot.trace(lin, input_size=(1, 2))
    with pytest.raises(InputError, match="only apply when drawing a model"):
        archplot.draw(g, input_size=(1, 2))


def test_color_map_themes_and_notebook_display():
    model = MODELS["unet"][0]
    d = archplot.draw(model, input_size=(1, 3, 64, 64), depth=2,
                      color_map={nn.Conv2d: "#123456", "BatchNorm2d": {"fill": "#abcdef", "outline": "#010203"}})
    svg = d.to_svg()
    assert 'fill="#abcdef" stroke="#010203"' in svg
    from archplot.styles.theme import THEMES, mix

    # a base colour is tinted toward the background for the fill and darkened for the outline
    assert f'fill="{mix("#123456", "#ffffff", THEMES["light"].tint)}" stroke="{mix("#123456", "#000000", 0.15)}"' in svg
    dark = archplot.draw(model, input_size=(1, 3, 64, 64), depth=1, theme="dark").to_svg()
    assert 'fill="#1c1d21"' in dark
    printed = archplot.draw(model, input_size=(1, 3, 64, 64), depth=2, theme="print").to_svg()
    colours = set(re.findall(r'(?:fill|stroke)="(#[0-9a-f]{6})"', printed))
    assert colours and all(c[1:3] == c[3:5] == c[5:7] for c in colours), "print theme must be grayscale"
    html = d._repr_html_()  # the interactive view, in an iframe
    assert html.startswith("<iframe") and "archplot-data" in html
    classic = archplot.draw(model, input_size=(1, 3, 64, 64), style="layered")._repr_html_()
    assert "overflow:auto" in classic and "<svg" in classic and "max-width:none" in classic


def test_huge_png_warns_instead_of_failing_silently():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from synthetic import network

    d = archplot.draw(network(2000, nested=False), fold=False, depth=None, fit="none")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d.to_png()
    assert any("text may be unreadable" in str(w.message) for w in caught)


def test_auto_depth_keeps_big_models_readable():
    pytest.importorskip("transformers")
    model = archplot.examples.llama70b_meta()
    d = archplot.draw(model, input_size=(1, 16), dtypes=torch.long)
    assert len(d.graph.nodes) <= 120
    assert "LlamaDecoderLayer ×80" in d.to_svg()


def test_tensor_labels_cover_no_node_and_no_other_label():
    transformers = pytest.importorskip("transformers")
    from archplot.backends.scene import Text
    from archplot.backends.text import text_width

    cfg = transformers.LlamaConfig(num_hidden_layers=2, hidden_size=256, intermediate_size=512, num_attention_heads=4,
                                   num_key_value_heads=2, vocab_size=1000)
    g = archplot.trace(transformers.LlamaModel(cfg).eval(), input_size=(1, 16), dtypes=torch.long)
    for direction in ("TB", "LR"):
        d = archplot.draw(g, depth=3, direction=direction)
        nodes = [(n["x"], n["y"], n["x"] + n["width"], n["y"] + n["height"]) for n in d.geometry()["nodes"]]
        labels = []
        for it in d.scene.items:  # tensor labels: the plain texts outside node groups and legend
            if isinstance(it, Text) and not it.bold and it.halo is None and "×" in it.text:
                w = text_width(it.text, it.size)
                x0 = it.x - w if it.anchor == "end" else it.x
                labels.append((x0, it.y - it.size + 1, x0 + w, it.y + 1))
        assert len(labels) > 30

        def hit(r, o):
            return r[0] < o[2] and o[0] < r[2] and r[1] < o[3] and o[1] < r[3]

        assert not [(lb, n) for lb in labels for n in nodes if hit(lb, n)]
        assert not [(a, b) for i, a in enumerate(labels) for b in labels[i + 1:] if hit(a, b)]
