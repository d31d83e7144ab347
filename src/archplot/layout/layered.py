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

Boxes are numbered canonically (units in run order, then ports, then dummy points, tensors by
first use), so boxes with the same local graph share one ranked structure, and boxes that also
have the same sizes share one set of coordinates: a model's repeated layers are laid out once.

Coordinates are computed top-to-bottom; left-to-right diagrams are transposed by the caller.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Hashable

Point = tuple[float, float]

# vertex kinds in a box's local graph
NODE, BOX, IN, OUT, DUMMY = range(5)
_REAL = (NODE, BOX)


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


@dataclass
class Structure:
    """One local graph, ranked and ordered, in canonical numbering. Vertices are the units
    (0 .. units-1, in run order), then input ports, output ports and dummy points; tensors are
    numbered by first use. Shared by every box with the same local graph."""

    kind: list[int]
    port_key: list[int]  # the tensor of a port vertex, -1 for others
    in_port: dict[int, int]  # tensor -> its input port vertex
    out_port: dict[int, int]
    layers: list[list[int]]
    rank: list[int]
    chains: list[tuple[int, int, int, list[int]]]  # per local edge: (a, b, tensor, path through dummies)
    segs: list[tuple[int, int, float, int, int]]  # (x, y, weight, tensor of x's port, of y's port; -1: centre)
    seg_pred: list[list[int]]  # per vertex, the segments that end there
    seg_succ: list[list[int]]
    port_segs: list[int]  # segments that attach to a child box's port
    unit_keys: dict[int, list[int]]  # the tensors leaving each unit
    crossings: int
    nranks: int
    first_dummy: int


@dataclass
class BoxPlan:
    """One box of a plan: its canonical structure and what the numbers stand for."""

    units: list[Hashable]  # ("n", node id) and ("s", child box id), in run order
    keys: list[Hashable]  # canonical tensor number -> the tensor's key
    key_index: dict[Hashable, int]
    structure: Structure

    def port(self, key: Hashable, out: bool) -> int | None:
        """The vertex where tensor ``key`` leaves (``out``) or enters this box, if it does."""
        k = self.key_index.get(key)
        return (self.structure.out_port if out else self.structure.in_port).get(k) if k is not None else None

    def tokens(self) -> list[Hashable]:
        """Per vertex: ("n", id) / ("s", id) units, ("in"/"out", key) ports, ("d", k) dummies."""
        st = self.structure
        out: list[Hashable] = list(self.units)
        for v in range(len(self.units), len(st.kind)):
            k = st.kind[v]
            out.append(("in" if k == IN else "out", self.keys[st.port_key[v]]) if k != DUMMY else ("d", v - st.first_dummy))
        return out


@dataclass
class Plan:
    """Everything about a layout that does not depend on sizes: per box (deepest first) its
    structure; per edge the pieces (box, local edge number) it is made of."""

    children: dict[int, list[int]]
    depth: dict[int, int]
    boxes: dict[int, BoxPlan]
    pieces: list[list[tuple[int, int]]]
    root: int


@dataclass
class _Local:
    """One box's layout in its own frame: a box (x, y, w, h) per vertex (None for dummy
    points) and a route per local edge."""

    w: float
    h: float
    boxes: list[tuple[float, float, float, float] | None]
    routes: list[list[Point]]


