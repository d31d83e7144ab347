"""Choosing the level of abstraction. Every function takes a Graph and returns a new one; the
input is never changed. They are also methods of :class:`archplot.Graph`.

Module names are qualified names (``encoder.layer.3.attention``); patterns are globs where
``*`` matches one name segment and ``**`` any number of them.
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import replace
from typing import Any, Callable, Iterable

from ..errors import InputError
from ..graph import Edge, Graph, Node
from ..graph.model import TRANSFORMS
from .view import View, derive, is_derived, members_of, origin_of, view_of

__all__ = ["collapse", "expand", "focus", "fold_repeats", "unfold", "hide", "fuse", "prune",
           "merge_wrappers", "group_children", "TRIVIAL_OPS", "View"]

# Shape plumbing that a reader rarely needs to see.
TRIVIAL_OPS = frozenset({
    "view", "view_as", "reshape", "reshape_as", "getitem", "contiguous", "to", "type", "type_as",
    "float", "double", "half", "bfloat16", "int", "long", "bool", "clone", "detach", "size", "dim",
    "expand", "expand_as", "unsqueeze", "squeeze", "requires_grad_", "data", "cpu", "cuda", "alias",
})
TRIVIAL_MODULES = frozenset({"Identity", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                             "FeatureAlphaDropout"})


def _glob(pattern: str) -> re.Pattern[str]:
    out = []
    for part in re.split(r"(\*\*|\*|\?)", pattern):
        out.append({"**": ".*", "*": "[^.]*", "?": "[^.]"}.get(part, re.escape(part)))
    return re.compile("".join(out) + r"\Z")


def _patterns(paths: str | Iterable[str] | None) -> list[str]:
    if paths is None:
        return []
    if isinstance(paths, str):
        return [paths]
    paths = list(paths)
    if not all(isinstance(p, str) for p in paths):
        raise InputError("module paths must be strings such as 'layer1' or 'encoder.layer.*'")
    return paths


def _match_scopes(origin: Graph, pattern: str, *, leaves: bool = False) -> list[int]:
    """Scope ids whose module path matches; with ``leaves``, also the scopes holding matching leaves."""
    rx = _glob(pattern)
    found = [sid for sid, s in origin.scopes.items() if sid != 0 and rx.match(s.path)]
    if leaves:
        found += [n.scope for n in origin.nodes.values() if n.kind == "module" and rx.match(n.path)]
    if not found and not (leaves and any(rx.match(n.path) for n in origin.nodes.values() if n.kind == "module")):
        _no_match(origin, pattern)
    return sorted(set(found))


def _no_match(origin: Graph, pattern: str) -> None:
    called = sorted({s.path for s in origin.scopes.values() if s.path} |
                    {n.path for n in origin.nodes.values() if n.kind == "module"})
    close = difflib.get_close_matches(pattern, called, n=3, cutoff=0.5)
    hint = f"; close matches: {', '.join(close)}" if close else (
        f"; module names look like {', '.join(called[:3])}" if called else "")
    if pattern in origin.modules:
        raise InputError(f"module {pattern!r} was not called in this trace, so it has nothing to show")
    raise InputError(f"no called module matches {pattern!r}{hint}")


def _with(g: Graph, **changes: Any) -> Graph:
    return derive(origin_of(g), replace(view_of(g), **changes))


def _descendants(origin: Graph, sid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for s in origin.scopes.values():
        if s.parent is not None:
            children.setdefault(s.parent, []).append(s.id)
    out, stack = set(), [sid]
    while stack:
        for c in children.get(stack.pop(), []):
            out.add(c)
            stack.append(c)
    return out


def collapse(g: Graph, paths: str | Iterable[str] | None = None, *, depth: int | None = None) -> Graph:
    """Draw modules as single nodes.

    ``depth=N`` shows modules nested at most N levels deep (top-level modules are level 1) and
    folds everything deeper into them; ``paths`` collapses the matching modules as well.
    A collapsed module keeps its type, name, total parameters and the shapes that enter and
    leave it; edges between collapsed modules keep their shapes.

    >>> g.collapse(depth=1)                         # doctest: +SKIP
    >>> g.collapse("encoder.layer.*.attention")     # doctest: +SKIP
    """
    if depth is None and paths is None:
        raise InputError("collapse() needs depth=N, module paths, or both")
    origin = origin_of(g)
    collapsed = set(view_of(g).collapsed)
    if depth is not None:
        if not isinstance(depth, int) or isinstance(depth, bool) or depth < 1:
            raise InputError(f"depth must be an integer of at least 1, not {depth!r}")
        collapsed = {sid for sid in origin.scopes if sid != 0 and origin.scope_depth(sid) == depth}
    for pattern in _patterns(paths):
        collapsed.update(_match_scopes(origin, pattern))
    return _with(g, collapsed=frozenset(collapsed))


def expand(g: Graph, paths: str | Iterable[str] | None = None) -> Graph:
    """Show the inside of the matching modules (all of it); their ancestors open too, showing
    their other children collapsed. Without paths, expand everything.

    >>> g.collapse(depth=1).expand("encoder.layer.3")   # doctest: +SKIP
    """
    if paths is None or paths == "**":
        return _with(g, collapsed=frozenset())
    origin = origin_of(g)
    collapsed = set(view_of(g).collapsed)
    children: dict[int, list[int]] = {}
    for s in origin.scopes.values():
        if s.parent is not None:
            children.setdefault(s.parent, []).append(s.id)
    for pattern in _patterns(paths):
        rx = _glob(pattern)
        for sid in _match_scopes(origin, pattern, leaves=True):
            target = origin.scopes[sid]
            chain = [s.id for s in origin.scope_chain(sid)]
            for a in chain:
                if a in collapsed:
                    collapsed.discard(a)
                    collapsed.update(children.get(a, []))
            if rx.match(target.path):
                collapsed -= _descendants(origin, sid) | {sid}
    return _with(g, collapsed=frozenset(collapsed))


def fold_repeats(g: Graph) -> Graph:
    """Fold runs of consecutive sibling modules with identical structure into one node
    (``GPT2Block ×12``) that remembers the names it stands for (``repeat_paths``).
    A block that differs in anything but its name (a stride-2 first block) is not folded."""
    return _with(g, fold=True)


def unfold(g: Graph, paths: str | Iterable[str] | None = None) -> Graph:
    """Undo folding: all of it, or of the runs whose first module matches ``paths``."""
    if paths is None:
        return _with(g, fold=False, unfolded=frozenset())
    origin = origin_of(g)
    names = {s.path for s in origin.scopes.values()} | {n.path for n in origin.nodes.values()}
    chosen = set(view_of(g).unfolded)
    for pattern in _patterns(paths):
        rx = _glob(pattern)
        hits = {p for p in names if rx.match(p)}
        if not hits:
            _no_match(origin, pattern)
        chosen |= hits
    return _with(g, unfolded=frozenset(chosen))


def _empty(shape: Any) -> bool:
    return bool(shape) and 0 in shape


def is_trivial(n: Node, train: bool = False) -> bool:
    if n.kind == "op":
        if n.type in TRIVIAL_OPS:
            return True
        # Cache plumbing: an empty tensor, and a cat that appends something to it (GPT-2's KV cache)
        if any(_empty(s) for s in n.out_shapes) or (n.type in ("cat", "concat") and any(_empty(s) for s in n.in_shapes)):
            return True
        return n.type == "dropout" and not train and n.attrs.get("training") is not True
    return n.kind == "module" and not n.collapsed and (
        n.type == "Identity" or (n.type in TRIVIAL_MODULES and not train))


def hide(g: Graph, types: Any = None, *, where: Callable[[Node], bool] | None = None,
         trivial: bool = False) -> Graph:
    """Splice nodes out, keeping the data path connected: by type (names or module classes),
    by a predicate on nodes, or ``trivial=True`` for shape plumbing (view, reshape, getitem,
    contiguous, size, to, ...), identities and dropout at eval. Inputs and outputs stay.

    >>> g.hide(trivial=True).hide(["LayerNorm"])   # doctest: +SKIP
    """
    if types is None and where is None and not trivial:
        raise InputError("hide() needs types, where=predicate or trivial=True")
    if isinstance(types, (str, type)):
        types = [types]
    names = {t if isinstance(t, str) else getattr(t, "__name__", str(t)) for t in (types or [])}
    train = bool(g.meta.get("train"))
    chosen = {n.id for n in g.nodes.values() if n.kind not in ("input", "output") and (
        n.type in names or (trivial and is_trivial(n, train)) or (where is not None and where(n)))}
    if trivial:
        chosen |= _control_only(g)
    hidden = set(view_of(g).hidden)
    members = members_of(g)
    for nid in chosen - _merging(g, chosen):
        hidden.update(members.get(nid, [nid]))
    return _with(g, hidden=frozenset(hidden))


def _control_only(g: Graph) -> set[int]:
    """Ops that start from inputs or from nothing and whose results only reach values the
    forward read to choose its path (``attention_mask → all → bool()``, ``ones → sum → eq →
    bool()``): bookkeeping, not architecture. A chain from a module's output (a learned gate)
    stays; so does the module's dynamic mark."""
    succs, preds = g.successors(), g.predecessors()
    only_control: set[int] = set()
    for nid in sorted(g.nodes, reverse=True):  # ids follow execution order: consumers first
        n = g.nodes[nid]
        if n.kind == "op" and (n.attrs.get("reads_value") or (succs[nid] and all(s in only_control for s in succs[nid]))):
            only_control.add(nid)
    out: set[int] = set()
    for nid in sorted(only_control):
        if all(p in out or g.nodes[p].kind == "input" for p in preds[nid]):
            out.add(nid)
    return out


