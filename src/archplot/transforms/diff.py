"""The difference of two graphs, as data: a list of :class:`Change` records and one graph, the
union of both, whose nodes carry a status.

Modules are matched top-down through the module tree: by qualified name first; runs of
indexed blocks of one type (``encoder.layer.0`` ... ``.11``) compare by count (one ``repeat``
record, ``BertLayer ×12 → ×6``); what is left is matched by the structural hash that folding
uses, so a renamed or moved module is found; the rest is added or removed, explained by the
nearest candidate on the other side.

The union graph shows both models at a common level of detail: every module that holds a
change is open, everything else is collapsed (and folded), so the changes stand out. Its
``meta["diff"]`` says, per node id, ``status`` ("added", "removed", "changed"; absent means
unchanged), what the node was before (``before``: type, attributes, repeat count) and what
changed (``what``); per scope id the same for module boxes; and which modules hold changes
(``within``). It is plain data: the diff graph saves to JSON and redraws with its colours.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ..errors import InputError
from ..graph import Graph, Node, Scope
from .structure import node_hash, scope_hashes
from .view import derive, origin_of, view_of

KINDS = ("added", "removed", "changed", "moved", "renamed", "repeat")
_MISSING = "—"


@dataclass(frozen=True)
class Change:
    """One difference: ``kind`` (added, removed, changed, moved, renamed, repeat), the module's
    qualified name in a and in b (None on the side where it does not exist), and what changed."""

    kind: str
    path_a: str | None
    path_b: str | None
    what: str

    @property
    def path(self) -> str:
        """The name to show: b's, or a's for a removed module; moves and renames show both."""
        a, b = self.path_a, self.path_b
        if self.kind in ("moved", "renamed"):
            return f"{_shown(a)} → {_shown(b)}"
        return _shown(b if b is not None else a)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.kind:<8} {self.path}: {self.what}"


def _shown(path: str | None) -> str:
    return "(model)" if path == "" else str(path)


@dataclass
class DiffResult:
    graph: Graph
    changes: list[Change]
    views: tuple[Graph, Graph]  # each side at the level of detail of the union


def summary_line(changes: list[Change]) -> str:
    """'3 added, 1 removed, 2 changed', or 'no differences'."""
    counts = Counter(c.kind for c in changes)
    parts = [f"{counts[k]} {k}" for k in KINDS if counts[k]]
    return ", ".join(parts) if parts else "no differences"


# -- the module trees ----------------------------------------------------------------------------

@dataclass
class _Tree:
    """One side's modules: types, attributes, children in order, own ops, structural hashes."""

    g: Graph
    root: str
    types: dict[str, str] = field(default_factory=dict)
    attrs: dict[str, dict[str, Any]] = field(default_factory=dict)
    params: dict[str, int] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    leaf: dict[str, Node] = field(default_factory=dict)
    ops: dict[str, list[Node]] = field(default_factory=lambda: defaultdict(list))
    hashes: dict[str, str] = field(default_factory=dict)


def _parent(path: str, known: Any) -> str | None:
    while path:
        path = path.rsplit(".", 1)[0] if "." in path else ""
        if path in known:
            return path
    return None


def _tree(g: Graph) -> _Tree:
    from . import is_trivial

    root = str(g.meta.get("root", ""))
    t = _Tree(g, root)
    for p, m in g.modules.items():
        t.types[p], t.attrs[p], t.params[p], t.calls[p] = m.type, m.attrs, m.params, m.calls
    # Graphs from files may name modules only on nodes and scopes.
    for s in g.scopes.values():
        t.types.setdefault(s.path, "Module")
    train = bool(g.meta.get("train"))
    for n in g.nodes.values():
        if n.kind == "module":
            t.types.setdefault(n.path, n.type)
            t.attrs.setdefault(n.path, n.attrs)
            t.params.setdefault(n.path, n.params)
            t.leaf.setdefault(n.path, n)
            t.hashes.setdefault(n.path, node_hash(n))
        elif n.kind == "op" and not is_trivial(n, train):
            t.ops[n.path].append(n)
    t.types.setdefault(root, "Module")
    for p in t.types:
        if p != root:
            parent = g.modules[p].parent if p in g.modules else None
            t.children[parent if parent in t.types else (_parent(p, t.types) or root)].append(p)
    for sid, h in scope_hashes(g).items():
        t.hashes.setdefault(g.scopes[sid].path, h)
    return t


