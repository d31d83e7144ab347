"""Shared by the file and compiler sources (no torch import): a module scope that holds a
single op and nothing else is a leaf module that ran as one op (Conv2d -> conv), drawn as one node."""

from __future__ import annotations

from ..graph import Graph


def single_op_scopes_to_modules(g: Graph, types: dict[str, str], op_attr: str) -> None:
    """Turn each such scope into one module node; the op's own name is kept as ``op_attr``."""
    content: dict[int, list[int]] = {sid: [] for sid in g.scopes}
    has_children = {s.parent for s in g.scopes.values() if s.parent is not None}
    for n in g.nodes.values():
        content[n.scope].append(n.id)
    for sid, ids in content.items():
        if sid == 0 or sid in has_children or len(ids) != 1 or g.nodes[ids[0]].kind != "op":
            continue
        n, s = g.nodes[ids[0]], g.scopes[sid]
        n.attrs = {**n.attrs, op_attr: n.type}
        n.kind, n.path, n.scope = "module", s.path, s.parent if s.parent is not None else 0
        n.type = types.get(s.path) or n.type
        n.name = s.path.rsplit(".", 1)[-1]
        del g.scopes[sid]