def layout_oriented(spec: LayoutSpec, lr: bool, at: Point = (0.0, 0.0)) -> LayoutResult:
    """:func:`layout` with node sizes and results in picture coordinates; for left-to-right
    diagrams sizes go in transposed and boxes and routes come out transposed back."""
    if not lr:
        return layout(spec, at)
    spec.node_size = {nid: (h, w) for nid, (w, h) in spec.node_size.items()}
    res = layout(spec, (at[1], at[0]))
    return LayoutResult(
        res.height, res.width,
        {nid: Box(b.y, b.x, b.h, b.w) for nid, b in res.nodes.items()},
        {sid: Box(b.y, b.x, b.h, b.w) for sid, b in res.groups.items()},
        [[(y, x) for x, y in pts] for pts in res.routes],
        res.crossings,
    )


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
    raw_pieces: list[list[tuple[int, int]]] = []  # (box, position in the box's local edge list)
    for (u, v, key) in spec.edges:
        cu, cv = chain(spec.node_scope[u]), chain(spec.node_scope[v])
        k = 0
        while k < len(cu) and k < len(cv) and cu[k] == cv[k]:
            k += 1
        lca = cu[k - 1]
        steps: list[tuple[int, int]] = []
        inner: Hashable = ("n", u)
        for sid in reversed(cu[k:]):  # up and out of the source's boxes
            le = local_edges[sid]
            steps.append((sid, len(le)))
            le.append((inner, ("out", key), key))
            inner = ("s", sid)
        top_a = inner
        down = []
        inner = ("n", v)
        for sid in reversed(cv[k:]):
            down.append((sid, (("in", key), inner, key)))
            inner = ("s", sid)
        le = local_edges[lca]
        steps.append((lca, len(le)))
        le.append((top_a, inner, key))
        for sid, e in reversed(down):
            le = local_edges[sid]
            steps.append((sid, len(le)))
            le.append(e)
        raw_pieces.append(steps)

    units: dict[int, list[Hashable]] = defaultdict(list)
    # Order units by when they first ran: a box's call is one interval of the run, so this is
    # a topological order of every box's local graph.
    first_seen: dict[Hashable, int] = {}
    filled: set[int] = set()
    for i, (nid, sid) in enumerate(spec.node_scope.items()):
        units[sid].append(("n", nid))
        first_seen[("n", nid)] = i
        if sid not in filled:
            for s in chain(sid)[1:]:
                first_seen.setdefault(("s", s), i)
            filled.update(chain(sid))
    boxes: dict[int, BoxPlan] = {}
    to_chain: dict[int, list[int]] = {}
    shared: dict[tuple, Structure] = {}
    for sid in sorted(filled, key=lambda s: -len(chain(s))):  # deepest first
        members = units[sid] + [("s", c) for c in children[sid] if c in filled]
        members.sort(key=lambda u: first_seen.get(u, 0))
        boxes[sid], to_chain[sid] = _canonical(members, local_edges[sid], shared, boxes)
    pieces = [[(sid, to_chain[sid][i]) for sid, i in steps] for steps in raw_pieces]
    root = next(s for s, p in spec.scope_parent.items() if p is None)
    return Plan(dict(children), {s: len(chain(s)) for s in filled}, boxes, pieces, root)


def _canonical(units: list[Hashable], edges: list[tuple[Hashable, Hashable, Hashable]],
               shared: dict[tuple, Structure], boxes: dict[int, BoxPlan]) -> tuple[BoxPlan, list[int]]:
    """A box's local graph in canonical numbers, its structure (shared with identical boxes),
    and for each of its raw local edges the number of the distinct local edge it is."""
    index: dict[Hashable, int] = {u: i for i, u in enumerate(units)}
    kinds = [NODE if u[0] == "n" else BOX for u in units]
    key_index: dict[Hashable, int] = {}
    keys: list[Hashable] = []
    in_keys: dict[int, int] = {}  # tensor -> order among input ports
    out_keys: dict[int, int] = {}
    raw = []
    for a, b, key in edges:
        k = key_index.get(key)
        if k is None:
            k = key_index[key] = len(keys)
            keys.append(key)
        if a[0] == "in":
            ai = -1 - in_keys.setdefault(k, len(in_keys))
        else:
            ai = index[a]
        if b[0] == "out":
            bi = -1 - out_keys.setdefault(k, len(out_keys))
        else:
            bi = index[b]
        raw.append((ai, bi, k))
    nu, n_in = len(units), len(in_keys)
    distinct: dict[tuple[int, int, int], int] = {}
    to_chain = []
    for ai, bi, k in raw:
        e = (ai if ai >= 0 else nu - 1 - ai, bi if bi >= 0 else nu + n_in - 1 - bi, k)
        c = distinct.get(e)
        if c is None:
            c = distinct[e] = len(distinct)
        to_chain.append(c)
    ledges = list(distinct)
    # Where along a child box's border each edge attaches (-0.4 .. 0.4 of a position), from the
    # order of the child's ports: edges into one box are ordered like its ports, not bundled.
    fracs = []
    for a, b, k in ledges:
        fa = _port_place(boxes, units[a], keys[k], True) if a < nu and kinds[a] == BOX else 0.0
        fb = _port_place(boxes, units[b], keys[k], False) if b < nu and kinds[b] == BOX else 0.0
        fracs.append((fa, fb))
    signature = (tuple(kinds), len(in_keys), len(out_keys), tuple(ledges), tuple(fracs))
    st = shared.get(signature)
    if st is None:
        st = shared[signature] = _structure(kinds, list(in_keys), list(out_keys), ledges, fracs)
    return BoxPlan(units, keys, key_index, st), to_chain