def _descendants(t: _Tree, path: str) -> Iterable[str]:
    for c in t.children.get(path, []):
        yield c
        yield from _descendants(t, c)


def _last(path: str) -> str:
    return path.rsplit(".", 1)[-1]


# -- ignoring ------------------------------------------------------------------------------------

def _glob(pattern: str) -> re.Pattern[str]:
    from . import _glob as glob

    return glob(pattern)


class _Ignore:
    """``ignore`` entries: a type name or part of one ("dropout" matches Dropout and
    F.dropout, case-insensitive), an attribute name ("eps"), or a module path glob."""

    def __init__(self, entries: Iterable[str]) -> None:
        if isinstance(entries, str):
            entries = (entries,)
        entries = tuple(entries)
        if not all(isinstance(e, str) and e for e in entries):
            raise InputError(f"ignore must name types, attributes or module paths as strings, e.g. ('dropout',); "
                             f"got {entries!r}")
        self.words = tuple(e.lower() for e in entries)
        self.paths = [_glob(e) for e in entries]

    def type(self, type_name: str) -> bool:
        low = type_name.lower()
        return any(w in low for w in self.words)

    def attr(self, name: str) -> bool:
        return name.lower() in self.words

    def path(self, path: str | None) -> bool:
        return path is not None and any(rx.match(path) for rx in self.paths)


# -- what differs between two matched modules -------------------------------------------------------

def _fmt(v: Any) -> str:
    if v is _MISSING:
        return _MISSING
    if isinstance(v, list) and all(isinstance(x, (int, type(None))) for x in v):
        return "[" + ", ".join("?" if x is None else str(x) for x in v) + "]"
    return repr(v) if isinstance(v, str) else str(v)


def _dict_diff(a: dict[str, Any], b: dict[str, Any], ignore: _Ignore, prefix: str = "") -> list[str]:
    out = []
    for k in list(dict.fromkeys([*a, *b])):
        va, vb = a.get(k, _MISSING), b.get(k, _MISSING)
        if va != vb and not ignore.attr(k):
            out.append(f"{prefix}{k} {_fmt(va)} → {_fmt(vb)}")
    return out


def _ops_diff(ops_a: list[Node], ops_b: list[Node], ignore: _Ignore) -> list[str]:
    ops_a = [n for n in ops_a if not ignore.type(n.type)]
    ops_b = [n for n in ops_b if not ignore.type(n.type)]
    ta, tb = [n.type for n in ops_a], [n.type for n in ops_b]
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        if tag == "equal":
            for x, y in zip(ops_a[i1:i2], ops_b[j1:j2]):
                out += _dict_diff(x.attrs, y.attrs, ignore, prefix=f"{x.type} ")
        elif tag == "replace":
            out.append(f"ops {', '.join(ta[i1:i2])} → {', '.join(tb[j1:j2])}")
        elif tag == "delete":
            out.append(f"ops − {', '.join(ta[i1:i2])}")
        else:
            out.append(f"ops + {', '.join(tb[j1:j2])}")
    return list(dict.fromkeys(out))


def _differences(a: _Tree, pa: str, b: _Tree, pb: str, ignore: _Ignore) -> list[str]:
    """What differs in the module itself (not in its children): type, attributes, parameters,
    tensor shapes, the ops it runs directly."""
    out = []
    if a.types[pa] != b.types[pb]:
        out.append(f"type {a.types[pa]} → {b.types[pb]}")
    out += _dict_diff(a.attrs.get(pa, {}), b.attrs.get(pb, {}), ignore)
    calls_a, calls_b = a.calls.get(pa, 0), b.calls.get(pb, 0)
    if calls_a != calls_b and calls_a and calls_b:  # a shared layer applied more or fewer times
        out.append(f"calls {calls_a} → {calls_b}")
    na, nb = a.leaf.get(pa), b.leaf.get(pb)
    if na is not None or nb is not None:  # a layer on at least one side: its own weights count
        if a.params.get(pa, 0) != b.params.get(pb, 0):
            out.append(f"parameters {a.params.get(pa, 0):,} → {b.params.get(pb, 0):,}")
        out += _dict_diff(na.param_shapes if na else {}, nb.param_shapes if nb else {}, ignore)
    # An output shape that changed while the input stayed is this layer's doing; the shapes
    # downstream of it change too, and are not news.
    if na is not None and nb is not None and na.in_shapes == nb.in_shapes and na.out_shapes != nb.out_shapes:
        out.append(f"output {', '.join(map(_fmt, na.out_shapes))} → {', '.join(map(_fmt, nb.out_shapes))}")
    out += _ops_diff(a.ops.get(pa, []), b.ops.get(pb, []), ignore)
    return out


