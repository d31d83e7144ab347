"""Phase 4: edge routes. Inside a box, a route runs only in the gaps between ranks: straight down
from a node to the bottom of its rank, an S-curve across the gap, straight down into the next
node, so no edge can pass through a node. An edge between boxes is joined from its pieces."""

from __future__ import annotations

from .positions import Placed
from .spec import IN, NODE, OUT, BoxPlan, Local, Plan, Point, Structure


def box_routes(st: Structure, placed: Placed, src_off: list[float], dst_off: list[float]) -> list[list[Point]]:
    """A route per local edge of one box, in the box's frame."""
    kind, rank, boxes = st.kind, st.rank, placed.boxes
    spread = input_offsets(st, [bx[2] if bx else 0.0 for bx in boxes])
    routes: list[list[Point]] = []
    for ci, (a, b, _, path) in enumerate(st.chains):
        ba, bb = boxes[a], boxes[b]
        if kind[a] == IN:
            start = (ba[0], 0.0)
        else:
            start = (ba[0] + ba[2] / 2 + src_off[_seg_of(st, path[0], path[1])], ba[1] + ba[3])
        # leave a node (or enter through the box's title band) straight before any bend
        pts = [start, (start[0], placed.band_bottom[rank[a]])]
        for d in path[1:-1]:
            dx = placed.x[d] + placed.shift_x
            pts.append((dx, placed.band_top[rank[d]]))
            pts.append((dx, placed.band_bottom[rank[d]]))
        if kind[b] == OUT:
            pts.append((bb[0], placed.h))
        else:
            ex = bb[0] + bb[2] / 2 + dst_off[_seg_of(st, path[-2], path[-1])] + spread.get(ci, 0.0)
            pts.append((ex, placed.band_top[rank[b]]))
            pts.append((ex, bb[1]))
        route = [pts[0]]
        for q in pts[1:]:  # a node as tall as its rank ends where its band does
            if abs(route[-1][0] - q[0]) > 1e-6 or abs(route[-1][1] - q[1]) > 1e-6:
                route.append(q)
        routes.append(route)
    return routes


INPUT_GAP = 12.0  # between the points where the inputs of one node arrive
INPUT_PAD = 6.0  # kept free at either end of the node's top


def input_offsets(st: Structure, widths: list[float]) -> dict[int, float]:
    """Chain index -> how far right of its target node's centre it arrives: the inputs of a
    node with several arrive at points of their own along its top, in argument order (the
    order of the edges), so they can be counted and told apart. The viewer's JS does the same."""
    incoming: dict[int, list[int]] = {}
    for ci, (_, b, _, _) in enumerate(st.chains):
        if st.kind[b] == NODE:
            incoming.setdefault(b, []).append(ci)
    out: dict[int, float] = {}
    for b, chains in incoming.items():
        if len(chains) > 1:
            gap = min(INPUT_GAP, max(widths[b] - 2 * INPUT_PAD, 0.0) / (len(chains) - 1))
            for i, ci in enumerate(chains):
                out[ci] = (i - (len(chains) - 1) / 2) * gap
    return out


def join_routes(p: Plan, locals_: dict[int, Local], origin: dict[int, Point]) -> list[list[Point]]:
    """Each edge's route in picture coordinates, joined from its pieces (one per box level)."""
    routes: list[list[Point]] = []
    for steps in p.pieces:
        sid, ci = steps[0]
        ox, oy = origin[sid]
        pts = [(ox + x, oy + y) for x, y in locals_[sid].routes[ci]]
        for sid, ci in steps[1:]:  # a piece starts where the last one ended: at a port
            ox, oy = origin[sid]
            piece = locals_[sid].routes[ci]
            x, y = piece[0]
            q = (ox + x, oy + y)
            if abs(pts[-1][0] - q[0]) > 1e-6 or abs(pts[-1][1] - q[1]) > 1e-6:
                pts.append(q)
            pts.extend([(ox + x, oy + y) for x, y in piece[1:]])
        routes.append(pts)
    return routes


def port_offsets(bp: BoxPlan, sizes: list[tuple[float, float]], boxes: dict[int, BoxPlan],
                 locals_: dict[int, Local]) -> tuple[list[float], list[float]]:
    """Per segment, how far from a child box's centre its tensor's port lies (0: not a port)."""
    st = bp.structure
    src_off = [0.0] * len(st.segs)
    dst_off = [0.0] * len(st.segs)
    for i in st.port_segs:
        x, y, _, sk, dk = st.segs[i]
        for v, k, offs, out in ((x, sk, src_off, True), (y, dk, dst_off, False)):
            if k < 0:
                continue
            child = bp.units[v][1]
            cp = boxes[child]
            port = cp.port(bp.keys[k], out)
            if port is not None:
                offs[i] = locals_[child].boxes[port][0] - sizes[v][0] / 2
    return src_off, dst_off


def _seg_of(st: Structure, x: int, y: int) -> int:
    for i in st.seg_succ[x]:
        if st.segs[i][1] == y:
            return i
    raise KeyError((x, y))


