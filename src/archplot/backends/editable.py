"""The scene read as the things an editor works with: module boxes (containers, nested as the
scene's box tree says), nodes (a box with lines of text), connectors between nodes, and loose
text and shapes. draw.io and PowerPoint are written from this; nothing here decides a position.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InputError
from .scene import Group, Image, Path, Polygon, Rect, Scene, Text


@dataclass
class Shape:
    """A node or a module box: its outline and its lines of text (text, size, bold, colour)."""

    id: str
    rect: Rect
    lines: list[tuple[str, float, bool, str]]
    parent: str | None  # the id of the module box it sits in
    stacked: int = 0  # copies drawn behind it (a folded run), each ``offset`` further
    offset: float = 0.0
    path: str = ""
    title: Text | None = None  # a module box's title


@dataclass
class Connector:
    id: str
    source: str
    target: str
    path: Path
    parent: str | None


@dataclass
class Loose:
    """Text or a shape that belongs to no node (tensor labels, the legend, the title)."""

    item: Rect | Text
    parent: str | None


@dataclass
class Editable:
    width: float
    height: float
    background: str | None
    title: str | None
    boxes: list[Shape] = field(default_factory=list)  # outer boxes first
    nodes: list[Shape] = field(default_factory=list)
    connectors: list[Connector] = field(default_factory=list)
    loose: list[Loose] = field(default_factory=list)


def editable(scene: Scene, what: str) -> Editable:
    """The scene's boxes, nodes, connectors and loose items. ``what`` names the output for errors."""
    if len(scene.owners) != len(scene.items):  # the classic styles draw shapes an editor has no name for
        raise InputError(f"{what} is written for the default diagram style; save a classic style as "
                         ".svg, .pdf or .tex")
    owners = scene.owners
    out = Editable(scene.width, scene.height, scene.background, scene.title)
    box_ids = {sid: f"box{sid}" for sid in scene.boxes}
    boxes: dict[int, Shape] = {}
    for it, owner in zip(scene.items, owners):
        parent = box_ids.get(owner) if owner is not None else None
        if isinstance(it, Group) and "scope" in it.data:
            sid = it.data["scope"]
            rects = [p for p in it.items if isinstance(p, Rect)]
            up = scene.boxes[sid][0]
            shape = Shape(box_ids[sid], rects[-1], [], box_ids.get(up) if up is not None else None,
                          len(rects) - 1, _offset(rects), scene.boxes[sid][1])
            boxes[sid] = shape
            out.boxes.append(shape)
        elif isinstance(it, Group) and "node" in it.data:
            rects = [p for p in it.items if isinstance(p, Rect)]
            lines = [(t.text, t.size, t.bold, t.fill) for t in it.items if isinstance(t, Text)]
            out.nodes.append(Shape(f"n{it.data['node']}", rects[-1], lines, parent, len(rects) - 1, _offset(rects),
                                   str(it.data.get("path", ""))))
        elif isinstance(it, Group) and "source" in it.data:
            path = next(p for p in it.items if isinstance(p, Path))
            out.connectors.append(Connector(f"e{len(out.connectors)}", f"n{it.data['source']}",
                                            f"n{it.data['target']}", path, parent))
        elif isinstance(it, Text) and it.halo and owner in boxes and boxes[owner].title is None:
            boxes[owner].title = it  # a module box's title
        elif isinstance(it, (Rect, Text)):
            out.loose.append(Loose(it, parent))
        elif isinstance(it, (Image, Polygon, Group)):
            pass  # arrow heads belong to connectors; pictures are left out
    return out


def _offset(rects: list[Rect]) -> float:
    """How far apart the copies of a folded run are drawn (they come first, farthest first)."""
    return (rects[-2].x - rects[-1].x) if len(rects) > 1 else 0.0