def _describe(t: _Tree, path: str) -> str:
    n = t.leaf.get(path)
    detail = [f"{t.params[path]:,} parameters"] if t.params.get(path) else []
    if n is not None and n.out_shapes:
        detail.append("output " + ", ".join(map(_fmt, n.out_shapes)))
    inside = sum(1 for _ in _descendants(t, path))
    if inside:
        detail.append(f"{inside} modules inside")
    return t.types[path] + (f" ({'; '.join(detail)})" if detail else "")


# -- matching ----------------------------------------------------------------------------------

def _indexed_runs(t: _Tree, children: list[str]) -> dict[str, list[str]]:
    """Children named by index (a Sequential's or ModuleList's blocks), grouped by type."""
    runs: dict[str, list[str]] = defaultdict(list)
    for c in children:
        if _last(c).isdigit():
            runs[t.types[c]].append(c)
    return runs


class _Matcher:
    def __init__(self, a: _Tree, b: _Tree, ignore: _Ignore) -> None:
        self.a, self.b, self.ignore = a, b, ignore
        self.pairs: dict[str, str] = {}  # path in a -> path in b
        self.changes: list[Change] = []
        self.only_a: list[str] = []  # topmost modules without a counterpart
        self.only_b: list[str] = []

    def run(self) -> list[Change]:
        self.inputs()
        self.visit(self.a.root, self.b.root)
        self.by_structure()
        self.unmatched()
        return [c for c in self.changes if not (self.ignore.path(c.path_a) or self.ignore.path(c.path_b))]

    def inputs(self) -> None:
        """The model inputs, by position: a different input shape is a cause worth reporting
        (the shapes it changes downstream are not)."""
        ins_a, ins_b = self.a.g.inputs, self.b.g.inputs
        for x, y in zip(ins_a, ins_b):
            what = []
            if x.out_shapes != y.out_shapes:
                what.append(f"shape {', '.join(map(_fmt, x.out_shapes))} → {', '.join(map(_fmt, y.out_shapes))}")
            what += _dict_diff({"name": x.name, **x.attrs}, {"name": y.name, **y.attrs}, self.ignore)
            if what:
                self.changes.append(Change("changed", f"(input {x.name})", f"(input {y.name})", "; ".join(what)))
        for x in ins_a[len(ins_b):]:
            self.changes.append(Change("removed", f"(input {x.name})", None, ", ".join(map(_fmt, x.out_shapes))))
        for y in ins_b[len(ins_a):]:
            self.changes.append(Change("added", None, f"(input {y.name})", ", ".join(map(_fmt, y.out_shapes))))

    def visit(self, pa: str, pb: str) -> None:
        a, b = self.a, self.b
        self.pairs[pa] = pb
        what = _differences(a, pa, b, pb, self.ignore)
        if what and not (self.ignore.type(a.types[pa]) and self.ignore.type(b.types[pb])):
            self.changes.append(Change("changed", pa, pb, "; ".join(what)))
        ca, cb = a.children.get(pa, []), b.children.get(pb, [])
        absorbed: set[str] = set()
        runs_a, runs_b = _indexed_runs(a, ca), _indexed_runs(b, cb)
        for type_name, ra in runs_a.items():
            rb = runs_b.get(type_name, [])
            if rb and len(ra) != len(rb):
                self.changes.append(Change("repeat", pa, pb, f"{type_name} ×{len(ra)} → ×{len(rb)}"))
                absorbed.update(ra[len(rb):] + rb[len(ra):])  # the extra blocks: counted, not listed
        by_name = {_last(c): c for c in cb if c not in absorbed}
        for c in ca:
            if c in absorbed:
                continue
            match = by_name.pop(_last(c), None)
            if match is not None:
                self.visit(c, match)
            else:
                self.only_a.append(c)
        self.only_b += list(by_name.values())

    def by_structure(self) -> None:
        """Modules left over on both sides with the same structural hash: renamed or moved.
        On b's side, modules inside a new container count too (a layer wrapped in a new block)."""
        candidates: dict[str, list[str]] = defaultdict(list)
        for pb in self.only_b:
            for p in (pb, *_descendants(self.b, pb)):
                if p in self.b.hashes:
                    candidates[self.b.hashes[p]].append(p)
        for pa in list(self.only_a):
            found = candidates.get(self.a.hashes.get(pa, ""))
            if not found:
                continue
            pb = found.pop(0)
            self.only_a.remove(pa)
            if pb in self.only_b:
                self.only_b.remove(pb)
            parent_a, parent_b = _parent(pa, self.a.types), _parent(pb, self.b.types)
            same_place = parent_a is not None and self.pairs.get(parent_a) == parent_b
            kind = "renamed" if same_place else "moved"
            self.changes.append(Change(kind, pa, pb, f"{self.a.types[pa]}, identical inside"))
            self.pairs[pa] = pb
            for d in _descendants(self.a, pa):
                self.pairs[d] = pb + d[len(pa):]

    def unmatched(self) -> None:
        a, b = self.a, self.b
        for pa in self.only_a:
            near = self.nearest(pa, a, b, self.only_b)
            hint = f"; nearest in b: {near[0]} ({near[1]})" if near else ""
            self.changes.append(Change("removed", pa, None, _describe(a, pa) + hint))
        for pb in self.only_b:
            near = self.nearest(pb, b, a, self.only_a)
            hint = f"; nearest in a: {near[0]} ({near[1]})" if near else ""
            self.changes.append(Change("added", None, pb, _describe(b, pb) + hint))

    def nearest(self, path: str, mine: _Tree, other: _Tree, pool: list[str]) -> tuple[str, str] | None:
        """The most similar module left over on the other side: same type first, then a close name."""
        if not pool:
            return None
        def score(p: str) -> float:
            same_type = mine.types[path] == other.types[p]
            return 2.0 * same_type + difflib.SequenceMatcher(None, _last(path), _last(p)).ratio()

        best = max(pool, key=score)
        if score(best) < 1.0:
            return None
        pa, pb, ta, tb = (path, best, mine, other) if mine is self.a else (best, path, other, mine)
        what = _differences(ta, pa, tb, pb, self.ignore)
        if not what:  # the same kind of container: say how its contents differ
            inside_a, inside_b = (sum(1 for _ in _descendants(t, p)) for t, p in ((ta, pa), (tb, pb)))
            what = [f"{inside_a} → {inside_b} modules inside" if inside_a != inside_b else "different contents"]
        return best, "; ".join(what[:2])


