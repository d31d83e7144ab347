"""Compositional layered layout.

Each module box is laid out on its own as a small layered graph: its direct nodes and its child
boxes (whose sizes are known, since children are laid out first) are the units; tensors that
enter or leave the box attach to *ports* on its top and bottom borders. An edge between nodes in
different boxes is routed in pieces: inside the source's boxes out through their bottom ports,
across the level where the two meet, and in through top ports down to its target. Work is near
linear in the number of nodes, and every piece is planned in the frame of one box.

Per box: ranks by longest path (sources pulled down next to their first consumer), dummy
points on edges that span ranks, barycentre sweeps against crossings, then x positions that
pull each unit toward its neighbours while keeping order and spacing (a weighted isotonic
regression, solved exactly by pool-adjacent-violators). Routes between two ranks run only in the
gap between them: straight down from a node to the bottom of its rank, an S-curve across the
gap, straight down into the next node. So no edge can pass through a node.

Coordinates are computed top-to-bottom; left-to-right diagrams are transposed by the caller.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Hashable

Point = tuple[float, float]


@dataclass
class LayoutSpec:
    """What to lay out: sizes of nodes, the box tree, edges (``key`` names the tensor)."""

    node_size: dict[int, tuple[float, float]]
    node_scope: dict[int, int]
    scope_parent: dict[int, int | None]
    edges: list[tuple[int, int, Hashable]]
    # Per box, room for its title: (extra padding at the rank start, at the order start,
    # minimum inner extent along the order axis, along the rank axis).
    header: dict[int, tuple[float, float, float, float]] = field(default_factory=dict)
    label_width: dict[Hashable, float] = field(default_factory=dict)  # room for a tensor's label
    node_gap: float = 24.0
    rank_gap: float = 36.0
    pad: float = 12.0
    dummy_width: float = 10.0


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float


@dataclass
class LayoutResult:
    width: float
    height: float
    nodes: dict[int, Box]
    groups: dict[int, Box]
    routes: list[list[Point]]  # one per input edge, same order
    crossings: int = 0
    label_anchor: list[Point | None] = field(default_factory=list)  # where each edge's tensor label goes


@dataclass
class Structure:
    """One box's local graph, ranked and ordered: ``layers`` lists per rank the units
    (("n", id) nodes, ("s", id) child boxes), ("d", k) dummy points and ("in"/"out", key) ports."""

    layers: list[list[Hashable]]
    rank: dict[Hashable, int]
    chains: dict[tuple[Hashable, Hashable, Hashable], list[Hashable]]
    seg_pred: dict[Hashable, list[Hashable]]
    seg_succ: dict[Hashable, list[Hashable]]
    weight: dict[tuple[Hashable, Hashable], float]
    src_port: dict[tuple[Hashable, Hashable], Hashable]
    dst_port: dict[tuple[Hashable, Hashable], Hashable]
    keys: dict[Hashable, list[Hashable]]
    crossings: int
    nranks: int


@dataclass
class _Local:
    """One box's layout in its own frame."""

    w: float
    h: float
    pos: dict[Hashable, Box]  # units (("n", id) / ("s", sid)) and ports (("in", key) / ("out", key))
    routes: dict[tuple[Hashable, Hashable, Hashable], list[Point]]  # (unit a, unit b, key) -> points
    crossings: int


def layout_oriented(spec: LayoutSpec, lr: bool) -> LayoutResult:
    """:func:`layout` with node sizes and results in picture coordinates; for left-to-right
    diagrams sizes go in transposed and boxes and routes come out transposed back."""
    if not lr:
        return layout(spec)
    spec.node_size = {nid: (h, w) for nid, (w, h) in spec.node_size.items()}
    res = layout(spec)
    return LayoutResult(
        res.height, res.width,
        {nid: Box(b.y, b.x, b.h, b.w) for nid, b in res.nodes.items()},
        {sid: Box(b.y, b.x, b.h, b.w) for sid, b in res.groups.items()},
        [[(y, x) for x, y in pts] for pts in res.routes],
        res.crossings,
        [(a[1], a[0]) if a else None for a in res.label_anchor],
    )


