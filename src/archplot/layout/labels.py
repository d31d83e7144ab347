"""Phase 5: where each tensor label goes. A label sits beside the point where its tensor leaves
its producer: right of the edge (top to bottom; above it left to right), or left when the
edges from there bend right alone; the other side when the preferred one covers a node or an
earlier label and the other is free. Several outputs of one node (a split, a chunk) leave from
one point: one label per distinct text there, stacked. The viewer's JS applies the same rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Iterator

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
    crossed = _Occupancy(32.0)  # the drawn edges, as points along them
    for pts in routes:
        for x, y in _along(pts, lr):
            crossed.add((x, y, x, y))
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
        # the first side clear of nodes, labels and edges; else clear of nodes and labels
        tx, ty, dy, rect = next((side for side in sides if not occupied.hits(side[3]) and not crossed.holds(side[3])),
                                next((side for side in sides if not occupied.hits(side[3])), sides[0]))
        occupied.add(rect)
        slots.append(LabelSlot(source[(x0, y0)], tx, ty, dy, "end" if (not lr and tx < x0) else "start", texts))
    return slots


STEPS = 8  # points per curved piece when an edge is sampled (the viewer's JS samples the same way)


def _along(pts: list[Point], lr: bool) -> list[Point]:
    """Points along a route as drawn: straight pieces, and S-curves where a piece changes x
    (top to bottom; y left to right), with tangents along the flow at both ends."""
    out = list(pts[:1])
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        if abs(x0 - x1 if not lr else y0 - y1) > 0.5:
            out.extend(_bezier((x0, y0), (x1, y1), k / STEPS, lr) for k in range(1, STEPS + 1))
        else:
            n = max(1, int(abs(y1 - y0 if not lr else x1 - x0) // 16))
            out.extend((x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n) for k in range(1, n + 1))
    return out


def _bezier(p0: Point, p1: Point, t: float, lr: bool) -> Point:
    (x0, y0), (x1, y1) = p0, p1
    u = 1 - t
    if not lr:  # control points (x0, mid y) and (x1, mid y)
        my = (y0 + y1) / 2
        return (u ** 3 * x0 + 3 * u * u * t * x0 + 3 * u * t * t * x1 + t ** 3 * x1,
                u ** 3 * y0 + 3 * u * u * t * my + 3 * u * t * t * my + t ** 3 * y1)
    mx = (x0 + x1) / 2
    return (u ** 3 * x0 + 3 * u * u * t * mx + 3 * u * t * t * mx + t ** 3 * x1,
            u ** 3 * y0 + 3 * u * u * t * y0 + 3 * u * t * t * y1 + t ** 3 * y1)


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

    def _near(self, r: tuple[float, float, float, float]) -> Iterator[tuple[float, float, float, float]]:
        """The rectangles in the cells ``r`` touches."""
        c, cells = self.cell, self.cells
        for i in range(int(r[0] // c), int(r[2] // c) + 1):
            for j in range(int(r[1] // c), int(r[3] // c) + 1):
                yield from cells.get((i, j), ())

    def holds(self, r: tuple[float, float, float, float]) -> bool:
        """Whether a point (added as a zero-size rectangle) lies strictly inside ``r``."""
        return any(r[0] < o[0] < r[2] and r[1] < o[1] < r[3] for o in self._near(r))

    def hits(self, r: tuple[float, float, float, float]) -> bool:
        return any(r[0] < o[2] and o[0] < r[2] and r[1] < o[3] and o[1] < r[3] for o in self._near(r))