# -- the picture: both sides at a common level of detail, and their union -----------------------------

def _open_paths(g: Graph, changes: list[Change], side: str) -> set[str]:
    """Modules to draw open on one side: those holding a change to something drawn (a module
    never called has no place in the picture), and those whose blocks repeat a different number
    of times (so the blocks show)."""
    drawn = {s.path for s in g.scopes.values()} | {n.path for n in g.nodes.values() if n.kind == "module"}
    holds_drawn = {".".join(parts[:i]) for p in drawn for parts in [p.split(".")] for i in range(1, len(parts) + 1)}
    out = {""}
    for c in changes:
        p = c.path_a if side == "a" else c.path_b
        if p is None or p not in holds_drawn:
            continue
        parts = p.split(".") if p else []
        out.update(".".join(parts[:i]) for i in range(len(parts)))
        if c.kind == "repeat":
            out.add(p)
    return out


def _side_view(g: Graph, open_paths: set[str], changed: set[str]) -> Graph:
    from . import is_trivial

    train = bool(g.meta.get("train"))
    # Plumbing is hidden as in the default view, unless it is what changed (a dropout's p).
    v = g.hide(where=lambda n: is_trivial(n, train) and n.path not in changed).prune()
    origin = origin_of(v)
    collapsed = frozenset(sid for sid, s in origin.scopes.items() if sid != 0 and s.path not in open_paths)
    return derive(origin, replace(view_of(v), collapsed=collapsed, fold=True))