def _port_place(boxes: dict[int, BoxPlan], unit: Hashable, key: Hashable, out: bool) -> float:
    child = boxes[unit[1]]
    st = child.structure
    port = child.port(key, out)
    if port is None:
        return 0.0
    layer = st.layers[st.rank[port]]
    return 0.8 * (layer.index(port) + 1) / (len(layer) + 1) - 0.4


def layout(spec: LayoutSpec, at: Point = (0.0, 0.0)) -> LayoutResult:
    """Boxes of nodes and module boxes and edge routes, the top left corner at ``at``."""
    p = plan(spec)
    locals_: dict[int, _Local] = {}
    done: dict[tuple, _Local] = {}  # boxes with the same structure and sizes share coordinates
    label_room = spec.label_width
    for sid, bp in p.boxes.items():  # deepest first
        st = bp.structure
        sizes = []
        for u in bp.units:
            if u[0] == "n":
                sizes.append(spec.node_size[u[1]])
            else:
                c = locals_[u[1]]
                sizes.append((c.w, c.h))
        src_off, dst_off = _port_offsets(bp, sizes, p.boxes, locals_)
        room: dict[int, float] = {}  # a node's tensor label sits right of its outgoing edge
        if label_room:
            for a, ks in st.unit_keys.items():
                if st.kind[a] == NODE:
                    widths = [label_room[kk] for kk in (bp.keys[k] for k in ks) if kk in label_room]
                    if widths:
                        room[a] = max(widths)
        header = spec.header.get(sid, (0.0, 0.0, 0.0, 0.0))
        is_root = spec.scope_parent[sid] is None
        signature = (id(st), tuple(sizes), tuple(src_off[i] for i in st.port_segs),
                     tuple(dst_off[i] for i in st.port_segs), tuple(room.items()), header, is_root)
        loc = done.get(signature)
        if loc is None:
            loc = done[signature] = _coordinates(st, sizes, src_off, dst_off, room, header, spec, is_root)
        locals_[sid] = loc

    # Absolute positions, top-down.
    origin: dict[int, Point] = {p.root: at}
    groups: dict[int, Box] = {}
    nodes: dict[int, Box] = {}
    for sid in sorted(locals_, key=lambda s: p.depth[s]):
        ox, oy = origin[sid]
        boxes = locals_[sid].boxes
        for u, (bx, by, bw, bh) in zip(p.boxes[sid].units, boxes):
            b = Box(ox + bx, oy + by, bw, bh)
            if u[0] == "n":
                nodes[u[1]] = b
            else:
                groups[u[1]] = b
                origin[u[1]] = (b.x, b.y)
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
    rl = locals_[p.root]
    return LayoutResult(rl.w, rl.h, nodes, groups, routes, sum(bp.structure.crossings for bp in p.boxes.values()))


def _port_offsets(bp: BoxPlan, sizes: list[tuple[float, float]], boxes: dict[int, BoxPlan],
                  locals_: dict[int, _Local]) -> tuple[list[float], list[float]]:
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


