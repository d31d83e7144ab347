"""Structural hashes: two blocks with the same hash compute the same thing, names aside.

A hash covers types, attributes, parameter shapes, tensor shapes and the wiring inside; not
qualified names. A stride-2 first block therefore differs from the blocks after it. Attributes
that change nothing in the traced mode (a dropout or drop-path rate at eval, a stored layer
index) are left out, so blocks that differ only in them fold; :func:`inert_values` says what
they were.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..graph import Graph, Node


def _digest(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


# Attributes that never change what a module computes, and those that only matter in training.
_INERT = frozenset({"layer_idx", "layer_id", "layer_index", "block_idx", "inplace"})
_INERT_AT_EVAL = frozenset({"p", "drop_prob", "dropout", "attention_dropout", "dropout_p", "training"})
_DROP_TYPES = ("Dropout", "StochasticDepth", "DropPath", "DropBlock", "dropout")


def _is_inert(type_: str, key: str, train: bool) -> bool:
    if key in _INERT or (key == "name" and type_ in ("buffer", "parameter")):  # a block's own copy
        return True
    if train or key not in _INERT_AT_EVAL:
        return False
    return key != "p" or any(t in type_ for t in _DROP_TYPES)  # a "p" elsewhere may be a norm's order


def live_attrs(type_: str, attrs: dict[str, Any], train: bool = False) -> dict[str, Any]:
    """The attributes that change what the node computes in the traced mode."""
    return {k: v for k, v in attrs.items() if not _is_inert(type_, k, train)}


def inert_values(type_: str, attrs: dict[str, Any], train: bool = False) -> dict[str, Any]:
    """The inert attributes worth saying when they vary between folded blocks."""
    return {k: v for k, v in attrs.items() if _is_inert(type_, k, train) and k not in ("inplace", "name")}


def node_signature(n: Node, train: bool = False) -> list[Any]:
    return [n.kind, n.type, live_attrs(n.type, n.attrs, train), n.param_shapes, n.in_shapes, n.out_shapes,
            n.collapsed, n.structure]


def node_hash(n: Node, train: bool = False) -> str:
    return _digest(node_signature(n, train))


def scope_hashes(g: Graph, train: bool = False) -> dict[int, str]:
    """Scope id -> structural hash of everything recorded inside that call."""
    # Nodes of each scope's subtree, in execution order, with the chain of scopes below it.
    inside: dict[int, list[tuple[Node, tuple[int, ...]]]] = {sid: [] for sid in g.scopes}
    for n in g.nodes.values():
        chain = [s.id for s in g.scope_chain(n.scope)]
        for i, sid in enumerate(chain):
            inside[sid].append((n, tuple(chain[i + 1:])))
    preds = g.predecessors()
    hashes = {n.id: node_hash(n, train) for n in g.nodes.values()}
    types = {sid: (g.modules[s.path].type if s.path in g.modules else "") for sid, s in g.scopes.items()}
    out: dict[int, str] = {}
    for sid, items in inside.items():
        if sid == 0:
            continue
        index = {n.id: i for i, (n, _) in enumerate(items)}
        external: dict[int, int] = {}
        module = g.modules.get(g.scopes[sid].path)
        sig: list[Any] = [types[sid], live_attrs(types[sid], module.attrs, train) if module else {}]
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
