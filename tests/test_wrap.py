"""Long pictures wrap into columns (rows left to right) to fit a page shape."""

from __future__ import annotations

import pytest

import archplot
from archplot import InputError

torchvision = pytest.importorskip("torchvision")


@pytest.fixture(scope="module")
def resnet50():
    return archplot.trace(torchvision.models.resnet50(weights=None).eval(), input_size=(1, 3, 224, 224))


def _overlaps(nodes):
    boxes = [(n["x"], n["y"], n["x"] + n["width"], n["y"] + n["height"]) for n in nodes]
    return sum(1 for i, a in enumerate(boxes) for b in boxes[i + 1:]
               if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def _edges_join_their_nodes(d):
    geo = d.geometry()
    by_id = {n["id"]: n for n in geo["nodes"]}
    for e in geo["edges"]:
        (x0, y0), (x1, y1) = e["points"][0], e["points"][-1]
        s, t = by_id.get(e["source"]), by_id.get(e["target"])
        if s is not None:
            assert s["x"] - 1 <= x0 <= s["x"] + s["width"] + 1 and abs(y0 - (s["y"] + s["height"])) < 2
        if t is not None:
            assert t["x"] - 1 <= x1 <= t["x"] + t["width"] + 1 and abs(y1 - t["y"]) < 2


def test_long_picture_wraps_into_columns_by_default(resnet50):
    strip = archplot.draw(resnet50, depth="all", fit="none")
    assert strip.scene.height / strip.scene.width > 10
    d = archplot.draw(resnet50, depth="all")
    assert d.scene.height / d.scene.width <= 4
    assert d.scene.height < strip.scene.height / 1.8
    nodes = d.geometry()["nodes"]
    assert len(nodes) == len(strip.geometry()["nodes"])
    assert _overlaps(nodes) == 0
    assert all(0 <= n["x"] and n["x"] + n["width"] <= d.scene.width and n["y"] + n["height"] <= d.scene.height
               for n in nodes)
    # a stage starts the second column: layer3's first conv sits right of the stem, near the top
    geo = {n.path: b for n, b in ((d.graph.nodes[b["id"]], b) for b in nodes)}
    assert geo["layer3.0.conv1"]["x"] > geo["conv1"]["x"] + 300
    assert geo["layer3.0.conv1"]["y"] < geo["layer1.0.conv1"]["y"]
    _edges_join_their_nodes(d)


def test_fit_presets_and_max_aspect(resnet50):
    slide = archplot.draw(resnet50, depth="all", fit="slide")
    assert slide.scene.width > slide.scene.height  # landscape
    page = archplot.draw(resnet50, depth="all", fit="page")
    assert 0.35 < page.scene.width / page.scene.height < 1.0  # portrait
    tight = archplot.draw(resnet50, depth="all", max_aspect=2)
    loose = archplot.draw(resnet50, depth="all", max_aspect=8)
    assert tight.scene.width > loose.scene.width
    _edges_join_their_nodes(slide)


def test_left_to_right_wraps_into_rows(resnet50):
    d = archplot.draw(resnet50, depth="all", direction="LR")
    strip = archplot.draw(resnet50, depth="all", direction="LR", fit="none")
    assert strip.scene.width / strip.scene.height > 8
    assert d.scene.width < strip.scene.width / 1.8 and d.scene.height > strip.scene.height * 1.8


def test_short_pictures_never_wrap():
    d = archplot.draw(archplot.examples.residual_block(), input_size=(1, 8, 8, 8))
    xs = {round(n["x"] + n["width"] / 2) for n in d.geometry()["nodes"]}
    assert len(xs) <= 2  # one column (the skip edge beside it)


def test_bad_fit_is_refused(resnet50):
    with pytest.raises(InputError, match="fit must be one of"):
        archplot.draw(resnet50, fit="a4")
    with pytest.raises(InputError, match="max_aspect"):
        archplot.draw(resnet50, max_aspect=0.5)


def test_cli_fit(resnet50, tmp_path):
    import re
    import subprocess
    import sys

    resnet50.to_json(tmp_path / "r.json")
    cmd = [sys.executable, "-m", "archplot.cli", str(tmp_path / "r.json"), "--depth", "all"]
    r = subprocess.run([*cmd, "--fit", "slide", "-o", str(tmp_path / "r.svg")], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    w, h = map(float, re.search(r'width="([\d.]+)" height="([\d.]+)"', (tmp_path / "r.svg").read_text()).groups())
    assert w > h
    bad = subprocess.run([*cmd, "--fit", "a4"], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
