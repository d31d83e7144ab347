"""Graph -> Graphviz DOT and Mermaid flowchart text (exports for other tools and for docs)."""

from __future__ import annotations

from ..graph import Graph
from ..styles.labels import attr_summary, shape_text


def _label(n) -> list[str]:
    if n.kind in ("input", "output"):
        shape = n.out_shapes[0] if n.kind == "input" and n.out_shapes else (n.in_shapes[0] if n.in_shapes else None)
        return [n.name, shape_text(shape)]
    if n.kind == "op":
        return [n.type]
    title = f"{n.type} ×{n.repeat}" if n.repeat > 1 else (f"{n.path} · {n.type}" if n.path else n.type)
    summary = attr_summary(n)
    return [title] + ([summary] if summary else [])


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


def _box_title(g: Graph, sid: int) -> str:
    s = g.scopes[sid]
    module = g.modules.get(s.path)
    title = f"{s.path} · {module.type}" if module else s.path
    return title + (f" ×{s.repeat}" if s.repeat > 1 else "")


def _dot_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(g: Graph, direction: str = "TB") -> str:
    children, by_scope = _tree(g)
    lines = ["digraph archplot {", f"  rankdir={direction};",
             '  node [shape=box, style="rounded,filled", fillcolor="#f4f4f4", fontname="DejaVu Sans", fontsize=10];',
             '  edge [fontname="DejaVu Sans", fontsize=8];']

    def emit(sid: int, indent: str) -> None:
        for nid in by_scope[sid]:
            n = g.nodes[nid]
            shape = ', shape=oval' if n.kind in ("input", "output") else ""
            lines.append(f"{indent}n{nid} [label={_dot_str(chr(10).join(_label(n)))}{shape}];")
        for c in children[sid]:
            lines.append(f"{indent}subgraph cluster_{c} {{")
            lines.append(f"{indent}  label={_dot_str(_box_title(g, c))}; style=rounded; color=\"#999999\";")
            emit(c, indent + "  ")
            lines.append(f"{indent}}}")

    emit(0, "  ")
    for e in g.edges:
        lines.append(f"  n{e.source} -> n{e.target} [label={_dot_str(shape_text(e.shape))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mm(text: str) -> str:
    """Text for a quoted Mermaid label: markup characters as entity codes."""
    for ch, code in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("|", "#124;")):
        text = text.replace(ch, code)
    return text


def to_mermaid(g: Graph, direction: str = "TB") -> str:
    children, by_scope = _tree(g)
    lines = [f"flowchart {direction}"]

    def emit(sid: int, indent: str) -> None:
        for nid in by_scope[sid]:
            n = g.nodes[nid]
            text = "<br/>".join(_mm(t) for t in _label(n))
            open_, close = ("([", "])") if n.kind in ("input", "output") else ("[", "]")
            lines.append(f'{indent}n{nid}{open_}"{text}"{close}')
        for c in children[sid]:
            lines.append(f'{indent}subgraph s{c}["{_mm(_box_title(g, c))}"]')
            emit(c, indent + "  ")
            lines.append(f"{indent}end")

    emit(0, "  ")
    for e in g.edges:
        lines.append(f'  n{e.source} -->|"{_mm(shape_text(e.shape))}"| n{e.target}')
    return "\n".join(lines) + "\n"
