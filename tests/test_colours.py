"""Colours a reader can trust: collapsed modules by type, apart from the op families, safe for
colour-blind readers, and told apart in grey for print (measured in CIELAB)."""

from __future__ import annotations

import itertools

import pytest

import archplot
from archplot.backends.scene import Group, Rect
from archplot.styles.theme import FAMILIES, MODULE_COLORS, get_theme

torchvision = pytest.importorskip("torchvision")

# Machado, Oliveira & Fernandes (2009), severity 1: linear-RGB matrices.
CVD = {
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
}


def _linear(hex_color):
    out = []
    for i in (1, 3, 5):
        c = int(hex_color[i:i + 2], 16) / 255
        out.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return out


def _lab(rgb):
    r, g, b = rgb
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
    f = [t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (x, y, z)]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def delta_e(a, b, vision=None):
    ra, rb = _linear(a), _linear(b)
    if vision:
        m = CVD[vision]
        ra, rb = ([min(1, max(0, sum(m[i][j] * v[j] for j in range(3)))) for i in range(3)] for v in (ra, rb))
    return sum((p - q) ** 2 for p, q in zip(_lab(ra), _lab(rb))) ** 0.5


def lightness(hex_color):
    return _lab(_linear(hex_color))[0]


def _fills_by_class(d):
    """Colour class (family, or ``module:Type``) -> the fills its nodes are drawn with."""
    from archplot.styles.diagram import color_class

    out = {}
    for it in d.scene.items:
        if isinstance(it, Group) and "node" in it.data:
            n = d.graph.nodes[it.data["node"]]
            if n.kind in ("input", "output"):
                continue
            fill = next(p.fill for p in it.items if isinstance(p, Rect))
            out.setdefault(color_class(n), set()).add(fill)
    return out


@pytest.fixture(scope="module")
def densenet():
    return archplot.trace(torchvision.models.densenet121(weights=None).eval(), input_size=(1, 3, 224, 224))


def test_collapsed_modules_are_coloured_by_type_and_named_in_the_legend(densenet):
    d = archplot.draw(densenet)
    fills = _fills_by_class(d)
    modules = {c: f for c, f in fills.items() if c.startswith("module:")}
    assert {"module:_DenseBlock", "module:_Transition", "module:_DenseLayer"} <= set(modules)
    assert all(len(f) == 1 for f in modules.values())  # one type, one fill
    module_fills = [next(iter(f)) for f in modules.values()]
    assert len(set(module_fills)) == len(module_fills)  # distinct types, distinct fills
    family_fills = {f for c, fs in fills.items() if not c.startswith("module:") for f in fs}
    assert not family_fills & set(module_fills)
    svg = d.to_svg()
    for c in modules:
        assert "▸ " + c.split(":")[1] in svg  # the legend names each collapsed type


def test_module_palette_stays_apart_from_families_also_for_colour_blind_readers():
    theme = get_theme("light")
    family_fills = [theme.node_colors(c, f)[0] for f, c in FAMILIES.items() if f != "module"]
    module_fills = [theme.node_colors(c, "module")[0] for c in MODULE_COLORS]
    for vision in (None, "deuteranopia", "protanopia"):
        for m in module_fills:
            assert min(delta_e(m, f, vision) for f in family_fills) >= 8, (m, vision)
        for a, b in itertools.combinations(module_fills[:6], 2):
            assert delta_e(a, b, vision) >= 10, (a, b, vision)


@pytest.mark.parametrize("model", ["densenet121", "resnet50", "inception_v3"])
def test_print_theme_classes_differ_in_lightness(model):
    kwargs = {"init_weights": False, "aux_logits": False} if model == "inception_v3" else {}
    m = getattr(torchvision.models, model)(weights=None, **kwargs).eval()
    size = 299 if model == "inception_v3" else 224
    d = archplot.draw(m, input_size=(1, 3, size, size), theme="print")
    fills = _fills_by_class(d)
    assert len(fills) >= 5
    levels = []
    for fs in fills.values():
        assert len(fs) == 1
        fill = next(iter(fs))
        assert fill[1:3] == fill[3:5] == fill[5:7]  # grey
        levels.append(lightness(fill))
    levels.sort()
    assert min(b - a for a, b in zip(levels, levels[1:])) >= 6  # every class told apart in grey