@dataclass
class Plan:
    """Everything about a layout that does not depend on sizes: per box its units in run
    order and its ranked structure; per edge the local edges (box, (a, b, key)) it is made of."""

    children: dict[int, list[int]]
    depth: dict[int, int]
    units: dict[int, list[Hashable]]
    structures: dict[int, Structure]
    pieces: list[list[tuple[int, tuple[Hashable, Hashable, Hashable]]]]
    root: int


def plan(spec: LayoutSpec) -> Plan:
    children: dict[int, list[int]] = defaultdict(list)
    for sid, parent in spec.scope_parent.items():
        if parent is not None:
            children[parent].append(sid)
    chain_cache: dict[int, list[int]] = {}

    def chain(sid: int) -> list[int]:
        c = chain_cache.get(sid)
        if c is None:
            parent = spec.scope_parent.get(sid)
            c = (chain(parent) if parent is not None else []) + [sid]
            chain_cache[sid] = c
        return c

    # Lift every edge into local edges, one per box level it passes through.
    local_edges: dict[int, list[tuple[Hashable, Hashable, Hashable]]] = defaultdict(list)
    pieces: list[list[tuple[int, tuple[Hashable, Hashable, Hashable]]]] = []
    for (u, v, key) in spec.edges:
        cu, cv = chain(spec.node_scope[u]), chain(spec.node_scope[v])
        k = 0
        while k < len(cu) and k < len(cv) and cu[k] == cv[k]:
            k += 1
        lca = cu[k - 1]
        steps: list[tuple[int, tuple[Hashable, Hashable, Hashable]]] = []
        inner: Hashable = ("n", u)
        for sid in reversed(cu[k:]):  # up and out of the source's boxes
            steps.append((sid, (inner, ("out", key), key)))
            inner = ("s", sid)
        top_a = inner
        down = []
        inner = ("n", v)
        for sid in reversed(cv[k:]):
            down.append((sid, (("in", key), inner, key)))
            inner = ("s", sid)
        steps.append((lca, (top_a, inner, key)))
        steps.extend(reversed(down))
        for sid, le in steps:
            local_edges[sid].append(le)
        pieces.append(steps)

    units: dict[int, list[Hashable]] = defaultdict(list)
    # Order units by when they first ran: a box's call is one interval of the run, so this is
    # a topological order of every box's local graph.
    first_seen: dict[Hashable, int] = {}
    filled: set[int] = set()
    for i, (nid, sid) in enumerate(spec.node_scope.items()):
        units[sid].append(("n", nid))
        first_seen[("n", nid)] = i
        for s in chain(sid)[1:]:
            first_seen.setdefault(("s", s), i)
        filled.update(chain(sid))
    structures: dict[int, Structure] = {}
    ordered_units: dict[int, list[Hashable]] = {}
    for sid in sorted(filled, key=lambda s: -len(chain(s))):  # deepest first
        members = units[sid] + [("s", c) for c in children[sid] if c in filled]
        members.sort(key=lambda u: first_seen.get(u, 0))
        ordered_units[sid] = members
        structures[sid] = _structure(members, local_edges[sid])
    root = next(s for s, p in spec.scope_parent.items() if p is None)
    return Plan(dict(children), {s: len(chain(s)) for s in filled}, ordered_units, structures, pieces, root)