def _node_keys(g: Graph, rename: Any) -> dict[tuple[Any, ...], int]:
    """A key per node that the same node has on the other side: module by (mapped) name and
    call, op by enclosing module, type and occurrence, inputs and outputs by position."""
    seen: Counter[tuple[Any, ...]] = Counter()
    keys = {}
    for n in g.nodes.values():
        if n.kind in ("input", "output"):
            base: tuple[Any, ...] = (n.kind,)
        elif n.kind == "module":
            base = ("module", rename(n.path))
        else:
            base = ("op", rename(n.path), n.type)
        keys[base + (seen[base],)] = n.id
        seen[base] += 1
    return keys


def _node_status(na: Node, nb: Node, recorded: dict[str, Change], ignore: _Ignore) -> dict[str, Any] | None:
    before = {"type": na.type, "attrs": na.attrs, "repeat": na.repeat}
    record = recorded.get(nb.path) if nb.kind == "module" else None
    if record is not None:
        what = record.what if record.kind == "changed" else f"{record.kind} from {record.path_a}"
        return {"status": "changed", "before": before, "what": what}
    if na.repeat != nb.repeat:
        return {"status": "changed", "before": before, "what": f"×{na.repeat} → ×{nb.repeat}"}
    if nb.kind == "op" and not ignore.type(nb.type):
        differs = _dict_diff(na.attrs, nb.attrs, ignore)
        if differs:
            return {"status": "changed", "before": before, "what": "; ".join(differs)}
    if nb.kind in ("input", "output") and (na.in_shapes, na.out_shapes) != (nb.in_shapes, nb.out_shapes):
        shapes_a, shapes_b = na.out_shapes or na.in_shapes, nb.out_shapes or nb.in_shapes
        return {"status": "changed", "before": before,
                "what": f"{', '.join(map(_fmt, shapes_a))} → {', '.join(map(_fmt, shapes_b))}"}
    return None


def _union(va: Graph, vb: Graph, pairs: dict[str, str], changes: list[Change], ignore: _Ignore,
           names: tuple[str, str]) -> Graph:
    keys_a = _node_keys(va, lambda p: pairs.get(p, ("only in a", p)))
    keys_b = _node_keys(vb, lambda p: p)
    b_of_a = {nid: keys_b[k] for k, nid in keys_a.items() if k in keys_b}
    matched_b = set(b_of_a.values())
    recorded = {c.path_b: c for c in changes if c.path_b is not None and c.kind in ("changed", "moved", "renamed")}
    status: dict[str, dict[str, Any]] = {}
    scope_status: dict[str, dict[str, Any]] = {}

    # Scopes: b's, and a's that b does not have (renumbered), parents first.
    scopes = {sid: replace(s, repeat_paths=list(s.repeat_paths)) for sid, s in vb.scopes.items()}
    b_scope = {(s.path, s.call): sid for sid, s in vb.scopes.items()}
    scope_of_a: dict[int, int] = {}
    next_scope = max(scopes) + 1
    for sid, s in va.scopes.items():
        key = (pairs.get(s.path, ("only in a", s.path)) if sid else vb.scopes[0].path, s.call)
        if key in b_scope:
            scope_of_a[sid] = b_scope[key]
            continue
        scope_of_a[sid] = next_scope
        parent = scope_of_a.get(s.parent, 0) if s.parent is not None else None
        scopes[next_scope] = Scope(next_scope, s.path, s.call, parent, s.repeat, list(s.repeat_paths), s.structure)
        scope_status[str(next_scope)] = {"status": "removed"}
        next_scope += 1

    # A new box, or one whose blocks repeat a different number of times, says so in its title.
    for c in changes:
        box = b_scope.get((c.path_b, 0)) if c.path_b is not None else None
        if c.kind in ("repeat", "added") and box is not None:
            scope_status[str(box)] = {"status": "changed", "what": c.what} if c.kind == "repeat" else {"status": "added"}

    # Nodes: b's in order, each of a's removed nodes after the node that came before it in a.
    next_id = max(vb.nodes, default=-1) + 1
    node_of_a: dict[int, int] = dict(b_of_a)
    after: dict[int | None, list[Node]] = defaultdict(list)
    anchor: int | None = None
    for nid, n in va.nodes.items():
        if nid in b_of_a:
            anchor = b_of_a[nid]
            continue
        removed = replace(n, id=next_id, scope=scope_of_a.get(n.scope, 0))
        node_of_a[nid] = next_id
        after[anchor].append(removed)
        status[str(next_id)] = {"status": "removed"}
        next_id += 1
    nodes: dict[int, Node] = {n.id: n for n in after[None]}
    a_of_b = {b: a for a, b in b_of_a.items()}
    for nid, n in vb.nodes.items():
        nodes[nid] = n
        if nid not in matched_b:
            status[str(nid)] = {"status": "added"}
        else:
            mark = _node_status(va.nodes[a_of_b[nid]], n, recorded, ignore)
            if mark is not None:
                status[str(nid)] = mark
        for r in after.get(nid, []):
            nodes[r.id] = r

    edges = list(vb.edges)
    known = {(e.source, e.target, e.source_output) for e in edges}
    for e in va.edges:
        src, dst = node_of_a[e.source], node_of_a[e.target]
        if (src not in matched_b or dst not in matched_b) and (src, dst, e.source_output) not in known:
            known.add((src, dst, e.source_output))
            edges.append(replace(e, source=src, target=dst))

    modules = dict(vb.modules)
    for p, m in va.modules.items():
        modules.setdefault(p, m)
    meta = {"model": f"{names[0]} → {names[1]}", "root": vb.meta.get("root", ""),
            "diff": {"a": names[0], "b": names[1], "summary": summary_line(changes),
                     "nodes": status, "scopes": scope_status}}
    return Graph(nodes=nodes, edges=edges, modules=modules, scopes=scopes, meta=meta)


