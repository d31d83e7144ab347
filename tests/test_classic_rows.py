"""Classic styles on deep models: wrapped into rows that fit a page, readable text, skip lines
around the stacks, headers apart, a caption that reads as a sentence."""

from __future__ import annotations

import pytest

import archplot
from archplot.backends.scene import Circle, Group, Path, Polygon, Rect, Text
from archplot.backends.text import text_width

torchvision = pytest.importorskip("torchvision")


@pytest.fixture(scope="module", params=["resnet18", "mobilenet_v2"])
def deep(request):
    model = getattr(torchvision.models, request.param)(weights=None).eval()
    return archplot.trace(model, input_size=(1, 3, 224, 224))


def _walk(items):
    for it in items:
        yield it
        if isinstance(it, Group):
            yield from _walk(it.items)


def _text_box(t):
    w = text_width(t.text, t.size, t.bold)
    x0 = t.x - w / 2 if t.anchor == "middle" else (t.x - w if t.anchor == "end" else t.x)
    return x0, t.y - t.size, x0 + w, t.y + 2


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("style", ["graph", "layered", "lenet"])
def test_every_classic_style_fits_a_page_with_readable_text(deep, style):
    d = archplot.draw(deep, style=style)
    w, h = d.scene.width, d.scene.height
    assert max(w, h) <= 3000 and max(w, h) / min(w, h) <= 4
    assert min(t.size for t in _walk(d.scene.items) if isinstance(t, Text) and t.text.strip()) >= 10
    img = archplot.render(deep, style=style, scale=1)
    assert abs(img.size[0] - w) <= 1 and abs(img.size[1] - h) <= 1


@pytest.mark.parametrize("style", ["layered", "lenet"])
def test_skip_lines_run_around_the_stacks(deep, style):
    d = archplot.draw(deep, style=style)
    stacks = []
    for it in d.scene.items:
        if isinstance(it, Group) and "node" in it.data:
            shapes = [p for p in it.items if isinstance(p, (Rect, Polygon))]
            xs = [x for p in shapes for x in ([p.x, p.x + p.w] if isinstance(p, Rect) else [q[0] for q in p.points])]
            ys = [y for p in shapes for y in ([p.y, p.y + p.h] if isinstance(p, Rect) else [q[1] for q in p.points])]
            stacks.append((min(xs) + 1, min(ys) + 1, max(xs) - 1, max(ys) - 1))
    skips = [it for it in d.scene.items if isinstance(it, Path) and len(it.points) >= 5]
    assert skips  # residual connections and the edges from one row to the next
    for path in skips:
        for (x0, y0), (x1, y1) in zip(path.points, path.points[1:]):
            segment = (min(x0, x1), min(y0, y1), max(x0, x1) + 0.01, max(y0, y1) + 0.01)
            assert not any(_overlap(segment, s) for s in stacks), (style, (x0, y0, x1, y1))


def test_neuron_headers_never_run_together(deep):
    d = archplot.draw(deep, style="graph")
    headers = []
    for it in d.scene.items:
        if isinstance(it, Group) and "node" in it.data and any(isinstance(p, Circle) for p in it.items):
            headers += [_text_box(t) for t in it.items if isinstance(t, Text) and t.bold]
    assert len(headers) > 40
    for i, a in enumerate(headers):
        assert not any(_overlap(a, b) for b in headers[i + 1:])


def test_caption_reads_as_a_sentence(deep):
    d = archplot.draw(deep, style="graph")
    caption = [t.text for t in d.scene.items if isinstance(t, Text) and "lines" in t.text]
    assert len(caption) == 1
    text = caption[0]
    assert text[0].isupper() and text.endswith(".") and "dashed lines" in text and ":" not in text


def test_small_models_stay_one_strip():
    model = archplot.examples.residual_block()
    for style in ("graph", "layered", "lenet"):
        d = archplot.draw(model, input_size=(1, 8, 16, 16), style=style)
        assert d.scene.width > d.scene.height  # one left-to-right strip, not rows