def layout(spec: LayoutSpec) -> LayoutResult:
    p = plan(spec)
    locals_: dict[int, _Local] = {}
    for sid, st in p.structures.items():  # deepest first
        sizes = {u: spec.node_size[u[1]] if u[0] == "n" else (locals_[u[1]].w, locals_[u[1]].h) for u in p.units[sid]}
        ports = {("s", c): locals_[c].pos for c in p.children.get(sid, []) if c in locals_}
        locals_[sid] = _coordinates(st, sid, sizes, ports, spec, is_root=spec.scope_parent[sid] is None)
    pieces, root = p.pieces, p.root

    # Absolute positions, top-down.
    origin: dict[int, Point] = {}
    groups: dict[int, Box] = {}
    nodes: dict[int, Box] = {}
    origin[root] = (0.0, 0.0)
    for sid in sorted(locals_, key=lambda s: p.depth[s]):
        ox, oy = origin[sid]
        loc = locals_[sid]
        for unit, b in loc.pos.items():
            if unit[0] == "n":
                nodes[unit[1]] = Box(ox + b.x, oy + b.y, b.w, b.h)
            elif unit[0] == "s":
                groups[unit[1]] = Box(ox + b.x, oy + b.y, b.w, b.h)
                origin[unit[1]] = (ox + b.x, oy + b.y)
    routes: list[list[Point]] = []
    anchors: list[Point | None] = []
    for steps in pieces:
        pts: list[Point] = []
        for sid, le in steps:
            ox, oy = origin[sid]
            for (x, y) in locals_[sid].routes[le]:
                p = (ox + x, oy + y)
                if not pts or abs(pts[-1][0] - p[0]) > 1e-6 or abs(pts[-1][1] - p[1]) > 1e-6:
                    pts.append(p)
        routes.append(pts)
        anchors.append(pts[0] if pts else None)
    rl = locals_[root]
    return LayoutResult(rl.w, rl.h, nodes, groups, routes, sum(l.crossings for l in locals_.values()), anchors)


