"""Graph -> Graphviz DOT and Mermaid flowchart text (exports for other tools and for docs), from
the texts styles/outline.py gives each node, module box and edge."""

from __future__ import annotations

from typing import Any

from ..graph import Graph
from .text import clean


def _tree(g: Graph) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Child scopes of each scope, and the nodes directly in each scope."""
    children: dict[int, list[int]] = {sid: [] for sid in g.scopes}
    for sid, s in g.scopes.items():
        if s.parent is not None:
            children[s.parent].append(sid)
    by_scope: dict[int, list[int]] = {sid: [] for sid in g.scopes}
    for n in g.nodes.values():
        by_scope[n.scope].append(n.id)
    return children, by_scope


def _dot_str(text: str) -> str:
    return '"' + clean(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(outline: Any, direction: str = "TB") -> str:
    g = outline.graph
    children, by_scope = _tree(g)
    lines = ["digraph archplot {", f"  rankdir={direction};",
             '  node [shape=box, style="rounded,filled", fillcolor="#f4f4f4", fontname="DejaVu Sans", fontsize=10];',
             '  edge [fontname="DejaVu Sans", fontsize=8];']

    def emit(sid: int, indent: str) -> None:
        for nid in by_scope[sid]:
            n = g.nodes[nid]
            shape = ', shape=oval' if n.kind in ("input", "output") else ""
            lines.append(f"{indent}n{nid} [label={_dot_str(chr(10).join(outline.nodes[nid]))}{shape}];")
        for c in children[sid]:
            lines.append(f"{indent}subgraph cluster_{c} {{")
            lines.append(f"{indent}  label={_dot_str(outline.boxes[c])}; style=rounded; color=\"#999999\";")
            emit(c, indent + "  ")
            lines.append(f"{indent}}}")

    emit(0, "  ")
    for e, shape in zip(g.edges, outline.edges):
        lines.append(f"  n{e.source} -> n{e.target} [label={_dot_str(shape)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mm(text: str) -> str:
    """Text for a quoted Mermaid label: markup characters as entity codes."""
    text = clean(text).replace("\n", " ")
    for ch, code in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("|", "#124;")):
        text = text.replace(ch, code)
    return text


def to_mermaid(outline: Any, direction: str = "TB") -> str:
    g = outline.graph
    children, by_scope = _tree(g)
    lines = [f"flowchart {direction}"]

    def emit(sid: int, indent: str) -> None:
        for nid in by_scope[sid]:
            n = g.nodes[nid]
            text = "<br/>".join(_mm(t) for t in outline.nodes[nid])
            open_, close = ("([", "])") if n.kind in ("input", "output") else ("[", "]")
            lines.append(f'{indent}n{nid}{open_}"{text}"{close}')
        for c in children[sid]:
            lines.append(f'{indent}subgraph s{c}["{_mm(outline.boxes[c])}"]')
            emit(c, indent + "  ")
            lines.append(f"{indent}end")

    emit(0, "  ")
    for e, shape in zip(g.edges, outline.edges):
        lines.append(f'  n{e.source} -->|"{_mm(shape)}"| n{e.target}')
    return "\n".join(lines) + "\n"
