"""Structural hashes: two blocks with the same hash compute the same thing, names aside.

A hash covers types, attributes, parameter shapes, tensor shapes and the wiring inside; not
qualified names. A stride-2 first block therefore differs from the blocks after it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..graph import Graph, Node


def _digest(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def node_signature(n: Node) -> list[Any]:
    return [n.kind, n.type, n.attrs, n.param_shapes, n.in_shapes, n.out_shapes, n.collapsed, n.structure]


def node_hash(n: Node) -> str:
    return _digest(node_signature(n))


def scope_hashes(g: Graph) -> dict[int, str]:
    """Scope id -> structural hash of everything recorded inside that call."""
    # Nodes of each scope's subtree, in execution order, with the chain of scopes below it.
    inside: dict[int, list[tuple[Node, tuple[int, ...]]]] = {sid: [] for sid in g.scopes}
    for n in g.nodes.values():
        chain = [s.id for s in g.scope_chain(n.scope)]
        for i, sid in enumerate(chain):
            inside[sid].append((n, tuple(chain[i + 1:])))
    preds = g.predecessors()
    hashes = {n.id: node_hash(n) for n in g.nodes.values()}
    types = {sid: (g.modules[s.path].type if s.path in g.modules else "") for sid, s in g.scopes.items()}
    out: dict[int, str] = {}
    for sid, items in inside.items():
        if sid == 0:
            continue
        index = {n.id: i for i, (n, _) in enumerate(items)}
        external: dict[int, int] = {}
        module = g.modules.get(g.scopes[sid].path)
        sig: list[Any] = [types[sid], module.attrs if module else {}]
        for n, below in items:
            # Scopes below are described by their module types, not their names.
            below_types = [types[b] for b in below]
            wiring: list[Any] = []
            for p in preds[n.id]:
                if p in index:
                    wiring.append(index[p])
                else:
                    wiring.append(f"x{external.setdefault(p, len(external))}")
            sig.append([hashes[n.id], below_types, wiring])
        out[sid] = _digest(sig)
    return out
