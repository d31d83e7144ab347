"""Synthetic network-shaped graphs of any size, built without torch: chains of residual blocks
with occasional branches, optionally nested in stages and blocks (as real models are)."""

from __future__ import annotations

import random

from archplot import Edge, Graph, Module, Scope


def network(n_nodes: int, nested: bool = True, seed: int = 0) -> Graph:
    rng = random.Random(seed)
    g = Graph()
    g.modules[""] = Module("", "Net", None)
    x = g.add_node("input", "Tensor", "x", out_shapes=[[1, 64, 56, 56]])
    prev = x.id
    shape = [1, 64, 56, 56]
    block = 0
    while len(g.nodes) < n_nodes - 1:
        stage = block // 8
        scope = 0
        if nested:
            spath = f"stage{stage}"
            if spath not in g.modules:
                sid = len(g.scopes)
                g.scopes[sid] = Scope(sid, spath, 0, 0)
                g.modules[spath] = Module(spath, "Sequential", "")
                stage_scope = sid
            stage_scope = next(s.id for s in g.scopes.values() if s.path == spath)
            bpath = f"{spath}.{block % 8}"
            sid = len(g.scopes)
            g.scopes[sid] = Scope(sid, bpath, 0, stage_scope)
            g.modules[bpath] = Module(bpath, "Block", spath)
            scope, prefix = sid, bpath + "."
        else:
            prefix = f"b{block}."
        entry = prev
        kinds = ["Conv2d", "BatchNorm2d", "ReLU", "Conv2d", "BatchNorm2d"]
        if rng.random() < 0.2:  # an inception-like branch
            branch_heads = []
            for b in range(3):
                n = g.add_node("module", "Conv2d", f"branch{b}", f"{prefix}branch{b}", scope,
                               attrs={"kernel_size": [1 + 2 * b] * 2}, in_shapes=[shape], out_shapes=[shape])
                g.edges.append(Edge(entry, n.id, shape, "float32"))
                branch_heads.append(n.id)
            cat = g.add_node("op", "cat", "cat", prefix.rstrip("."), scope, in_shapes=[shape] * 3, out_shapes=[shape])
            for h in branch_heads:
                g.edges.append(Edge(h, cat.id, shape, "float32"))
            prev = cat.id
        else:
            for i, k in enumerate(kinds):
                n = g.add_node("module", k, f"{k.lower()}{i}", f"{prefix}{k.lower()}{i}", scope,
                               in_shapes=[shape], out_shapes=[shape])
                g.edges.append(Edge(prev, n.id, shape, "float32"))
                prev = n.id
            add = g.add_node("op", "add", "add", prefix.rstrip("."), scope, in_shapes=[shape, shape], out_shapes=[shape])
            g.edges.append(Edge(prev, add.id, shape, "float32"))
            g.edges.append(Edge(entry, add.id, shape, "float32"))
            prev = add.id
        block += 1
    out = g.add_node("output", "Tensor", "output", in_shapes=[shape])
    g.edges.append(Edge(prev, out.id, shape, "float32"))
    return g