def _merge_repeated(changes: list[Change]) -> list[Change]:
    """The same change in consecutive blocks (``layers.0`` ... ``layers.15``) is one record,
    named ``layers.0…15.self_attn``, at the place of its first block."""
    def split(path: str | None) -> tuple[str, int, str] | None:
        parts = (path or "").split(".")
        i = next((k for k, part in enumerate(parts) if part.isdigit()), None)
        return None if i is None else (".".join(parts[:i]), int(parts[i]), ".".join(parts[i + 1:]))

    groups: dict[Any, list[tuple[int, int]]] = {}
    for pos, c in enumerate(changes):
        sa, sb = split(c.path_a), split(c.path_b)
        if c.kind == "changed" and sa and sb and sa[1] == sb[1]:
            groups.setdefault((sa[0], sa[2], sb[0], sb[2], c.what), []).append((sa[1], pos))
    merged: dict[int, Change] = {}
    dropped: set[int] = set()
    for (pre_a, post_a, pre_b, post_b, what), found in groups.items():
        found.sort()
        start = 0
        for k in range(1, len(found) + 1):
            if k < len(found) and found[k][0] == found[k - 1][0] + 1:
                continue
            run = found[start:k]
            if len(run) > 1:
                span = f"{run[0][0]}…{run[-1][0]}"
                name_a = ".".join(p for p in (pre_a, span, post_a) if p)
                name_b = ".".join(p for p in (pre_b, span, post_b) if p)
                merged[run[0][1]] = Change("changed", name_a, name_b, f"in {len(run)} blocks: {what}")
                dropped.update(pos for _, pos in run[1:])
            start = k
    return [merged.get(pos, c) for pos, c in enumerate(changes) if pos not in dropped]


def diff_graphs(a: Graph, b: Graph, *, ignore: Iterable[str] = (), names: tuple[str, str] = ("a", "b")) -> DiffResult:
    """The changes from ``a`` to ``b`` and the union graph that shows them (see the module
    docstring). Neither input is changed."""
    if not isinstance(a, Graph) or not isinstance(b, Graph):
        raise InputError("diff_graphs compares two archplot Graphs")
    skip = _Ignore(ignore)
    a, b = origin_of(a), origin_of(b)
    matcher = _Matcher(_tree(a), _tree(b), skip)
    changes = matcher.run()
    va = _side_view(a, _open_paths(a, changes, "a"), {c.path_a for c in changes if c.path_a is not None})
    vb = _side_view(b, _open_paths(b, changes, "b"), {c.path_b for c in changes if c.path_b is not None})
    reported = _merge_repeated(changes)
    union = _union(va, vb, matcher.pairs, changes, skip, names)
    union.meta["diff"]["summary"] = summary_line(reported)
    # Boxes that hold changes: drawn as one node (the interactive view can close them), they say so.
    union.meta["diff"]["within"] = sorted(_open_paths(b, changes, "b") - {""})
    return DiffResult(union, reported, (va, vb))


__all__ = ["KINDS", "Change", "DiffResult", "diff_graphs", "summary_line"]