def _structure(unit_kinds: list[int], in_keys: list[int], out_keys: list[int],
               ledges: list[tuple[int, int, int]], fracs: list[tuple[float, float]]) -> Structure:
    """Ranks, order within ranks and dummy points of one local graph: everything that does not
    depend on sizes, so it is computed once (the interactive view reuses it)."""
    nu = len(unit_kinds)
    kind = unit_kinds + [IN] * len(in_keys) + [OUT] * len(out_keys)
    port_key = [-1] * nu + in_keys + out_keys
    in_port = {k: nu + i for i, k in enumerate(in_keys)}
    out_port = {k: nu + len(in_keys) + i for i, k in enumerate(out_keys)}
    nv = len(kind)
    succ: list[list[int]] = [[] for _ in range(nv)]
    pred: list[list[int]] = [[] for _ in range(nv)]
    linked: set[int] = set()
    for a, b, _ in ledges:
        if a * nv + b not in linked:
            linked.add(a * nv + b)
            succ[a].append(b)
            pred[b].append(a)

    # --- ranks: longest path in run order (units arrive topologically sorted)
    rank = [-1] * nv
    for v in in_port.values():
        rank[v] = 0
    first = 1 if in_keys else 0
    for v in range(nu):
        ps = [rank[q] for q in pred[v] if rank[q] >= 0]
        rank[v] = max(ps) + 1 if ps else first
    for v in range(nu - 1, -1, -1):  # pull sources down next to their first consumer
        if not pred[v] and succ[v]:
            cons = [rank[s] for s in succ[v] if s < nu]
            if cons:
                rank[v] = max(rank[v], min(cons) - 1)
    last = max(rank[:nu], default=first) + 1
    for v in out_port.values():
        rank[v] = last
    nranks = last + 1 if out_keys else last

    # --- layers with dummy points on long edges
    layers: list[list[int]] = [[] for _ in range(nranks)]
    layers[0].extend(in_port.values())
    for v in range(nu):
        layers[rank[v]].append(v)
    for v in out_port.values():
        layers[last].append(v)
    chains: list[tuple[int, int, int, list[int]]] = []
    segs: list[tuple[int, int, float, int, int]] = []
    seg_at: dict[tuple[int, int], int] = {}
    seg_frac: list[tuple[float, float]] = []  # per segment, where it attaches at each end
    for (a, b, key), (fa, fb) in zip(ledges, fracs):
        path = [a]
        for r in range(rank[a] + 1, rank[b]):
            d = len(kind)
            kind.append(DUMMY)
            port_key.append(-1)
            rank.append(r)
            layers[r].append(d)
            path.append(d)
        path.append(b)
        chains.append((a, b, key, path))
        for i in range(len(path) - 1):
            x, y = path[i], path[i + 1]
            kx, ky = kind[x], kind[y]
            # Long edges stay straight (dummy-dummy), and the main path beats a skip connection
            # when a node chooses between them (real-real over real-dummy).
            w = 8.0 if kx == DUMMY and ky == DUMMY else 1.0 if (kx == DUMMY or ky == DUMMY) else 3.0
            # where a segment attaches to a child box: the port of its tensor (-1: the unit's centre)
            seg = (x, y, w, key if i == 0 and kx == BOX else -1, key if i == len(path) - 2 and ky == BOX else -1)
            frac = (fa if i == 0 else 0.0, fb if i == len(path) - 2 else 0.0)
            at = seg_at.get((x, y))
            if at is None:
                seg_at[(x, y)] = len(segs)
                segs.append(seg)
                seg_frac.append(frac)
            else:
                segs[at] = seg
                seg_frac[at] = frac
    nv = len(kind)
    seg_pred: list[list[int]] = [[] for _ in range(nv)]
    seg_succ: list[list[int]] = [[] for _ in range(nv)]
    # neighbours with where the edge attaches: (vertex, fraction there, fraction here)
    up: list[list[tuple[int, float, float]]] = [[] for _ in range(nv)]
    down: list[list[tuple[int, float, float]]] = [[] for _ in range(nv)]
    for i, ((x, y, _, _, _), (fx, fy)) in enumerate(zip(segs, seg_frac)):
        seg_succ[x].append(i)
        seg_pred[y].append(i)
        down[x].append((y, fy, fx))
        up[y].append((x, fx, fy))

    # --- crossing reduction: barycentre sweeps, keep the best order seen
    pos = [0] * nv
    for layer in layers:
        for i, v in enumerate(layer):
            pos[v] = i

    def sweep(downward: bool) -> None:
        rng = range(1, nranks) if downward else range(nranks - 2, -1, -1)
        nb = up if downward else down
        for r in rng:
            layer = layers[r]
            if len(layer) < 2:
                continue
            order = []
            for v in layer:
                ns = nb[v]
                order.append((sum(pos[n] + f for n, f, _ in ns) / len(ns) if ns else pos[v], pos[v], v))
            order.sort()
            for i, (_, _, v) in enumerate(order):
                layer[i] = v
                pos[v] = i

    def count() -> int:
        return sum(_crossings(layers[r], down, pos) for r in range(nranks - 1))

    best = count()
    best_layers = [list(l) for l in layers]
    for it in range(6):
        if best == 0:
            break
        sweep(downward=it % 2 == 0)
        c = count()
        if c < best:
            best, best_layers = c, [list(l) for l in layers]
    if best:
        layers = best_layers
        for layer in layers:
            for i, v in enumerate(layer):
                pos[v] = i
        best -= _transpose(layers, up, down, pos)
    # the tensors leaving each unit (a collapsed box in the viewer shows its tensors' labels too)
    unit_keys: dict[int, list[int]] = {}
    for a, _, key in ledges:
        if a < nu:
            ks = unit_keys.setdefault(a, [])
            if key not in ks:
                ks.append(key)
    port_segs = [i for i, s in enumerate(segs) if s[3] >= 0 or s[4] >= 0]
    return Structure(kind, port_key, in_port, out_port, best_layers, rank, chains, segs, seg_pred, seg_succ,
                     port_segs, unit_keys, best, nranks, nu + len(in_keys) + len(out_keys))