def _structure(units: list[Hashable], edges: list[tuple[Hashable, Hashable, Hashable]]) -> Structure:
    """Ranks, order within ranks and dummy points of one box's local graph: everything that
    does not depend on sizes, so it is computed once (the interactive view reuses it)."""
    # --- the local graph: units, ports, one edge per distinct (a, b, key)
    seen: set[tuple[Hashable, Hashable, Hashable]] = set()
    ledges = []
    for e in edges:
        if e not in seen:
            seen.add(e)
            ledges.append(e)
    in_ports = list(dict.fromkeys(a for a, _, _ in ledges if isinstance(a, tuple) and a[0] == "in"))
    out_ports = list(dict.fromkeys(b for _, b, _ in ledges if isinstance(b, tuple) and b[0] == "out"))
    verts = list(units)  # execution order
    succ: dict[Hashable, list[Hashable]] = defaultdict(list)
    pred: dict[Hashable, list[Hashable]] = defaultdict(list)
    for a, b, _ in ledges:
        if b not in succ[a]:
            succ[a].append(b)
            pred[b].append(a)

    # --- ranks: longest path in execution order (units arrive topologically sorted)
    rank: dict[Hashable, int] = {p: 0 for p in in_ports}
    first = 1 if in_ports else 0
    for v in verts:
        ps = [rank[p] for p in pred[v] if p in rank]
        rank[v] = max(ps) + 1 if ps else first
    for v in reversed(verts):  # pull sources down next to their first consumer
        if not pred[v] and succ[v]:
            cons = [rank[s] for s in succ[v] if s in rank and s not in out_ports]
            if cons:
                rank[v] = max(rank[v], min(cons) - 1)
    last = max((rank[v] for v in verts), default=first) + 1
    for p in out_ports:
        rank[p] = last
    nranks = last + 1 if out_ports else last

    # --- layers with dummy points on long edges
    layers: list[list[Hashable]] = [[] for _ in range(nranks)]
    for p in in_ports:
        layers[0].append(p)
    for v in verts:
        layers[rank[v]].append(v)
    for p in out_ports:
        layers[rank[p]].append(p)
    chains: dict[tuple[Hashable, Hashable, Hashable], list[Hashable]] = {}
    seg_succ: dict[Hashable, list[Hashable]] = defaultdict(list)
    seg_pred: dict[Hashable, list[Hashable]] = defaultdict(list)
    weight: dict[tuple[Hashable, Hashable], float] = {}
    # where a segment attaches to a child box: the port of its tensor (None: the unit's centre)
    src_port: dict[tuple[Hashable, Hashable], Hashable] = {}
    dst_port: dict[tuple[Hashable, Hashable], Hashable] = {}
    dcount = 0
    for a, b, key in ledges:
        path = [a]
        for r in range(rank[a] + 1, rank[b]):
            d = ("d", dcount)
            dcount += 1
            layers[r].append(d)
            rank[d] = r
            path.append(d)
        path.append(b)
        chains[(a, b, key)] = path
        for i in range(len(path) - 1):
            x, y = path[i], path[i + 1]
            if y not in seg_succ[x]:
                seg_succ[x].append(y)
                seg_pred[y].append(x)
            # Long edges stay straight (dummy-dummy), and the main path beats a skip connection
            # when a node chooses between them (real-real over real-dummy).
            both_dummy = x[0] == "d" and y[0] == "d"
            weight[(x, y)] = 8.0 if both_dummy else 1.0 if (x[0] == "d" or y[0] == "d") else 3.0
            src_port[(x, y)] = ("out", key) if i == 0 and x[0] == "s" else None
            dst_port[(x, y)] = ("in", key) if i == len(path) - 2 and y[0] == "s" else None

    # --- crossing reduction: barycentre sweeps, keep the best order seen
    pos = {v: i for layer in layers for i, v in enumerate(layer)}

    def sweep(down: bool) -> None:
        rng = range(1, nranks) if down else range(nranks - 2, -1, -1)
        for r in rng:
            layer = layers[r]
            if len(layer) < 2:
                continue
            nb = seg_pred if down else seg_succ
            bary = {}
            for v in layer:
                ns = nb[v]
                bary[v] = sum(pos[n] for n in ns) / len(ns) if ns else pos[v]
            layer.sort(key=lambda v: (bary[v], pos[v]))
            for i, v in enumerate(layer):
                pos[v] = i

    def count() -> int:
        return sum(_crossings(layers[r], layers[r + 1], seg_succ, pos) for r in range(nranks - 1))

    best = count()
    best_layers = [list(l) for l in layers]
    for it in range(6):
        if best == 0:
            break
        sweep(down=it % 2 == 0)
        c = count()
        if c < best:
            best, best_layers = c, [list(l) for l in layers]
    layers = best_layers
    for layer in layers:
        for i, v in enumerate(layer):
            pos[v] = i
    # the tensors leaving each unit (a collapsed box in the viewer shows its tensors' labels too)
    keys: dict[Hashable, list[Hashable]] = defaultdict(list)
    for a, _, key in ledges:
        if a[0] in ("n", "s") and key not in keys[a]:
            keys[a].append(key)
    return Structure(layers, rank, chains, dict(seg_pred), dict(seg_succ), weight, src_port, dst_port, dict(keys),
                     best, nranks)


