"""Scene -> SVG text. Deterministic: the same scene gives the same bytes."""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

from .scene import Circle, Group, Image, Path, Polygon, Rect, Scene, Text, path_commands
from .text import FONT_STACK, clean


class _Numbers(dict):
    """Numbers as SVG text, one decimal, no trailing ".0"; remembered, since coordinates repeat."""

    def __missing__(self, v: float) -> str:
        s = "%.1f" % (v + 0.0)  # + 0.0: -0.0 prints as 0
        s = self[v] = s[:-2] if s[-2:] == ".0" else s
        return s


_N = _Numbers()


_SPECIAL = re.compile("[&<>\"'\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_SPECIAL_TEXT = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def _attr(v: object) -> str:
    """An attribute value, quoted; model names can hold anything, so escape what needs it."""
    if type(v) is int:
        return f'"{v}"'
    s = str(v)
    return f'"{s}"' if _SPECIAL.search(s) is None else quoteattr(clean(s))


def _text(s: str) -> str:
    return s if _SPECIAL_TEXT.search(s) is None else escape(clean(s))


def _data(d: dict) -> str:
    return "".join([f" data-{k}={_attr(v)}" for k, v in d.items()]) if d else ""


@lru_cache(maxsize=4096)  # a diagram has few distinct paints
def _paint(fill: str | None, stroke: str | None, width: float = 1.0, dash=None, opacity: float = 1.0) -> str:
    out = f' fill="{fill}"' if fill else ' fill="none"'
    if stroke:
        out += f' stroke="{stroke}"'
        if width != 1.0:
            out += f' stroke-width="{_N[width]}"'
        if dash:
            out += f' stroke-dasharray="{_N[dash[0]]} {_N[dash[1]]}"'
    if opacity != 1.0:
        out += f' opacity="{_N[opacity] if opacity >= 0.1 else round(opacity, 2)}"'
    return out


def _rect(it: Rect, out: list[str]) -> None:
    rx = f' rx="{_N[it.rx]}"' if it.rx else ""
    out.append(f'<rect x="{_N[it.x]}" y="{_N[it.y]}" width="{_N[it.w]}" height="{_N[it.h]}"{rx}'
               f'{_paint(it.fill, it.stroke, it.stroke_width, it.dash, it.opacity)}{_data(it.data) if it.data else ""}/>')


def _text_item(it: Text, out: list[str]) -> None:
    weight = ' font-weight="bold"' if it.bold else ""
    anchor = f' text-anchor="{it.anchor}"' if it.anchor != "start" else ""
    if it.halo:
        anchor += f' stroke="{it.halo}" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
    out.append(f'<text x="{_N[it.x]}" y="{_N[it.y]}" font-size="{_N[it.size]}"{weight}{anchor} fill="{it.fill}"'
               f'{_data(it.data) if it.data else ""}>{_text(it.text)}</text>')


def _path(it: Path, out: list[str]) -> None:
    N = _N
    d = " ".join([c + " ".join([N[v] for v in vals]) for c, vals in path_commands(it.points, it.curve)])
    out.append(f'<path d="{d}"{_paint(None, it.stroke, it.width, it.dash, it.opacity)}{_data(it.data) if it.data else ""}/>')


def _polygon(it: Polygon, out: list[str]) -> None:
    N = _N
    pts = " ".join([f"{N[x]},{N[y]}" for x, y in it.points])
    out.append(f'<polygon points="{pts}"{_paint(it.fill, it.stroke, it.stroke_width, None, it.opacity)}{_data(it.data) if it.data else ""}/>')


def _circle(it: Circle, out: list[str]) -> None:
    out.append(f'<circle cx="{_N[it.cx]}" cy="{_N[it.cy]}" r="{_N[it.r]}"'
               f'{_paint(it.fill, it.stroke, it.stroke_width)}{_data(it.data) if it.data else ""}/>')


def _image(it: Image, out: list[str]) -> None:
    href = "data:image/png;base64," + base64.b64encode(it.png).decode("ascii")
    out.append(f'<image x="{_N[it.x]}" y="{_N[it.y]}" width="{_N[it.w]}" height="{_N[it.h]}" '
               f'preserveAspectRatio="none" style="image-rendering:pixelated" href="{href}"{_data(it.data) if it.data else ""}/>')


def _group(it: Group, out: list[str]) -> None:
    out.append(f"<g{_data(it.data)}>")
    if it.tooltip:
        out.append(f"<title>{_text(it.tooltip)}</title>")
    for sub in it.items:
        _WRITERS[type(sub)](sub, out)
    out.append("</g>")


_WRITERS = {Rect: _rect, Text: _text_item, Path: _path, Polygon: _polygon, Circle: _circle, Image: _image,
            Group: _group}


def _module_id(path: str) -> str:
    """A module's qualified name as an XML id (names may start with a digit: "0.conv")."""
    name = re.sub(r"[^\w.-]", "_", path)
    return name if re.match(r"[A-Za-z_]", name) else "m-" + name


def _nested(scene: Scene, out: list[str]) -> None:
    """Items nested in one <g> per module box (id and data-path its qualified name), in the
    scene's own order within each box, so a whole module can be selected, moved and restyled."""
    content: dict[int | None, list[tuple[str, int]]] = {}
    for i, (it, owner) in enumerate(zip(scene.items, scene.owners)):
        if isinstance(it, Group) and it.data.get("scope") == owner and owner in scene.boxes:
            content.setdefault(scene.boxes[owner][0], []).append(("box", owner))
        content.setdefault(owner, []).append(("item", i))
    used: set[str] = set()

    def emit(box: int | None) -> None:
        for kind, k in content.get(box, []):
            if kind == "item":
                _WRITERS[type(scene.items[k])](scene.items[k], out)
                continue
            path = scene.boxes[k][1]
            ident = _module_id(path)
            while ident in used:  # a module called twice has two boxes
                ident += "_"
            used.add(ident)
            out.append(f"<g id={_attr(ident)} data-path={_attr(path)}>")
            emit(k)
            out.append("</g>")

    emit(None)


def to_svg(scene: Scene, editable: bool = False) -> str:
    """SVG text; ``editable`` nests the items in a <g> per module box (when the scene has boxes)."""
    w, h = _N[scene.width], _N[scene.height]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'font-family={quoteattr(FONT_STACK)}>'
    ]
    if scene.title:
        out.append(f"<title>{_text(scene.title)}</title>")
    if scene.background:
        out.append(f'<rect width="100%" height="100%" fill="{scene.background}"/>')
    if editable and scene.owners:
        _nested(scene, out)
    else:
        for it in scene.items:
            _WRITERS[type(it)](it, out)
    out.append("</svg>")
    if len(_N) > 100_000:
        _N.clear()
    return "\n".join(out) + "\n"
