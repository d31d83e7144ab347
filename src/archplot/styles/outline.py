"""The texts of a graph for the text exports (Graphviz DOT, Mermaid): a label per node, a title
per module box, a shape per edge. backends/dot.py writes them in each tool's syntax."""

from __future__ import annotations

from dataclasses import dataclass

from ..graph import Graph, Node
from .labels import attr_summary, shape_text


@dataclass
class Outline:
    graph: Graph
    nodes: dict[int, list[str]]  # node id -> lines of its label
    boxes: dict[int, str]  # scope id -> title
    edges: list[str]  # per edge, its tensor's shape


def _lines(n: Node) -> list[str]:
    if n.kind in ("input", "output"):
        shape = n.out_shapes[0] if n.kind == "input" and n.out_shapes else (n.in_shapes[0] if n.in_shapes else None)
        return [n.name, shape_text(shape)]
    if n.kind == "op":
        return [n.type]
    title = f"{n.type} ×{n.repeat}" if n.repeat > 1 else (f"{n.path} · {n.type}" if n.path else n.type)
    summary = attr_summary(n)
    return [title] + ([summary] if summary else [])


def _box_title(g: Graph, sid: int) -> str:
    s = g.scopes[sid]
    module = g.modules.get(s.path)
    title = f"{s.path} · {module.type}" if module else s.path
    return title + (f" ×{s.repeat}" if s.repeat > 1 else "")


def outline(g: Graph) -> Outline:
    return Outline(g, {nid: _lines(n) for nid, n in g.nodes.items()},
                   {sid: _box_title(g, sid) for sid in g.scopes if sid != 0}, [shape_text(e.shape) for e in g.edges])
