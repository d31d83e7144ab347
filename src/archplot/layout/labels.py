"""Phase 5: where each tensor label goes. A label sits beside the point where its tensor leaves
its producer: right of the edge (top to bottom; above it left to right), or left when the
edges from there bend right alone; the other side when the preferred one covers a node or an
earlier label and the other is free. Several outputs of one node (a split, a chunk) leave from
one point: one label per distinct text there, stacked. The viewer's JS applies the same rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

from .spec import Box, Point


@dataclass
class LabelSlot:
    """Lines of text from (x, y), each next one ``dy`` further; ``anchor``: "start" or "end";
    ``node``: the node the tensors leave."""

    node: int
    x: float
    y: float
    dy: float
    anchor: str
    texts: list[str]


def place_labels(edges: list[tuple[int, int, Hashable]], routes: list[list[Point]], nodes: dict[int, Box],
                 labels: dict[Hashable, tuple[str, float]], size: float, lr: bool) -> list[LabelSlot]:
    """A slot per point where labelled tensors leave a node, in the order the points first occur."""
    at_point: dict[Point, list[str]] = {}
    source: dict[Point, int] = {}
    widths: dict[Point, float] = {}
    bends: dict[Point, set[int]] = {}
    for (u, _, key), pts in zip(edges, routes):
        if key not in labels or not pts:
            continue
        source.setdefault(pts[0], u)
        text, width = labels[key]
        texts = at_point.setdefault(pts[0], [])
        if text not in texts:
            texts.append(text)
            widths[pts[0]] = max(widths.get(pts[0], 0.0), width)
        if len(pts) > 2 and abs(pts[2][0] - pts[0][0]) > 0.5:
            bends.setdefault(pts[0], set()).add(1 if pts[2][0] > pts[0][0] else -1)
    occupied = _Occupancy()
    for b in nodes.values():
        occupied.add((b.x, b.y, b.x + b.w, b.y + b.h))
    step = size + 2
    slots = []
    for (x0, y0), texts in at_point.items():
        wide = widths[(x0, y0)]
        tall = len(texts) * step
        if lr:
            sides = [(x0 + 4, y0 - 4, -step, (x0 + 4, y0 - 2 - tall, x0 + 4 + wide, y0 - 2)),
                     (x0 + 4, y0 + size + 2, step, (x0 + 4, y0 + 2, x0 + 4 + wide, y0 + 2 + tall))]
        else:
            right = (x0 + 5, y0 + size + 3, step, (x0 + 5, y0 + 3, x0 + 5 + wide, y0 + 3 + tall))
            left = (x0 - 5, y0 + size + 3, step, (x0 - 5 - wide, y0 + 3, x0 - 5, y0 + 3 + tall))
            sides = [left, right] if bends.get((x0, y0)) == {1} else [right, left]
        tx, ty, dy, rect = next((side for side in sides if not occupied.hits(side[3])), sides[0])
        occupied.add(rect)
        slots.append(LabelSlot(source[(x0, y0)], tx, ty, dy, "end" if (not lr and tx < x0) else "start", texts))
    return slots


class _Occupancy:
    """Rectangles in a coarse grid, to ask quickly whether a new one would overlap any."""

    def __init__(self, cell: float = 128.0) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

    def add(self, r: tuple[float, float, float, float]) -> None:
        c, cells = self.cell, self.cells
        for i in range(int(r[0] // c), int(r[2] // c) + 1):
            for j in range(int(r[1] // c), int(r[3] // c) + 1):
                found = cells.get((i, j))
                if found is None:
                    cells[(i, j)] = [r]
                else:
                    found.append(r)

    def hits(self, r: tuple[float, float, float, float]) -> bool:
        c, cells = self.cell, self.cells
        x0, y0, x1, y1 = r
        for i in range(int(x0 // c), int(x1 // c) + 1):
            for j in range(int(y0 // c), int(y1 // c) + 1):
                for o in cells.get((i, j), ()):
                    if x0 < o[2] and o[0] < x1 and y0 < o[3] and o[1] < y1:
                        return True
        return False
