"""A drawn picture as plain shapes: what every backend (SVG, PNG, PDF) renders.

Styles build scenes; backends never decide where anything goes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

Point = tuple[float, float]


@dataclass(slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str | None = None
    stroke: str | None = None
    stroke_width: float = 1.0
    rx: float = 0.0
    dash: tuple[float, float] | None = None
    opacity: float = 1.0
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Circle:
    cx: float
    cy: float
    r: float
    fill: str | None = None
    stroke: str | None = None
    stroke_width: float = 1.0
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Polygon:
    points: list[Point]
    fill: str | None = None
    stroke: str | None = None
    stroke_width: float = 1.0
    opacity: float = 1.0
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Path:
    """A polyline through ``points``; with ``curve`` "v" (or "h"), steps that change x (or y)
    are drawn as S-curves with vertical (or horizontal) tangents."""

    points: list[Point]
    stroke: str = "#000"
    width: float = 1.0
    curve: str | None = None
    dash: tuple[float, float] | None = None
    opacity: float = 1.0
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float = 12.0
    fill: str = "#000"
    bold: bool = False
    anchor: str = "start"  # start | middle | end
    halo: str | None = None  # an outline in this colour keeps text readable over lines
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Image:
    """A raster picture (PNG bytes) placed in a box, pixels kept sharp."""

    x: float
    y: float
    w: float
    h: float
    png: bytes
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Group:
    """Items that belong together (one node, one edge); ``data`` becomes data-* attributes."""

    items: list["Item"]
    data: dict[str, Any] = field(default_factory=dict)
    tooltip: str | None = None


Item = Union[Rect, Circle, Polygon, Path, Text, Image, Group]


@dataclass
class Scene:
    width: float
    height: float
    items: list[Item]
    background: str | None = "#ffffff"
    title: str | None = None
    # The module boxes as a tree, for outputs that keep it (editable SVG, draw.io, PowerPoint):
    # per top-level item the box it belongs in (None: the picture itself), and per box
    # (parent box or None, qualified name, title). Styles without boxes leave them empty.
    owners: list[int | None] = field(default_factory=list)
    boxes: dict[int, tuple[int | None, str, str]] = field(default_factory=dict)


def path_commands(points: list[Point], curve: str | None) -> list[tuple[str, list[float]]]:
    """Move/line/cubic commands for a Path: the one place the S-curve shape is defined."""
    if not points:
        return []
    cmds: list[tuple[str, list[float]]] = [("M", [points[0][0], points[0][1]])]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if curve == "v" and abs(x0 - x1) > 0.5:
            my = (y0 + y1) / 2
            cmds.append(("C", [x0, my, x1, my, x1, y1]))
        elif curve == "h" and abs(y0 - y1) > 0.5:
            mx = (x0 + x1) / 2
            cmds.append(("C", [mx, y0, mx, y1, x1, y1]))
        else:
            cmds.append(("L", [x1, y1]))
    return cmds


def sample_path(points: list[Point], curve: str | None, steps: int = 8) -> list[Point]:
    """Points along a Path as drawn (for measuring it: crossings, hit tests)."""
    out: list[Point] = []
    x, y = points[0] if points else (0.0, 0.0)
    for cmd, v in path_commands(points, curve):
        if cmd == "M":
            x, y = v
            out.append((x, y))
        elif cmd == "L":
            x, y = v
            out.append((x, y))
        else:
            for k in range(1, steps + 1):
                t = k / steps
                u = 1 - t
                out.append((u ** 3 * x + 3 * u * u * t * v[0] + 3 * u * t * t * v[2] + t ** 3 * v[4],
                            u ** 3 * y + 3 * u * u * t * v[1] + 3 * u * t * t * v[3] + t ** 3 * v[5]))
            x, y = v[4], v[5]
    return out


def scaled(scene: Scene, s: float) -> Scene:
    """The scene ``s`` times as large: coordinates, sizes, line widths and font sizes (print sizes)."""
    if s == 1.0:
        return scene

    def pt(p: Point) -> Point:
        return (p[0] * s, p[1] * s)

    def item(it: Item) -> Item:
        if isinstance(it, Group):
            return Group([item(sub) for sub in it.items], it.data, it.tooltip)
        if isinstance(it, Rect):
            return Rect(it.x * s, it.y * s, it.w * s, it.h * s, it.fill, it.stroke, it.stroke_width * s, it.rx * s,
                        (it.dash[0] * s, it.dash[1] * s) if it.dash else None, it.opacity, it.data)
        if isinstance(it, Circle):
            return Circle(it.cx * s, it.cy * s, it.r * s, it.fill, it.stroke, it.stroke_width * s, it.data)
        if isinstance(it, Polygon):
            return Polygon([pt(p) for p in it.points], it.fill, it.stroke, it.stroke_width * s, it.opacity, it.data)
        if isinstance(it, Path):
            return Path([pt(p) for p in it.points], it.stroke, it.width * s, it.curve,
                        (it.dash[0] * s, it.dash[1] * s) if it.dash else None, it.opacity, it.data)
        if isinstance(it, Text):
            return Text(it.x * s, it.y * s, it.text, it.size * s, it.fill, it.bold, it.anchor, it.halo, it.data)
        return Image(it.x * s, it.y * s, it.w * s, it.h * s, it.png, it.data)

    return Scene(scene.width * s, scene.height * s, [item(it) for it in scene.items], scene.background, scene.title,
                 scene.owners, scene.boxes)


def smallest_text(scene: Scene) -> float | None:
    """The smallest font size in the scene (None when it has no text)."""
    sizes: list[float] = []

    def walk(items: list[Item]) -> None:
        for it in items:
            if isinstance(it, Group):
                walk(it.items)
            elif isinstance(it, Text) and it.text.strip():
                sizes.append(it.size)

    walk(scene.items)
    return min(sizes, default=None)
