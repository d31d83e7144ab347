"""Colours: op families from the colour-blind-safe Okabe-Ito palette, and themes for screen,
dark backgrounds and print (grayscale-safe)."""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass
from typing import Any

from ..errors import InputError

FAMILIES = {
    "convolution": "#E69F00",
    "linear": "#0072B2",
    "normalization": "#009E73",
    "activation": "#56B4E9",
    "attention": "#CC79A7",
    "pooling": "#D55E00",
    "embedding": "#F0E442",
    "recurrent": "#882255",
    "elementwise": "#8E8E8E",
    "shape": "#B8B8B8",
    "dropout": "#C8C8C8",
    "module": "#6A6A8A",
    "other": "#7A7A7A",
}
FAMILY_LABELS = {
    "convolution": "convolution", "linear": "linear / matmul", "normalization": "normalization",
    "activation": "activation", "attention": "attention", "pooling": "pooling / resampling",
    "embedding": "embedding", "recurrent": "recurrent", "elementwise": "elementwise",
    "shape": "shape", "dropout": "dropout", "module": "collapsed module", "other": "other",
}
# Collapsed modules: one colour per module type, taken in turn in the order the types were first
# called. Chosen (greedily, from Paul Tol's palettes and a few darker tones) to stay apart from
# the op-family fills and from each other, also for deuteranopes and protanopes: the first six
# differ from every family fill and from each other by ΔE ≥ 12 in CIELAB, the rest by ≥ 8.
MODULE_COLORS = ["#332288", "#AAAA00", "#A04000", "#663333", "#222255", "#4477AA", "#EE7733", "#666633",
                 "#EE6677", "#BBCC33"]
# Print: families told apart by lightness alone.
GRAY = {"convolution": 0.55, "linear": 0.35, "normalization": 0.8, "activation": 0.9, "attention": 0.45,
        "pooling": 0.65, "embedding": 0.75, "recurrent": 0.4, "elementwise": 0.95, "shape": 1.0,
        "dropout": 1.0, "module": 0.7, "other": 0.85}

_COLOR = re.compile(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?([0-9a-fA-F]{2})?\Z|[a-zA-Z]{3,20}\Z")
_NAMED = {"black": "#000000", "white": "#ffffff", "red": "#ff0000", "green": "#008000", "blue": "#0000ff",
          "orange": "#ffa500", "gray": "#808080", "grey": "#808080", "yellow": "#ffff00", "purple": "#800080",
          "pink": "#ffc0cb", "brown": "#a52a2a", "cyan": "#00ffff", "magenta": "#ff00ff", "navy": "#000080",
          "teal": "#008080", "olive": "#808000", "maroon": "#800000", "lime": "#00ff00", "silver": "#c0c0c0",
          "gold": "#ffd700", "skyblue": "#87ceeb", "lightgray": "#d3d3d3", "lightblue": "#add8e6",
          "lightgreen": "#90ee90", "salmon": "#fa8072", "coral": "#ff7f50", "violet": "#ee82ee"}


def parse_color(value: Any, where: str) -> str:
    """A colour as '#rrggbb'; anything else is refused (colours reach SVG and HTML)."""
    if isinstance(value, str) and _COLOR.match(value.strip()):
        v = value.strip().lower()
        if v in _NAMED:
            return _NAMED[v]
        if v.startswith("#"):
            if len(v) == 4:
                v = "#" + "".join(c * 2 for c in v[1:])
            return v[:7]
    raise InputError(f"{where}: {value!r} is not a colour; use '#rrggbb', '#rgb' or a basic name such as 'orange'")


def _rgb(c: str) -> tuple[int, int, int]:
    return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)


def mix(a: str, b: str, t: float) -> str:
    """``a`` moved a fraction ``t`` toward ``b``."""
    ra, rb = _rgb(a), _rgb(b)
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ra, rb))


def luminance(c: str) -> float:
    r, g, b = (v / 255 for v in _rgb(c))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    text: str
    muted: str
    edge: str
    group_fills: tuple[str, str]
    group_stroke: str
    dynamic: str
    tint: float  # how far a family colour is moved toward the background for a node's fill
    module_tint: float  # the same for collapsed modules: stronger, so they stand apart from ops

    def node_colors(self, base: str, family: str, gray: float | None = None) -> tuple[str, str, str]:
        """(fill, stroke, text) for a node whose family colour is ``base``; in print, ``gray``
        (0 black .. 1 white) replaces the family's grey level."""
        return _node_colors(self, base, family, gray)


@lru_cache(maxsize=256)
def _node_colors(theme: "Theme", base: str, family: str, gray: float | None) -> tuple[str, str, str]:
    if theme.name == "print":
        level = gray if gray is not None else GRAY.get(family, 0.85)
        fill = "#" + f"{round(255 * level):02x}" * 3
        return fill, "#000000", "#000000" if level > 0.5 else "#ffffff"
    fill = mix(base, theme.background, theme.module_tint if family == "module" else theme.tint)
    stroke = mix(base, "#000000", 0.15) if theme.name == "light" else base
    text = "#000000" if luminance(fill) > 0.45 else "#ffffff"
    return fill, stroke, text


THEMES = {
    "light": Theme("light", "#ffffff", "#1b1b1f", "#5c5f66", "#4a4d55", ("#f6f7f9", "#eceef2"), "#c3c7cf", "#D55E00", 0.72, 0.45),
    "dark": Theme("dark", "#1c1d21", "#e9eaee", "#a7abb5", "#b7bbc4", ("#26282d", "#2f3238"), "#4a4e57", "#ff8a3d", 0.62, 0.4),
    "print": Theme("print", "#ffffff", "#000000", "#333333", "#000000", ("#ffffff", "#f2f2f2"), "#000000", "#000000", 0.0, 0.0),
}


def gray_for_lightness(lightness: float) -> float:
    """The grey level (0 black .. 1 white, in sRGB) of a CIELAB lightness L* (0..100)."""
    y = ((lightness + 16) / 116) ** 3 if lightness > 8 else lightness / 903.3
    return 12.92 * y if y <= 0.0031308 else 1.055 * y ** (1 / 2.4) - 0.055


def print_grays(classes: "list[str]") -> dict[str, float]:
    """Grey levels for the classes a print picture shows, spread evenly in lightness (L* 22 to
    98) in the order given, so that neighbours differ as much as the number of classes allows."""
    if len(classes) == 1:
        return {classes[0]: gray_for_lightness(80.0)}
    step = (98.0 - 22.0) / max(len(classes) - 1, 1)
    return {c: gray_for_lightness(22.0 + i * step) for i, c in enumerate(classes)}


def get_theme(name: str) -> Theme:
    try:
        return THEMES[name]
    except (KeyError, TypeError):
        raise InputError(f"unknown theme {name!r}; choose one of {', '.join(THEMES)}") from None


def color_map_lookup(color_map: Any, names: "list[str] | tuple[str, ...]") -> tuple[str | None, str | None, str | None]:
    """(base colour, fill, outline) the user's colour map gives the first matching key, keyed by
    class, type name or family: a plain colour is a base colour, a dict gives fill and outline."""
    for key, value in (color_map or {}).items():
        name = key if isinstance(key, str) else getattr(key, "__name__", None)
        if name not in names:
            continue
        if isinstance(value, dict):
            if not value:
                continue
            fill = parse_color(value["fill"], f"color_map[{name}]['fill']") if "fill" in value else None
            outline = parse_color(value["outline"], f"color_map[{name}]['outline']") if "outline" in value else None
            return None, fill, outline
        return parse_color(value, f"color_map[{name}]"), None, None
    return None, None, None