def _coordinates(st: Structure, sid: int, sizes: dict[Hashable, tuple[float, float]],
                 child_ports: dict[Hashable, dict[Hashable, Box]], spec: LayoutSpec, is_root: bool) -> _Local:
    """Positions and routes of one box's units from their sizes (ported to the viewer's JS)."""
    layers, rank, chains, nranks = st.layers, st.rank, st.chains, st.nranks
    seg_pred, seg_succ, weight = st.seg_pred, st.seg_succ, st.weight
    width: dict[Hashable, float] = {}
    height: dict[Hashable, float] = {}
    for layer in layers:
        for v in layer:
            if v[0] in ("in", "out"):
                width[v], height[v] = 0.0, 0.0
            elif v[0] == "d":
                width[v], height[v] = spec.dummy_width, 0.0
            else:
                width[v], height[v] = sizes[v]

    def offset(v: Hashable, port: Hashable) -> float:
        ports = child_ports.get(v)
        if port is None or not ports or port not in ports:
            return 0.0
        return ports[port].x - width[v] / 2

    src_off = {seg: offset(seg[0], p) for seg, p in st.src_port.items()}
    dst_off = {seg: offset(seg[1], p) for seg, p in st.dst_port.items()}
    best = st.crossings

    # --- x coordinates
    label_room = spec.label_width
    room: dict[Hashable, float] = {}  # a node's tensor label sits right of its outgoing edge
    for a, keys in st.keys.items():
        if a[0] != "n":
            continue
        widths = [label_room[k] for k in keys if k in label_room]
        if widths:
            room[a] = max(widths)

    def sep(a: Hashable, b: Hashable) -> float:
        gap = spec.node_gap if (a[0] not in ("d", "in", "out") and b[0] not in ("d", "in", "out")) else spec.dummy_width
        s = (width[a] + width[b]) / 2 + gap
        r = room.get(a)
        return max(s, r + 10.0) if r else s

    # The order within each layer is fixed now, and so are the gaps between neighbours.
    seps = [[sep(layer[i], layer[i + 1]) for i in range(len(layer) - 1)] for layer in layers]
    x: dict[Hashable, float] = {}
    for layer, gaps in zip(layers, seps):
        cur = 0.0
        for i, v in enumerate(layer):
            if i:
                cur += gaps[i - 1]
            x[v] = cur
    for it in range(6):
        down = it % 2 == 0
        rng = range(1, nranks) if down else range(nranks - 2, -1, -1)
        for r in rng:
            layer = layers[r]
            if len(layer) == 1:  # a lone unit simply goes where its neighbours are
                v = layer[0]
                if down:
                    cand = [(x[p] + src_off[(p, v)] - dst_off[(p, v)], weight[(p, v)]) for p in seg_pred.get(v, ())]
                else:
                    cand = [(x[s] + dst_off[(v, s)] - src_off[(v, s)], weight[(v, s)]) for s in seg_succ.get(v, ())]
                if cand:
                    x[v] = _weighted_median(cand)
                continue
            targets, weights = [], []
            for v in layer:
                # A weighted median of the neighbours (an L1 optimum) lines edges up exactly,
                # where a mean would leave every edge a little slanted.
                if down:
                    cand = [(x[p] + src_off[(p, v)] - dst_off[(p, v)], weight[(p, v)]) for p in seg_pred.get(v, ())]
                else:
                    cand = [(x[s] + dst_off[(v, s)] - src_off[(v, s)], weight[(v, s)]) for s in seg_succ.get(v, ())]
                if cand:
                    targets.append(_weighted_median(cand))
                    # Where a real unit and a dummy point want the same place, the unit wins
                    # and the long edge steps aside.
                    weights.append(sum(w for _, w in cand) * (0.002 if v[0] == "d" else 4.0))
                else:
                    targets.append(x[v])
                    weights.append(0.05)
            for v, xv in zip(layer, _place(targets, weights, seps[r])):
                x[v] = xv

    # --- y coordinates: ranks stacked, units top-aligned in their band
    head_rank, head_order, min_order, min_rank = spec.header.get(sid, (0.0, 0.0, 0.0, 0.0))
    pad = 0.0 if is_root else spec.pad
    top_pad = pad + head_rank
    band_top: list[float] = []
    band_bottom: list[float] = []
    y = 0.0
    for r, layer in enumerate(layers):
        h = max((height[v] for v in layer), default=0.0)
        band_top.append(y)
        band_bottom.append(y + h)
        y += h + (spec.rank_gap if r < nranks - 1 else 0.0)
    content_h = max(y, min_rank)

    # --- frame: shift so content starts inside the padding; box size
    lefts = [x[v] - width[v] / 2 for layer in layers for v in layer]
    rights = [x[v] + width[v] / 2 for layer in layers for v in layer]
    # leave room on the right for the labels of the rightmost units
    for a, r in room.items():
        rights.append(x[a] + r + 6.0)
    min_x, max_x = min(lefts), max(rights)
    inner_w = max(max_x - min_x, min_order)
    extra = (inner_w - (max_x - min_x)) / 2
    shift_x = pad + head_order - min_x + extra
    w = inner_w + 2 * pad + head_order
    shift_y = top_pad
    h = content_h + top_pad + pad
    pos_out: dict[Hashable, Box] = {}
    for layer in layers:
        for v in layer:
            if v[0] == "d":
                continue
            bx = x[v] + shift_x - width[v] / 2
            by = band_top[rank[v]] + shift_y
            if v[0] == "in":
                by = 0.0
            elif v[0] == "out":
                by = h
            pos_out[v] = Box(bx, by, width[v], height[v])

    # --- routes between units, in this box's frame
    def attach_bottom(v: Hashable, off: float) -> Point:
        if v[0] == "in":
            return (pos_out[v].x, 0.0)
        b = pos_out[v]
        return (b.x + b.w / 2 + off, b.y + b.h)

    def attach_top(v: Hashable, off: float) -> Point:
        if v[0] == "out":
            return (pos_out[v].x, h)
        b = pos_out[v]
        return (b.x + b.w / 2 + off, b.y)

    routes: dict[tuple[Hashable, Hashable, Hashable], list[Point]] = {}
    for le, path in chains.items():
        a, b = path[0], path[-1]
        so = src_off[(path[0], path[1])]
        do = dst_off[(path[-2], path[-1])]
        start = attach_bottom(a, so)
        pts = [start]
        # leave a node (or enter through the box's title band) straight before any bend
        pts.append((start[0], band_bottom[rank[a]] + shift_y))
        for d in path[1:-1]:
            dx = x[d] + shift_x
            pts.append((dx, band_top[rank[d]] + shift_y))
            pts.append((dx, band_bottom[rank[d]] + shift_y))
        end = attach_top(b, do)
        if b[0] != "out":
            pts.append((end[0], band_top[rank[b]] + shift_y))
        pts.append(end)
        routes[le] = pts
    return _Local(w, h, pos_out, routes, best)