def _merging(g: Graph, chosen: set[int]) -> set[int]:
    """Chosen nodes whose splicing would merge different tensors into one edge (Swin's four
    slices of one tensor into ``cat``): they stay, so each tensor keeps its own edge."""
    incoming: dict[int, list[Edge]] = {}
    for e in g.edges:
        incoming.setdefault(e.target, []).append(e)

    def root(e: Edge) -> tuple[int, int]:
        seen = set()
        while e.source in chosen and len(incoming.get(e.source, ())) == 1 and e.source not in seen:
            seen.add(e.source)
            e = incoming[e.source][0]
        return e.source, e.source_output

    keep: set[int] = set()
    for target, edges in incoming.items():
        if target in chosen or len(edges) < 2:
            continue
        by_root: dict[tuple[int, int], list[Edge]] = {}
        for e in edges:
            by_root.setdefault(root(e), []).append(e)
        for group in by_root.values():
            if len(group) > 1:
                keep.update(e.source for e in group if e.source in chosen)
    return keep


def prune(g: Graph) -> Graph:
    """Drop nodes whose results reach no output (cache updates, unused branches)."""
    preds = g.predecessors()
    alive = set()
    # Values the forward read to choose its path count as results too.
    stack = [n.id for n in g.nodes.values() if n.kind == "output" or n.attrs.get("reads_value")]
    while stack:
        i = stack.pop()
        if i not in alive:
            alive.add(i)
            stack.extend(preds[i])
    dead = [n for n in g.nodes.values() if n.id not in alive and n.kind not in ("input", "output")]
    if not dead:
        return g if is_derived(g) else _with(g)
    hidden = set(view_of(g).hidden)
    members = members_of(g)
    for n in dead:
        hidden.update(members.get(n.id, [n.id]))
    return _with(g, hidden=frozenset(hidden))


