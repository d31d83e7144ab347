"""Phase 2 of a box's layout: the order within each rank, against crossings (barycentre
sweeps keeping the best order seen, then dot's transpose step)."""

from __future__ import annotations

Neighbours = list[list[tuple[int, float, float]]]  # per vertex: (neighbour, fraction there, fraction here)


def order_layers(layers: list[list[int]], up: Neighbours, down: Neighbours, nranks: int) -> tuple[list[list[int]], int]:
    """The layers reordered against crossings, and how many crossings remain."""
    nv = sum(len(layer) for layer in layers)
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
    return best_layers, best


def _transpose(layers: list[list[int]], up: Neighbours, down: Neighbours, pos: list[int]) -> int:
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


def _crossings(upper: list[int], down: Neighbours, pos: list[int]) -> int:
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


