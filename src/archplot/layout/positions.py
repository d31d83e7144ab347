"""Phase 3 of a box's layout: coordinates from sizes. x: each unit pulled toward its neighbours
while keeping order and spacing (weighted medians, then a weighted isotonic regression solved
by pool-adjacent-violators); y: ranks stacked in bands."""

from __future__ import annotations

from dataclasses import dataclass

from .spec import DUMMY, IN, OUT, REAL, LayoutSpec, Structure


@dataclass
class Placed:
    """One box's vertices placed in its frame: the box (x, y, w, h) of each unit and port
    (None for dummy points), x of every vertex before ``shift_x``, and each rank's band."""

    x: list[float]
    shift_x: float
    band_top: list[float]
    band_bottom: list[float]
    w: float
    h: float
    boxes: list[tuple[float, float, float, float] | None]


def place(st: Structure, sizes: list[tuple[float, float]], src_off: list[float], dst_off: list[float],
          room: dict[int, float], header: tuple[float, float, float, float], spec: LayoutSpec,
          is_root: bool) -> Placed:
    """Positions of one box's vertices from their sizes, in the box's frame (ported to the
    viewer's JS). ``src_off``/``dst_off``: per segment, where it attaches off a unit's centre;
    ``room``: per unit, the width its tensor label needs on its right."""
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
        gap = node_gap if (kind[a] in REAL and kind[b] in REAL) else dummy_gap
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

    return Placed(x, shift_x, band_top, band_bottom, w, h, boxes)


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