def _coordinates(st: Structure, sizes: list[tuple[float, float]], src_off: list[float], dst_off: list[float],
                 room: dict[int, float], header: tuple[float, float, float, float], spec: LayoutSpec,
                 is_root: bool) -> _Local:
    """Positions and routes of one box's vertices from their sizes (ported to the viewer's JS)."""
    layers, rank, kind, nranks, segs = st.layers, st.rank, st.kind, st.nranks, st.segs
    nv = len(kind)
    width = [0.0] * nv
    height = [0.0] * nv
    for v, (w, h) in enumerate(sizes):
        width[v], height[v] = w, h
    for v in range(st.first_dummy, nv):
        width[v] = spec.dummy_width

    # --- x coordinates
    node_gap, dummy_gap = spec.node_gap, spec.dummy_width

    def sep(a: int, b: int) -> float:
        gap = node_gap if (kind[a] in _REAL and kind[b] in _REAL) else dummy_gap
        s = (width[a] + width[b]) / 2 + gap
        r = room.get(a)
        return max(s, r + 10.0) if r else s

    # The order within each layer is fixed now, and so are the gaps between neighbours.
    seps = [[sep(layer[i], layer[i + 1]) for i in range(len(layer) - 1)] for layer in layers]
    x = [0.0] * nv
    for layer, gaps in zip(layers, seps):
        cur = 0.0
        for i, v in enumerate(layer):
            if i:
                cur += gaps[i - 1]
            x[v] = cur
    # Per vertex and direction: its neighbours as (vertex, offset added, offset taken, weight),
    # and how strongly it holds on to them. Where a real unit and a dummy point want the same
    # place, the unit wins and the long edge steps aside.
    towards: list[list[list[tuple[int, float, float, float]]]] = [[], []]
    pull: list[list[float]] = [[], []]
    for v in range(nv):
        factor = 0.002 if kind[v] == DUMMY else 4.0
        for d, ids in ((0, st.seg_pred[v]), (1, st.seg_succ[v])):
            if d == 0:
                cand = [(segs[i][0], src_off[i], dst_off[i], segs[i][2]) for i in ids]
            else:
                cand = [(segs[i][1], dst_off[i], src_off[i], segs[i][2]) for i in ids]
            towards[d].append(cand)
            pull[d].append(sum(c[3] for c in cand) * factor if cand else 0.05)
    still = 0  # sweeps in a row that moved nothing: two (one each way) mean a fixed point
    for it in range(6):
        if still == 2:
            break
        still += 1
        down = it % 2 == 0
        rng = range(1, nranks) if down else range(nranks - 2, -1, -1)
        near, strength = towards[0 if down else 1], pull[0 if down else 1]
        for r in rng:
            layer = layers[r]
            # A weighted median of the neighbours (an L1 optimum) lines edges up exactly,
            # where a mean would leave every edge a little slanted.
            if len(layer) == 1:  # a lone unit simply goes where its neighbours are
                v = layer[0]
                cand = near[v]
                if len(cand) == 1:
                    n, plus, minus, _ = cand[0]
                    xv = x[n] + plus - minus
                elif cand:
                    xv = _weighted_median([(x[n] + plus - minus, w) for n, plus, minus, w in cand])
                else:
                    continue
                if xv != x[v]:
                    x[v] = xv
                    still = 0
                continue
            targets = []
            for v in layer:
                cand = near[v]
                if len(cand) == 1:
                    n, plus, minus, _ = cand[0]
                    targets.append(x[n] + plus - minus)
                elif cand:
                    targets.append(_weighted_median([(x[n] + plus - minus, w) for n, plus, minus, w in cand]))
                else:
                    targets.append(x[v])
            if len(layer) == 2:  # the common case (a node beside a long edge), solved inline
                ta, tb = targets
                gap = seps[r][0]
                if tb - ta < gap:
                    wa, wb = strength[layer[0]], strength[layer[1]]
                    ta = ((tb - gap) * wb + ta * wa) / (wb + wa)
                    tb = ta + gap
                targets = (ta, tb)
            else:
                targets = _place(targets, [strength[v] for v in layer], seps[r])
            for v, xv in zip(layer, targets):
                if xv != x[v]:
                    x[v] = xv
                    still = 0

    # --- y coordinates: ranks stacked, units top-aligned in their band
    head_rank, head_order, min_order, min_rank = header
    pad = 0.0 if is_root else spec.pad
    top_pad = pad + head_rank
    band_top: list[float] = []
    band_bottom: list[float] = []
    y = 0.0
    for r, layer in enumerate(layers):
        h = max((height[v] for v in layer), default=0.0)
        band_top.append(y + top_pad)
        band_bottom.append(y + h + top_pad)
        y += h + (spec.rank_gap if r < nranks - 1 else 0.0)
    content_h = max(y, min_rank)

    # --- frame: shift so content starts inside the padding; box size
    min_x = min(x[v] - width[v] / 2 for v in range(nv))
    max_x = max(x[v] + width[v] / 2 for v in range(nv))
    # leave room on the right for the labels of the rightmost units
    for a, r in room.items():
        max_x = max(max_x, x[a] + r + 6.0)
    inner_w = max(max_x - min_x, min_order)
    extra = (inner_w - (max_x - min_x)) / 2
    shift_x = pad + head_order - min_x + extra
    w = inner_w + 2 * pad + head_order
    h = content_h + top_pad + pad
    boxes: list[tuple[float, float, float, float] | None] = [None] * nv
    for v in range(st.first_dummy):
        k = kind[v]
        by = 0.0 if k == IN else h if k == OUT else band_top[rank[v]]
        boxes[v] = (x[v] + shift_x - width[v] / 2, by, width[v], height[v])

    # --- routes between units, in this box's frame
    routes: list[list[Point]] = []
    for a, b, _, path in st.chains:
        ba, bb = boxes[a], boxes[b]
        if kind[a] == IN:
            start = (ba[0], 0.0)
        else:
            start = (ba[0] + ba[2] / 2 + src_off[_seg_of(st, path[0], path[1])], ba[1] + ba[3])
        # leave a node (or enter through the box's title band) straight before any bend
        pts = [start, (start[0], band_bottom[rank[a]])]
        for d in path[1:-1]:
            dx = x[d] + shift_x
            pts.append((dx, band_top[rank[d]]))
            pts.append((dx, band_bottom[rank[d]]))
        if kind[b] == OUT:
            pts.append((bb[0], h))
        else:
            ex = bb[0] + bb[2] / 2 + dst_off[_seg_of(st, path[-2], path[-1])]
            pts.append((ex, band_top[rank[b]]))
            pts.append((ex, bb[1]))
        route = [pts[0]]
        for q in pts[1:]:  # a node as tall as its rank ends where its band does
            if abs(route[-1][0] - q[0]) > 1e-6 or abs(route[-1][1] - q[1]) > 1e-6:
                route.append(q)
        routes.append(route)
    return _Local(w, h, boxes, routes)