def fuse(g: Graph, pattern: str | Iterable[str]) -> Graph:
    """Fuse chains such as ``"Conv2d > BatchNorm2d > ReLU"`` into one node listing its parts.
    Each node of a chain must be the only consumer of the one before it."""
    parts = tuple(p.strip() for p in (pattern.split(">") if isinstance(pattern, str) else pattern))
    if len(parts) < 2 or not all(parts):
        raise InputError(f"a fuse pattern names two or more types joined by '>', e.g. 'Conv2d > BatchNorm2d > ReLU'; got {pattern!r}")
    return _with(g, patterns=view_of(g).patterns + (parts,))


def merge_wrappers(g: Graph) -> Graph:
    """A module box that holds exactly one thing (one node or one box) gives way to it."""
    return _with(g, merge_wrappers=True)


def group_children(g: Graph, max_children: int = 64) -> Graph:
    """Split a module with more than ``max_children`` direct parts into boxes of that many."""
    if not isinstance(max_children, int) or max_children < 2:
        raise InputError(f"max_children must be an integer of at least 2, not {max_children!r}")
    return _with(g, max_children=max_children)


def focus(g: Graph, path: str, *, call: int = 0) -> Graph:
    """Only the inside of one module call, with the tensors that enter it as inputs and the
    tensors that leave it as outputs.

    >>> g.focus("encoder.layer.0.attention")   # doctest: +SKIP
    """
    if not isinstance(path, str):
        raise InputError("focus() takes one module path such as 'encoder.layer.0'")
    origin = origin_of(g)
    calls = [s for s in origin.scopes.values() if s.path == path and s.id != 0]
    leaf_calls = [n for n in origin.nodes.values() if n.kind == "module" and n.path == path]
    if not calls and not leaf_calls:
        _no_match(origin, path)
    available = len(calls) or len(leaf_calls)
    if not isinstance(call, int) or not 0 <= call < available:
        raise InputError(f"module {path!r} was called {available} time(s); call must be in 0..{available - 1}")
    if calls:
        root = calls[call].id
        keep_scopes = _descendants(origin, root) | {root}
        inside = [n.id for n in origin.nodes.values() if n.scope in keep_scopes and n.kind not in ("input", "output")]
    else:
        root = None
        keep_scopes = set()
        inside = [leaf_calls[call].id]
    return derive(_subgraph(origin, inside, root, keep_scopes, path), view_of(g))


