"""Scene -> SVG text. Deterministic: the same scene gives the same bytes."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import base64

from .scene import Circle, Group, Image, Item, Path, Polygon, Rect, Scene, Text, path_commands
from .text import FONT_STACK


def _n(v: float) -> str:
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _data(d: dict) -> str:
    return "".join(f" data-{k}={quoteattr(str(v))}" for k, v in d.items())


def _paint(fill: str | None, stroke: str | None, width: float = 1.0, dash=None, opacity: float = 1.0) -> str:
    out = f' fill="{fill}"' if fill else ' fill="none"'
    if stroke:
        out += f' stroke="{stroke}"'
        if width != 1.0:
            out += f' stroke-width="{_n(width)}"'
        if dash:
            out += f' stroke-dasharray="{_n(dash[0])} {_n(dash[1])}"'
    if opacity != 1.0:
        out += f' opacity="{_n(opacity) if opacity >= 0.1 else round(opacity, 2)}"'
    return out


def _item(it: Item, out: list[str]) -> None:
    if isinstance(it, Rect):
        rx = f' rx="{_n(it.rx)}"' if it.rx else ""
        out.append(f'<rect x="{_n(it.x)}" y="{_n(it.y)}" width="{_n(it.w)}" height="{_n(it.h)}"{rx}'
                   f'{_paint(it.fill, it.stroke, it.stroke_width, it.dash, it.opacity)}{_data(it.data)}/>')
    elif isinstance(it, Text):
        weight = ' font-weight="bold"' if it.bold else ""
        anchor = f' text-anchor="{it.anchor}"' if it.anchor != "start" else ""
        if it.halo:
            anchor += f' stroke="{it.halo}" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
        out.append(f'<text x="{_n(it.x)}" y="{_n(it.y)}" font-size="{_n(it.size)}"{weight}{anchor} fill="{it.fill}"'
                   f'{_data(it.data)}>{escape(it.text)}</text>')
    elif isinstance(it, Path):
        d = " ".join(c + " ".join(_n(v) for v in vals) for c, vals in path_commands(it.points, it.curve))
        out.append(f'<path d="{d}"{_paint(None, it.stroke, it.width, it.dash, it.opacity)}{_data(it.data)}/>')
    elif isinstance(it, Polygon):
        pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in it.points)
        out.append(f'<polygon points="{pts}"{_paint(it.fill, it.stroke, it.stroke_width, None, it.opacity)}{_data(it.data)}/>')
    elif isinstance(it, Circle):
        out.append(f'<circle cx="{_n(it.cx)}" cy="{_n(it.cy)}" r="{_n(it.r)}"'
                   f'{_paint(it.fill, it.stroke, it.stroke_width)}{_data(it.data)}/>')
    elif isinstance(it, Image):
        href = "data:image/png;base64," + base64.b64encode(it.png).decode("ascii")
        out.append(f'<image x="{_n(it.x)}" y="{_n(it.y)}" width="{_n(it.w)}" height="{_n(it.h)}" '
                   f'preserveAspectRatio="none" style="image-rendering:pixelated" href="{href}"{_data(it.data)}/>')
    elif isinstance(it, Group):
        out.append(f"<g{_data(it.data)}>")
        if it.tooltip:
            out.append(f"<title>{escape(it.tooltip)}</title>")
        for sub in it.items:
            _item(sub, out)
        out.append("</g>")


def to_svg(scene: Scene) -> str:
    w, h = _n(scene.width), _n(scene.height)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'font-family={quoteattr(FONT_STACK)}>'
    ]
    if scene.title:
        out.append(f"<title>{escape(scene.title)}</title>")
    if scene.background:
        out.append(f'<rect width="100%" height="100%" fill="{scene.background}"/>')
    for it in scene.items:
        _item(it, out)
    out.append("</svg>")
    return "\n".join(out) + "\n"