def _seg_of(st: Structure, x: int, y: int) -> int:
    for i in st.seg_succ[x]:
        if st.segs[i][1] == y:
            return i
    raise KeyError((x, y))


def _transpose(layers: list[list[int]], up: list[list[tuple[int, float, float]]],
               down: list[list[tuple[int, float, float]]], pos: list[int]) -> int:
    """Swap neighbours within a layer while that removes crossings (dot's "transpose" step, which
    catches what barycentres miss); returns how many crossings went away."""

    def pair(u: int, v: int) -> int:  # crossings among the edges of u and v, u left of v
        c = 0
        for nb in (up, down):
            pv = [pos[b] + f for b, f, _ in nb[v]]
            if pv:
                for a, f, _ in nb[u]:
                    pa = pos[a] + f
                    c += sum(1 for q in pv if q < pa)
        return c

    gained = 0
    for _ in range(8):
        before = gained
        for layer in layers:
            for i in range(len(layer) - 1):
                u, v = layer[i], layer[i + 1]
                d = pair(u, v) - pair(v, u)
                if d > 0:
                    layer[i], layer[i + 1] = v, u
                    pos[u], pos[v] = i + 1, i
                    gained += d
        if gained == before:
            break
    return gained


def _crossings(upper: list[int], down: list[list[tuple[int, float, float]]], pos: list[int]) -> int:
    """Edge crossings between a layer and the next (an inversion count)."""
    pairs = sorted([(pos[u] + fu, pos[v] + fv) for u in upper for v, fv, fu in down[u]])
    return _inversions([p[1] for p in pairs])


