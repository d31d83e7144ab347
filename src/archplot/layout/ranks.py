"""Phase 1 of a box's layout: ranks (layers) by longest path, and dummy points on edges that
span ranks, turned into segments between neighbouring ranks."""

from __future__ import annotations

from dataclasses import dataclass

from .spec import BOX, DUMMY, IN, OUT


@dataclass
class Ranked:
    """One local graph in layers, before crossing reduction."""

    kind: list[int]
    port_key: list[int]
    in_port: dict[int, int]
    out_port: dict[int, int]
    rank: list[int]
    layers: list[list[int]]
    chains: list[tuple[int, int, int, list[int]]]
    segs: list[tuple[int, int, float, int, int]]
    seg_pred: list[list[int]]
    seg_succ: list[list[int]]
    # neighbours with where the edge attaches: (vertex, fraction there, fraction here)
    up: list[list[tuple[int, float, float]]]
    down: list[list[tuple[int, float, float]]]
    nranks: int


def rank_layers(unit_kinds: list[int], in_keys: list[int], out_keys: list[int],
         ledges: list[tuple[int, int, int]], fracs: list[tuple[float, float]]) -> Ranked:
    """Layers of one local graph (units in run order, then input and output ports) with dummy
    points on long edges; ``fracs`` says where each local edge attaches to a child box."""
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
    up: list[list[tuple[int, float, float]]] = [[] for _ in range(nv)]
    down: list[list[tuple[int, float, float]]] = [[] for _ in range(nv)]
    for i, ((x, y, _, _, _), (fx, fy)) in enumerate(zip(segs, seg_frac)):
        seg_succ[x].append(i)
        seg_pred[y].append(i)
        down[x].append((y, fy, fx))
        up[y].append((x, fx, fy))
    return Ranked(kind, port_key, in_port, out_port, rank, layers, chains, segs, seg_pred, seg_succ, up, down, nranks)
