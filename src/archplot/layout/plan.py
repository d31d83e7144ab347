"""The size-independent part of the layout, once per graph: edges lifted into each module box's
local graph, boxes numbered canonically (so identical boxes share one structure), and each
structure ranked (ranks.py) and ordered (order.py). The interactive viewer reuses this plan."""

from __future__ import annotations

from collections import defaultdict
from typing import Hashable

from .order import order_layers
from .ranks import rank_layers
from .spec import BOX, NODE, BoxPlan, LayoutSpec, Plan, Structure


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
        st = shared[signature] = structure(kinds, list(in_keys), list(out_keys), ledges, fracs)
    return BoxPlan(units, keys, key_index, st), to_chain


def _port_place(boxes: dict[int, BoxPlan], unit: Hashable, key: Hashable, out: bool) -> float:
    child = boxes[unit[1]]
    st = child.structure
    port = child.port(key, out)
    if port is None:
        return 0.0
    layer = st.layers[st.rank[port]]
    return 0.8 * (layer.index(port) + 1) / (len(layer) + 1) - 0.4


def structure(unit_kinds: list[int], in_keys: list[int], out_keys: list[int],
              ledges: list[tuple[int, int, int]], fracs: list[tuple[float, float]]) -> Structure:
    """Ranks, order within ranks and dummy points of one local graph: everything that does not
    depend on sizes, so it is computed once (the interactive view reuses it)."""
    r = rank_layers(unit_kinds, in_keys, out_keys, ledges, fracs)
    best_layers, best = order_layers(r.layers, r.up, r.down, r.nranks)
    nu = len(unit_kinds)
    kind, port_key, in_port, out_port, rank = r.kind, r.port_key, r.in_port, r.out_port, r.rank
    chains, segs, seg_pred, seg_succ, nranks = r.chains, r.segs, r.seg_pred, r.seg_succ, r.nranks
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