def _inversions(seq: list[int]) -> int:
    n = len(seq)
    if n < 2:
        return 0
    if n < 24:  # quadratic is quicker for the short layers most boxes have
        return sum(1 for i in range(n) for j in range(i + 1, n) if seq[i] > seq[j])
    # Fenwick tree over the ranks of the target positions
    rank = {v: i for i, v in enumerate(sorted(set(seq)))}
    seq = [rank[v] for v in seq]
    m = max(seq) + 2
    tree = [0] * (m + 1)
    inv = 0
    for i, v in enumerate(seq):
        k = v + 1
        le = 0  # already-seen values <= v
        while k > 0:
            le += tree[k]
            k -= k & -k
        inv += i - le
        k = v + 1
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
    for i in range(n - 1):
        if targets[i + 1] - targets[i] < seps[i]:
            break
    else:  # already far enough apart: every unit gets its wish
        return targets
    offset = [0.0] * n
    for i in range(1, n):
        offset[i] = offset[i - 1] + seps[i - 1]
    # pool adjacent violators on y = x - offset, which must be non-decreasing
    sums: list[float] = []
    mass: list[float] = []
    counts: list[int] = []
    for t, w, o in zip(targets, weights, offset):
        s, ww, c = (t - o) * w, w, 1
        while sums and sums[-1] / mass[-1] > s / ww:
            s += sums.pop()
            ww += mass.pop()
            c += counts.pop()
        sums.append(s)
        mass.append(ww)
        counts.append(c)
    out = []
    i = 0
    for s, w, c in zip(sums, mass, counts):
        val = s / w
        for _ in range(c):
            out.append(val + offset[i])
            i += 1
    return out
