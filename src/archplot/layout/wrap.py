"""Wrapping a long picture into columns (top to bottom) to fit a page shape.

A long network laid out top to bottom is a tall strip. Cut it between top-level units (never
through a module box) into columns placed side by side; an edge from one column to a later one
leaves its column at the bottom, runs in the gap beside the next column, and comes in over the
top of the column it enters. Works in the top-to-bottom frame; a left-to-right picture is
wrapped there too and so comes out in rows.
"""

from __future__ import annotations

import math

from .spec import Box, LayoutSpec, Point

GAP = 48.0  # between columns: the edges from one column to the next run here
ROOM = 24.0  # above and below every column, for those edges to turn
LANE = 5.0  # between edges that run side by side there
SHORT = 1200.0  # a picture no taller than this fits a screen or a page as it is

# width, height, nodes, module boxes, routes, and the further pieces of module boxes split across columns
Laid = tuple[float, float, dict[int, Box], dict[int, Box], list[list[Point]], dict[int, list[Box]]]


def columns_for(height: float, width: float, max_aspect: float | None, target: float | None) -> int:
    """How many columns a picture ``width`` × ``height`` (top to bottom) should have: for a
    ``target`` shape (width / height), the count that comes closest; else the fewest that keep
    it no taller than ``max_aspect`` : 1."""
    def aspect(k: int) -> float:  # width over height
        return (k * width + (k - 1) * GAP) / (height / k + (2 * ROOM if k > 1 else 0.0))

    if height <= SHORT:
        return 1
    if target is not None:
        return min(range(1, 40), key=lambda k: abs(math.log(aspect(k) / target)))
    k = 1
    while max_aspect is not None and 1 / aspect(k) > max_aspect and k < 40:
        k += 1
    return k


def wrap(laid: Laid, spec: LayoutSpec, at: Point, max_aspect: float | None, target: float | None) -> Laid:
    """``laid`` (top to bottom, top left corner at ``at``) cut into columns between top-level
    units; unchanged when one column is enough or no cut exists."""
    width, height, nodes, groups, routes, _ = laid
    k = columns_for(height, width, max_aspect, target)
    if k <= 1:
        return laid
    root = next(sid for sid, parent in spec.scope_parent.items() if parent is None)
    # The units cut between: the root's children; where one module box holds most of the
    # picture (a model that is one big Sequential), that box's children instead, and the box
    # is drawn in pieces, one per column.
    split: list[int] = []
    inside = root
    while True:
        kids = [sid for sid, parent in spec.scope_parent.items() if parent == inside and sid in groups]
        big = [sid for sid in kids if groups[sid].h > 0.75 * height]
        if len(big) != 1:
            break
        inside = big[0]
        split.append(inside)

    def unit_of_scope(sid: int) -> int | None:
        """The unit a scope belongs to, or None for a box that is split."""
        chain = [sid]
        while spec.scope_parent[chain[-1]] is not None:
            chain.append(spec.scope_parent[chain[-1]])  # type: ignore[arg-type]
        for s in reversed(chain):  # outermost first
            if s != root and s not in split:
                return s
        return None

    def top_unit_of_scope(sid: int) -> int:
        u = unit_of_scope(sid)
        return u if u is not None else sid

    unit_of: dict[int, tuple[str, int]] = {}  # node -> its unit
    for nid in nodes:
        u = unit_of_scope(spec.node_scope[nid])
        unit_of[nid] = ("n", nid) if u is None else ("s", u)
    spans = {u: (nodes[u[1]] if u[0] == "n" else groups[u[1]]) for u in set(unit_of.values())}
    # cuts: heights between units that no unit spans
    order = sorted(spans.values(), key=lambda b: b.y)
    cuts: list[float] = []
    reach = -math.inf
    for b in order:
        if reach > -math.inf and b.y > reach + 1.0:
            cuts.append((reach + b.y) / 2)
        reach = max(reach, b.y + b.h)
    if not cuts:
        return laid
    chosen: list[float] = []
    for j in range(1, k):
        options = [c for c in cuts if not chosen or c > chosen[-1]]
        if options:
            chosen.append(min(options, key=lambda c: abs(c - at[1] - j * height / k)))
    bounds = [at[1]] + chosen + [at[1] + height]
    tall = max(bounds[c + 1] - bounds[c] for c in range(len(bounds) - 1))
    if tall > 0.75 * height:
        return laid  # no cut near enough to the middle: columns would not make it shorter

    def column(y: float) -> int:
        return sum(1 for c in chosen if y > c)

    def shift(c: int) -> Point:
        return c * (width + GAP), ROOM - (bounds[c] - at[1]) + (0.0 if c == 0 else 0.0)

    unit_col = {u: column(b.y + b.h / 2) for u, b in spans.items()}
    node_col = {nid: unit_col[u] for nid, u in unit_of.items()}

    def moved(b: Box, c: int) -> Box:
        dx, dy = shift(c)
        return Box(b.x + dx, b.y + dy, b.w, b.h)

    new_nodes = {nid: moved(b, node_col[nid]) for nid, b in nodes.items()}
    new_groups: dict[int, Box] = {}
    pieces: dict[int, list[Box]] = {}
    for sid, b in groups.items():
        if sid not in split:
            new_groups[sid] = moved(b, unit_col[("s", top_unit_of_scope(sid))])
            continue
        # a split box: one piece per column it reaches, the first keeps its title
        for c in range(len(bounds) - 1):
            top, low = max(b.y, bounds[c]), min(b.y + b.h, bounds[c + 1])
            if low <= top:
                continue
            piece = moved(Box(b.x, top, b.w, low - top), c)
            if sid in new_groups:
                pieces.setdefault(sid, []).append(piece)
            else:
                new_groups[sid] = piece
    bottom = at[1] + ROOM + tall + 12.0
    new_routes: list[list[Point]] = []
    lane = 0
    for (src, dst, _), pts in zip(spec.edges, routes):
        ca, cb = node_col.get(src, 0), node_col.get(dst, 0)
        if ca == cb or not pts:
            dx, dy = shift(ca)
            new_routes.append([(x + dx, y + dy) for x, y in pts])
            continue
        dxa, dya = shift(ca)
        dxb, dyb = shift(cb)
        head = [(x + dxa, y + dya) for x, y in pts if y <= bounds[ca + 1]] or [(pts[0][0] + dxa, pts[0][1] + dya)]
        tail = [(x + dxb, y + dyb) for x, y in pts if y >= bounds[cb]] or [(pts[-1][0] + dxb, pts[-1][1] + dyb)]
        # under the source's own column when the next column is the target, else under all
        low = (at[1] + ROOM + bounds[ca + 1] - bounds[ca] + 12.0 if cb == ca + 1 else bottom) + LANE * (lane % 3)
        high = at[1] + ROOM - 12.0 - LANE * (lane % 3)
        gap_x = at[0] + cb * (width + GAP) - GAP / 2 + LANE * (lane % 3) - LANE
        sx, tx = head[-1][0], tail[0][0]
        new_routes.append(head + [(sx, low), (gap_x, low), (gap_x, high), (tx, high)] + tail)
        lane += 1
    new_w = len(bounds) - 1
    return (new_w * width + (new_w - 1) * GAP, tall + 2 * ROOM + 3 * LANE, new_nodes, new_groups, new_routes,
            pieces)