def _crossings(upper: list[Hashable], lower: list[Hashable], succ: dict, pos: dict) -> int:
    """Edge crossings between two adjacent layers (a simple O(E log E) inversion count)."""
    pairs = sorted((pos[u], pos[v]) for u in upper for v in succ.get(u, ()) if v in pos)
    seq = [p[1] for p in pairs]
    return _inversions(seq)


def _inversions(seq: list[int]) -> int:
    if len(seq) < 2:
        return 0
    # Fenwick tree over target positions
    m = max(seq) + 2
    tree = [0] * (m + 1)
    inv = 0
    for i, v in enumerate(seq):
        j = v + 1
        s = 0
        k = m
        # count already-seen values greater than v
        while k > 0:
            s += tree[k]
            k -= k & -k
        k = j
        le = 0
        while k > 0:
            le += tree[k]
            k -= k & -k
        inv += s - le
        k = j
        while k <= m:
            tree[k] += 1
            k += k & -k
    return inv


def _weighted_median(values: list[tuple[float, float]]) -> float:
    if len(values) == 1:
        return values[0][0]
    values = sorted(values)
    half = sum(w for _, w in values) / 2
    acc = 0.0
    for i, (v, w) in enumerate(values):
        acc += w
        if acc > half + 1e-9:
            return v
        if abs(acc - half) <= 1e-9:  # exactly between two: take the midpoint
            return (v + values[i + 1][0]) / 2
    return values[-1][0]


def _place(targets: list[float], weights: list[float], seps: list[float]) -> list[float]:
    """Positions closest to ``targets`` (weighted least squares) with x[i+1] - x[i] >= seps[i]."""
    n = len(targets)
    if n == 0:
        return []
    offset = [0.0] * n
    for i in range(1, n):
        offset[i] = offset[i - 1] + seps[i - 1]
    # pool adjacent violators on y = x - offset, which must be non-decreasing
    blocks: list[list[float]] = []  # [weighted sum, weight, count]
    for t, w, o in zip(targets, weights, offset):
        blocks.append([(t - o) * w, w, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, ww, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += ww
            blocks[-1][2] += c
    out = []
    i = 0
    for s, w, c in blocks:
        val = s / w
        for _ in range(c):
            out.append(val + offset[i])
            i += 1
    return out
