"""How a diff's statuses look: unchanged muted, added and removed in their own colours (removed
also dashed and every change tagged in words, so the picture survives greyscale), changed with
a before → after label. Reads the statuses the diff transform stored in ``graph.meta["diff"]``.
"""

from __future__ import annotations

from typing import Any

from ..graph import Graph, Node
from .labels import attr_summary
from .theme import Theme, mix

# Okabe-Ito: told apart with every common kind of colour blindness.
STATUS_COLORS = {"added": "#009E73", "removed": "#D55E00", "changed": "#0072B2"}
STATUS_TAGS = {"added": "+ added", "removed": "− removed", "changed": "Δ"}
REMOVED_DASH = (5.0, 3.0)
MAX_LABEL = 44


def node_status(g: Graph, n: Node) -> dict[str, Any] | None:
    """The node's diff status (``{"status": "same"}`` for an unchanged node of a diff), or None
    when the graph is not a diff."""
    diff = g.meta.get("diff")
    if not isinstance(diff, dict):
        return None
    found = diff.get("nodes", {}).get(str(n.id))
    if found is None and n.collapsed and n.path in diff.get("within", ()):  # a closed box with changes inside
        found = {"status": "changed", "what": "changes inside"}
    return found or {"status": "same"}


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1] + "…"


def change_label(n: Node, status: dict[str, Any]) -> str:
    """``Linear 512→1000 → 512→10``, ``×2 → ×3``, ``ReLU → GELU``, or the first thing that changed."""
    before = status.get("before") or {}
    if before.get("repeat", n.repeat) != n.repeat:
        return f"×{before.get('repeat', 1)} → ×{n.repeat}"
    was = Node(n.id, n.kind, str(before.get("type", n.type)), n.name, n.path, attrs=before.get("attrs") or {},
               collapsed=n.collapsed)
    old, new = attr_summary(was), attr_summary(n)
    if was.type != n.type:
        return _short(f"{was.type} {old} → {n.type} {new}".replace("  ", " "))
    if old != new and old and new:
        return _short(f"{n.type} {old} → {new}")
    what = str(status.get("what", "")).split("; ")
    return _short(next((w for w in what if w.startswith("ops ")), what[0]))


def status_lines(g: Graph, n: Node, size: float) -> list[tuple[str, float, bool]]:
    """Extra label lines of a node in a diff: a word tag, and what changed."""
    status = node_status(g, n)
    if status is None or status["status"] == "same":
        return []
    tag = STATUS_TAGS[status["status"]]
    if status["status"] == "changed":
        tag = f"{tag} {change_label(n, status)}"
    return [(tag, size, True)]


def status_colors(status: str, theme: Theme) -> tuple[str, str, str]:
    """(fill, stroke, text) of a node with this status."""
    if status == "same":
        return (mix(theme.text, theme.background, 0.94), mix(theme.text, theme.background, 0.6),
                mix(theme.text, theme.background, 0.45))
    base = STATUS_COLORS[status]
    if theme.name == "print":  # the tags and dashes carry it; lightness keeps the three apart
        return {"added": "#d9d9d9", "removed": "#ffffff", "changed": "#a6a6a6"}[status], "#000000", "#000000"
    fill = mix(base, theme.background, 0.78)
    text = theme.text if theme.name == "dark" else "#000000"
    return fill, base, text


def apply_status(look: Any, g: Graph, n: Node, theme: Theme) -> None:
    """Recolour a node's look by its diff status (nothing for graphs that are not diffs)."""
    status = node_status(g, n)
    if status is None:
        return
    look.fill, look.stroke, look.text = status_colors(status["status"], theme)
    if status["status"] == "removed":
        look.dash = REMOVED_DASH
    look.family = "diff:" + status["status"]


def status_legend(g: Graph, theme: Theme) -> tuple[list[tuple[str, tuple[str, str, str]]], list[str]]:
    """Legend entries for the statuses present, and the one-line summary, for a diff; else nothing."""
    diff = g.meta.get("diff")
    if not isinstance(diff, dict):
        return [], []
    present = {s.get("status") for s in diff.get("nodes", {}).values()}
    names = {"same": "unchanged", "added": "added (+)", "removed": "removed (−, dashed)", "changed": "changed (Δ before → after)"}
    entries = [(names[s], status_colors(s, theme)) for s in ("same", "added", "removed", "changed")
               if s == "same" or s in present]
    return entries, [f"{diff.get('a', 'a')} → {diff.get('b', 'b')}: {diff.get('summary', '')}"]


def scope_status_text(g: Graph, scope_id: int) -> str:
    """What a module box's title adds in a diff: '  Δ BasicBlock ×2 → ×4', '  − removed'."""
    diff = g.meta.get("diff")
    status = diff.get("scopes", {}).get(str(scope_id)) if isinstance(diff, dict) else None
    if not status:
        return ""
    if status["status"] == "changed":
        return f"  {STATUS_TAGS['changed']} {_short(str(status.get('what', '')))}"
    return f"  {STATUS_TAGS[status['status']]}"