def _subgraph(origin: Graph, inside: list[int], root: int | None, keep_scopes: set[int], path: str) -> Graph:
    members = set(inside)
    new = Graph(nodes={}, edges=[], modules={p: m for p, m in origin.modules.items()
                                             if p == path or p.startswith(path + ".")},
                scopes={0: replace(origin.scopes[0], path=path)}, meta=dict(origin.meta, root=path))
    for sid in keep_scopes - {root}:
        s = origin.scopes[sid]
        new.scopes[sid] = replace(s, parent=0 if s.parent == root else s.parent)
    next_id = max(origin.nodes) + 1
    entering: dict[tuple[int, int], int] = {}
    edges: list[Edge] = []
    for e in origin.edges:
        if e.target in members and e.source not in members:
            key = (e.source, e.source_output)
            if key not in entering:
                src = origin.nodes[e.source]
                node = Node(next_id, "input", "Tensor", src.name if src.kind == "input" else f"{src.name} output",
                            path, 0, attrs={"dtype": e.dtype, "from": src.path or src.name}, out_shapes=[e.shape])
                new.nodes[node.id] = node
                entering[key] = next_id
                next_id += 1
            edges.append(replace(e, source=entering[key], source_output=0))
    for nid in inside:
        n = copy.copy(origin.nodes[nid])
        if n.scope == root or root is None:
            n.scope = 0
        new.nodes[nid] = n
    leaving: dict[tuple[int, int], int] = {}
    for e in origin.edges:
        if e.source in members and e.target in members:
            edges.append(e)
        elif e.source in members and e.target not in members:
            key = (e.source, e.source_output)
            if key not in leaving:
                node = Node(next_id, "output", "Tensor", "output" if not leaving else f"output.{len(leaving)}",
                            path, 0, attrs={"dtype": e.dtype}, in_shapes=[e.shape])
                new.nodes[node.id] = node
                leaving[key] = next_id
                next_id += 1
                edges.append(replace(e, target=leaving[key]))
    new.edges = edges
    return new


TRANSFORMS.update(collapse=collapse, expand=expand, focus=focus, fold_repeats=fold_repeats, unfold=unfold, hide=hide,
                  fuse=fuse, prune=prune, merge_wrappers=merge_wrappers, group_children=group_children)
