"""Graph -> Graphviz DOT and Mermaid flowchart text (exports for other tools and for docs), from
the texts styles/outline.py gives each node, module box and edge."""

from __future__ import annotations

from collections.abc import Iterator
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


def _walk(g: Graph) -> Iterator[tuple[str, int, str]]:
    """The module tree in drawing order, for both text formats: ("node", node id, indent) for
    each node, ("open", scope id, indent) and ("close", ...) around each nested box."""
    children, by_scope = _tree(g)

    def visit(sid: int, indent: str) -> Iterator[tuple[str, int, str]]:
        for nid in by_scope[sid]:
            yield "node", nid, indent
        for c in children[sid]:
            yield "open", c, indent
            yield from visit(c, indent + "  ")
            yield "close", c, indent

    return visit(0, "  ")


def _dot_str(text: str) -> str:
    return '"' + clean(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(outline: Any, direction: str = "TB") -> str:
    g = outline.graph
    lines = ["digraph archplot {", f"  rankdir={direction};",
             '  node [shape=box, style="rounded,filled", fillcolor="#f4f4f4", fontname="DejaVu Sans", fontsize=10];',
             '  edge [fontname="DejaVu Sans", fontsize=8];']

    for step, id_, indent in _walk(g):
        if step == "node":
            shape = ', shape=oval' if g.nodes[id_].kind in ("input", "output") else ""
            lines.append(f"{indent}n{id_} [label={_dot_str(chr(10).join(outline.nodes[id_]))}{shape}];")
        elif step == "open":
            lines.append(f"{indent}subgraph cluster_{id_} {{")
            lines.append(f"{indent}  label={_dot_str(outline.boxes[id_])}; style=rounded; color=\"#999999\";")
        else:
            lines.append(f"{indent}}}")
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
    lines = [f"flowchart {direction}"]

    for step, id_, indent in _walk(g):
        if step == "node":
            text = "<br/>".join(_mm(t) for t in outline.nodes[id_])
            open_, close = ("([", "])") if g.nodes[id_].kind in ("input", "output") else ("[", "]")
            lines.append(f'{indent}n{id_}{open_}"{text}"{close}')
        elif step == "open":
            lines.append(f'{indent}subgraph s{id_}["{_mm(outline.boxes[id_])}"]')
        else:
            lines.append(f"{indent}end")
    for e, shape in zip(g.edges, outline.edges):
        lines.append(f'  n{e.source} -->|"{_mm(shape)}"| n{e.target}')
    return "\n".join(lines) + "\n"
