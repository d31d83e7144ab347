"""A view of a captured graph: which modules are collapsed, which runs are folded, which
nodes are hidden. ``derive(origin, view)`` computes the graph that view shows.

Keeping the fully expanded origin and a small description of the view makes every transform
reversible (expand gives back what collapse took) and leaves every input graph untouched.
Steps, in order: splice out hidden nodes, fuse patterns, collapse scopes, fold repeats,
merge single-child wrappers, group very large modules.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Iterable, TypeVar

from .._bulk import bulk
from ..graph import Edge, Graph, Node, Scope
from ..graph.metrics import aggregate
from ..graph.model import adjacency
from .structure import inert_values, node_hash, scope_hashes


@dataclass(frozen=True)
class View:
    collapsed: frozenset[int] = frozenset()  # scope ids drawn as one node each
    hidden: frozenset[int] = frozenset()  # origin node ids spliced out
    patterns: tuple[tuple[str, ...], ...] = ()  # type chains fused into one node
    fold: bool = False
    unfolded: frozenset[str] = frozenset()  # first paths of runs left unfolded
    merge_wrappers: bool = False
    max_children: int | None = None


@dataclass
class _Work:
    """The graph being derived: nodes in execution order, edges, scopes, members."""

    nodes: dict[int, Node]
    edges: list[Edge]
    scopes: dict[int, Scope]
    members: dict[int, list[int]] = field(default_factory=dict)

    def preds(self) -> dict[int, list[int]]:
        return adjacency(self.nodes, self.edges, reverse=True)

    def succs(self) -> dict[int, list[int]]:
        return adjacency(self.nodes, self.edges)


T = TypeVar("T")


class Beside(Generic[T]):
    """Values kept beside graphs, by identity, for as long as the graph lives: a Graph is plain
    data and holds no views or caches, and a transform never writes onto the graph it is given."""

    def __init__(self) -> None:
        self._values: dict[int, tuple[weakref.ref, T]] = {}

    def get(self, g: Graph) -> T | None:
        entry = self._values.get(id(g))
        return entry[1] if entry is not None and entry[0]() is g else None

    def put(self, g: Graph, value: T) -> None:
        key = id(g)
        if self.get(g) is None:
            weakref.finalize(g, self._values.pop, key, None)
        self._values[key] = (weakref.ref(g), value)


@dataclass(frozen=True)
class Lineage:
    """What a derived graph was made from: the fully expanded origin, the view of it, and for
    each drawn node the origin nodes it stands for."""

    origin: Graph
    view: View
    members: dict[int, list[int]]


_LINEAGE: Beside[Lineage] = Beside()
_HASHES: Beside[tuple[tuple[int, int, int], dict[int, str], dict[int, str]]] = Beside()


def origin_of(g: Graph) -> Graph:
    """The fully expanded graph ``g`` was derived from (``g`` itself for a captured graph)."""
    lineage = _LINEAGE.get(g)
    return lineage.origin if lineage is not None else g


def view_of(g: Graph) -> View:
    lineage = _LINEAGE.get(g)
    return lineage.view if lineage is not None else View()


def members_of(g: Graph) -> dict[int, list[int]]:
    """Drawn node id -> the origin node ids it stands for (empty for a captured graph)."""
    lineage = _LINEAGE.get(g)
    return lineage.members if lineage is not None else {}


def is_derived(g: Graph) -> bool:
    return _LINEAGE.get(g) is not None


def _hashes(origin: Graph) -> tuple[dict[int, str], dict[int, str]]:
    """Structural hashes of the origin's scopes and module nodes, computed once per origin."""
    key = (len(origin.nodes), len(origin.edges), len(origin.scopes))
    cached = _HASHES.get(origin)
    if cached is None or cached[0] != key:
        train = bool(origin.meta.get("train"))
        nodes = {nid: node_hash(n, train) for nid, n in origin.nodes.items() if n.kind == "module"}
        cached = (key, scope_hashes(origin, train), nodes)
        _HASHES.put(origin, cached)
    return cached[1], cached[2]


def derive(origin: Graph, view: View) -> Graph:
    with bulk():
        return _derive(origin, view)


def _derive(origin: Graph, view: View) -> Graph:
    scope_h, node_h = _hashes(origin)
    scopes = {sid: Scope(s.id, s.path, s.call, s.parent, s.repeat, list(s.repeat_paths), scope_h.get(sid, ""))
              for sid, s in origin.scopes.items()}
    # Steps assign new values to node fields and never change the origin's lists in place,
    # so a shallow copy of each node is enough.
    nodes = {nid: n.copy() for nid, n in origin.nodes.items()}
    for nid, h in node_h.items():
        nodes[nid].structure = h
    w = _Work(nodes, list(origin.edges), scopes, {i: [i] for i in origin.nodes})
    if view.hidden:
        _splice(w, view.hidden)
    for pattern in view.patterns:
        _fuse(w, pattern)
    if view.collapsed:
        _collapse(w, origin, view.collapsed)
    if view.fold:
        _fold(w, origin, view.unfolded)
    if view.merge_wrappers:
        _merge_wrappers(w)
    if view.max_children:
        _group(w, origin, view.max_children)
    if origin.meta.get("metrics"):
        _aggregate_metrics(w, origin)
    g = Graph(nodes=w.nodes, edges=w.edges, modules=origin.modules, scopes=w.scopes, meta=dict(origin.meta))
    _LINEAGE.put(g, Lineage(origin, view, w.members))
    return g


def _aggregate_metrics(w: _Work, origin: Graph) -> None:
    """A node that stands for several (collapsed, fused, folded ×N) holds their combined
    metrics: sums of FLOPs, time, memory; for folded blocks the total of all N."""
    names = list(origin.meta["metrics"])
    for nid, n in w.nodes.items():
        members = w.members.get(nid)
        if members is not None and members != [nid]:
            n.metrics = aggregate(members, origin.nodes, names)


def _dedupe(edges: Iterable[Edge]) -> list[Edge]:
    """Parallel edges that carry the same tensor (same producer and output number) become one."""
    seen: set[tuple[int, int, int]] = set()
    out = []
    for e in edges:
        key = (e.source, e.target, e.source_output)
        if key not in seen and e.source != e.target:
            seen.add(key)
            out.append(e)
    return out


# -- hide --------------------------------------------------------------------------------------

def _splice(w: _Work, hidden: frozenset[int]) -> None:
    """Remove hidden nodes, connecting what fed each one to what it fed."""
    incoming: dict[int, list[Edge]] = defaultdict(list)
    for e in w.edges:
        incoming[e.target].append(e)
    through: dict[int, list[Edge]] = {}
    new_edges: list[Edge] = []
    for nid, n in w.nodes.items():
        resolved = []
        for e in incoming.get(nid, ()):
            if e.source in through:
                # The shape stays the producer's: hiding a reshape never moves its shape backwards.
                resolved.extend(replace(s, target=nid) for s in through[e.source])
            else:
                resolved.append(e)
        if nid in hidden and n.kind in ("op", "module"):
            through[nid] = resolved
        else:
            new_edges.extend(resolved)
    for nid in through:
        del w.nodes[nid]
        w.members.pop(nid, None)
    w.edges = _dedupe(new_edges)


# -- fuse patterns ----------------------------------------------------------------------------

def _fuse(w: _Work, pattern: tuple[str, ...]) -> None:
    """Fuse chains of nodes whose types follow ``pattern`` (each the only consumer of the last)."""
    succs, preds = w.succs(), w.preds()
    fused_into: dict[int, int] = {}
    chains = []
    for nid, n in w.nodes.items():
        if nid in fused_into or n.type != pattern[0] or n.kind not in ("op", "module"):
            continue
        chain = [nid]
        while len(chain) < len(pattern):
            last = chain[-1]
            nxt = succs[last]
            if len(nxt) != 1:
                break
            cand = w.nodes[nxt[0]]
            if cand.type != pattern[len(chain)] or preds[cand.id] != [last] or cand.scope != n.scope:
                break
            chain.append(cand.id)
        if len(chain) == len(pattern):
            chains.append(chain)
            for c in chain:
                fused_into[c] = nid
    for chain in chains:
        parts = [w.nodes[c] for c in chain]
        head = parts[0]
        head.parts = [{"id": p.id, "name": p.name, "type": p.type, "path": p.path, "attrs": p.attrs,
                       "params": p.params} for p in parts]
        head.type = " > ".join(pattern)
        head.kind = "module"
        head.params = sum(p.params for p in parts)
        head.out_shapes = parts[-1].out_shapes
        head.dynamic = any(p.dynamic for p in parts)
        head.structure = node_hash(head)
        for p in parts[1:]:
            w.members[head.id].extend(w.members.pop(p.id, []))
            del w.nodes[p.id]
    w.edges = _dedupe(replace(e, source=fused_into.get(e.source, e.source), target=fused_into.get(e.target, e.target))
                      for e in w.edges
                      if not (e.source in fused_into and e.target in fused_into
                              and fused_into[e.source] == fused_into[e.target]))


# -- collapse -----------------------------------------------------------------------------------

def _collapse(w: _Work, origin: Graph, collapsed: frozenset[int]) -> None:
    # The outermost collapsed scope around each scope, if any.
    top: dict[int, int | None] = {}

    def outermost(sid: int) -> int | None:
        if sid in top:
            return top[sid]
        s = w.scopes[sid]
        above = outermost(s.parent) if s.parent is not None else None
        top[sid] = result = above if above is not None else (sid if sid in collapsed else None)
        return result

    dynamic_paths = [p for p, m in origin.modules.items() if m.dynamic]
    rep: dict[int, int] = {}
    new_nodes: dict[int, Node] = {}
    made: dict[int, Node] = {}
    next_id = max(max(w.nodes, default=-1), max(origin.nodes, default=-1)) + 1
    for nid, n in w.nodes.items():
        c = outermost(n.scope)
        if c is None:
            new_nodes[nid] = n
            rep[nid] = nid
            continue
        box = made.get(c)
        if box is None:
            s = w.scopes[c]
            module = origin.modules.get(s.path)
            prefix = s.path + "."
            dynamic = any(p == s.path or p.startswith(prefix) for p in dynamic_paths)
            box = Node(next_id, "module", module.type if module else ("method" if s.path.endswith("()") else "Module"),
                       s.path.rsplit(".", 1)[-1] if s.path else (module.type if module else "model"),
                       s.path, s.parent if s.parent is not None else 0, attrs=dict(module.attrs) if module else {},
                       params=module.params if module else 0, dynamic=dynamic, collapsed=True,
                       structure=s.structure)
            next_id += 1
            made[c] = box
            new_nodes[box.id] = box
            w.members[box.id] = []
        rep[nid] = box.id
        w.members[box.id].extend(w.members.pop(nid, [nid]))
    boxes = {b.id for b in made.values()}
    in_seen: dict[int, set] = defaultdict(set)
    out_index: dict[tuple[int, int, int], int] = {}
    edges = []
    for e in w.edges:
        s, t = rep[e.source], rep[e.target]
        if s == t:
            continue
        tensor = (e.source, e.source_output)
        if t in boxes and tensor not in in_seen[t]:
            in_seen[t].add(tensor)
            new_nodes[t].in_shapes.append(e.shape)
        out = e.source_output
        if s in boxes:
            # A box numbers the distinct tensors that leave it.
            out = out_index.get((s, *tensor))
            if out is None:
                out = out_index[(s, *tensor)] = len(new_nodes[s].out_shapes)
                new_nodes[s].out_shapes.append(e.shape)
        edges.append(replace(e, source=s, target=t, source_output=out))
    w.nodes = new_nodes
    w.edges = _dedupe(edges)
    w.scopes = {sid: sc for sid, sc in w.scopes.items() if outermost(sid) is None}


# -- fold repeats --------------------------------------------------------------------------------

def _units(w: _Work) -> tuple[dict[int, list[tuple[str, int]]], dict[int, list[int]]]:
    """For each scope, its direct units in execution order: ("node", id) or ("scope", id);
    and for each scope, every node inside it (at any depth)."""
    position = {nid: i for i, nid in enumerate(w.nodes)}
    inside: dict[int, list[int]] = {sid: [] for sid in w.scopes}
    for nid, n in w.nodes.items():
        s: int | None = n.scope
        while s is not None:
            inside[s].append(nid)
            s = w.scopes[s].parent
    units: dict[int, list[tuple[int, tuple[str, int]]]] = {sid: [] for sid in w.scopes}
    for nid, n in w.nodes.items():
        units[n.scope].append((position[nid], ("node", nid)))
    for sid, s in w.scopes.items():
        if s.parent is not None and inside[sid]:
            units[s.parent].append((position[inside[sid][0]], ("scope", sid)))
    return {sid: [u for _, u in sorted(us)] for sid, us in units.items()}, inside


_LOOP_BODY = 8  # units in one pass of a Python loop that calls the same modules again


def _fold(w: _Work, origin: Graph, unfolded: frozenset[str]) -> None:
    units, inside = _units(w)
    succs = w.succs()
    keys: dict[tuple[str, int], Any] = {}
    member_sets: dict[tuple[str, int], set[int]] = {}

    def key(u: tuple[str, int]) -> Any:
        if u not in keys:
            kind, i = u
            if kind == "node":
                n = w.nodes[i]
                keys[u] = ("node", n.structure, n.collapsed) if n.kind == "module" and n.structure else None
            else:
                shown = tuple((w.nodes[x].kind, w.nodes[x].collapsed, w.nodes[x].structure, w.nodes[x].type)
                              for x in inside[i])
                keys[u] = ("scope", w.scopes[i].structure, shown)
        return keys[u]

    def members(u: tuple[str, int]) -> list[int]:
        return [u[1]] if u[0] == "node" else inside[u[1]]

    def member_set(u: tuple[str, int]) -> set[int]:
        if u not in member_sets:
            member_sets[u] = set(members(u))
        return member_sets[u]

    def feeds(a: tuple[str, int], b: tuple[str, int]) -> bool:
        targets = member_set(b)
        return any(t in targets for m in members(a) for t in succs[m])

    def path(u: tuple[str, int]) -> str:
        return w.nodes[u[1]].path if u[0] == "node" else w.scopes[u[1]].path

    depth: dict[int, int] = {}
    for sid in w.scopes:
        depth[sid] = len(_chain(w, sid))
    removed: set[int] = set()
    # Each run is a list of blocks, each block a list of units: one unit, or a period of 2-3
    # different ones (Swin's block, shifted block), kept with the scope holding them.
    runs: list[list[list[tuple[str, int]]]] = []
    hosts: list[int] = []

    def same_size(blocks: list[list[tuple[str, int]]]) -> bool:
        return len({sum(len(members(u)) for u in b) for b in blocks}) == 1

    def period_run(us: list[tuple[str, int]], i: int, p: int) -> list[list[tuple[str, int]]]:
        keys = [key(u) for u in us[i:i + p]]
        if len(keys) < p or None in keys or len(set(keys)) == 1:
            return []
        blocks = [us[i:i + p]]
        start = i + p
        while (start + p <= len(us) and [key(u) for u in us[start:start + p]] == keys
               and feeds(us[start - 1], us[start])):
            blocks.append(us[start:start + p])
            start += p
        return blocks if len(blocks) >= 2 and same_size(blocks) else []

    def loop_key(u: tuple[str, int]) -> Any:
        if u[0] == "scope":
            return ("scope", w.scopes[u[1]].path)
        n = w.nodes[u[1]]
        return (n.kind, n.path if n.kind == "module" else "", n.type, n.collapsed)

    def loop_run(us: list[tuple[str, int]], i: int, p: int) -> list[list[tuple[str, int]]]:
        """A Python loop that calls the same modules again, once per image or feature level:
        the inputs differ in shape and do not feed each other, but the calls are the same."""
        keys = [loop_key(u) for u in us[i:i + p]]
        if len(keys) < p or not any(k[0] in ("scope", "module") for k in keys):
            return []
        blocks = [us[i:i + p]]
        start = i + p
        while start + p <= len(us) and [loop_key(u) for u in us[start:start + p]] == keys:
            blocks.append(us[start:start + p])
            start += p
        return blocks if len(blocks) >= 2 and same_size(blocks) else []

    # Parents before children, so runs inside a block that is folded away are skipped.
    for sid in sorted(w.scopes, key=lambda s: depth[s]):
        parent = w.scopes[sid].parent
        if parent is not None and parent in removed:
            removed.add(sid)  # inside a block that is folded away
        if sid in removed:
            continue
        us = units[sid]
        i = 0
        while i < len(us):
            k = key(us[i])
            j = i + 1
            while k is not None and j < len(us) and key(us[j]) == k and feeds(us[j - 1], us[j]):
                j += 1
            blocks = [[u] for u in us[i:j]] if j - i >= 2 else next(
                (b for p in (2, 3) if (b := period_run(us, i, p))), []) or next(
                (b for p in range(1, _LOOP_BODY + 1) if (b := loop_run(us, i, p))), [])
            if blocks and path(us[i]) not in unfolded and same_size(blocks):
                runs.append(blocks)
                hosts.append(sid)
                removed.update(u[1] for b in blocks[1:] for u in b if u[0] == "scope")
                j = i + sum(len(b) for b in blocks)
            i = j

    def name(u: tuple[str, int]) -> str:
        return w.nodes[u[1]].type if u[0] == "node" and w.nodes[u[1]].kind == "op" else path(u)

    paths = [[", ".join(name(u) for u in block) for block in run] for run in runs]
    run_members = [[[m for u in block for m in members(u)] for block in run] for run in runs]
    # One pass over the edges for every run: each block after the first maps onto the first.
    counterpart: dict[int, int] = {}
    unit_of: dict[int, dict[int, int]] = defaultdict(dict)
    for r, groups in enumerate(run_members):
        for k, group in enumerate(groups):
            for a, b in zip(group, groups[0]):
                unit_of[a][r] = k
                if k:
                    counterpart[a] = b
    edges = []
    for e in w.edges:
        s, t = e.source, e.target
        dropped = False
        while True:
            us_, ut = unit_of.get(s), unit_of.get(t)
            if us_ and ut and any(r in us_ and us_[r] != k for r, k in ut.items()):
                dropped = True  # the chain from one block into the next
                break
            ns, nt = counterpart.get(s, s), counterpart.get(t, t)
            if (ns, nt) == (s, t):
                break
            s, t = ns, nt
        if not dropped:
            edges.append(e if (s, t) == (e.source, e.target) else replace(e, source=s, target=t))
    w.edges = _dedupe(edges)

    def final(x: int) -> int:
        while x in counterpart:
            x = counterpart[x]
        return x

    origin_ids = [[sorted(i for x in g for i in w.members.get(x, [x])) for g in groups] for groups in run_members]
    for x in counterpart:
        if x in w.nodes:
            w.members.setdefault(final(x), []).extend(w.members.pop(x, []))
            del w.nodes[x]
    train = bool(origin.meta.get("train"))
    next_sid = max(max(w.scopes), max(origin.scopes)) + 1
    for run, names, groups, host in zip(runs, paths, origin_ids, hosts):
        if len(run[0]) == 1:
            kind, head = run[0][0]
            target: Node | Scope = w.nodes[head] if kind == "node" else w.scopes[head]
        else:  # a period: its first blocks go into a new box that stands for all of them
            target = w.scopes[next_sid] = Scope(next_sid, w.scopes[host].path, 0, host, period=len(run[0]))
            for kind, i in run[0]:
                if kind == "node":
                    w.nodes[i].scope = next_sid
                else:
                    w.scopes[i].parent = next_sid
            next_sid += 1
        target.repeat, target.repeat_paths = len(run), names
        varies = _varies(origin, groups, train)
        if varies and isinstance(target, Node):
            target.attrs = {**target.attrs, "varies": varies}
        elif varies:
            target.varies = varies
    for sid in sorted(removed, key=lambda s: -depth.get(s, 0)):
        w.scopes.pop(sid, None)


_INERT_NAMES = {"p": "dropout", "drop_prob": "drop-path", "dropout": "dropout", "attention_dropout": "attention dropout",
                "dropout_p": "dropout"}


def _varies(origin: Graph, blocks: list[list[int]], train: bool) -> str:
    """What differs between the folded blocks in attributes that hashing leaves out:
    'drop-path 0–0.1', 'dropout 0.1–0.3'. Blocks are lists of origin node ids in order."""
    seen: dict[str, list[Any]] = {}
    for block in blocks:
        for pos, nid in enumerate(block):
            n = origin.nodes[nid]
            for k, v in inert_values(n.type, n.attrs, train).items():
                name = "drop-path" if k == "p" and ("StochasticDepth" in n.type or "DropPath" in n.type) \
                    else _INERT_NAMES.get(k, k.replace("_", " "))
                seen.setdefault(f"{pos}:{name}", []).append(v)
    out: dict[str, str] = {}
    for key, values in seen.items():
        name = key.split(":", 1)[1]
        if name in out or len({str(v) for v in values}) < 2:
            continue
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            out[name] = f"{name} {_short(min(values))}–{_short(max(values))}"
        else:
            out[name] = f"{name} {values[0]}…{values[-1]}"
    return ", ".join(out.values())


def _short(v: float) -> str:
    return f"{v:.3g}"


def _chain(w: _Work, sid: int) -> list[int]:
    out = []
    s = w.scopes[sid].parent
    while s is not None:
        out.append(s)
        s = w.scopes[s].parent
    return out


# -- wrappers and large modules ---------------------------------------------------------------

def _merge_wrappers(w: _Work) -> None:
    """A module box holding exactly one thing (one node or one box) gives way to that thing."""
    changed = True
    while changed:
        changed = False
        units, _ = _units(w)
        for sid, us in units.items():
            if sid == 0 or sid not in w.scopes or len(us) != 1 or w.scopes[sid].repeat > 1:
                continue
            parent = w.scopes[sid].parent
            kind, i = us[0]
            if kind == "node":
                w.nodes[i].scope = parent
            else:
                w.scopes[i].parent = parent
            del w.scopes[sid]
            changed = True
            break


def _group(w: _Work, origin: Graph, max_children: int) -> None:
    """Split a module with more than ``max_children`` direct parts into boxes of that many."""
    units, _ = _units(w)
    next_sid = max(max(w.scopes), max(origin.scopes)) + 1
    for sid, us in units.items():
        if len(us) <= max_children:
            continue
        parent_path = w.scopes[sid].path
        for start in range(0, len(us), max_children):
            chunk = us[start:start + max_children]
            g = Scope(next_sid, f"{parent_path}[{start}:{start + len(chunk)}]", 0, sid)
            w.scopes[next_sid] = g
            for kind, i in chunk:
                if kind == "node":
                    w.nodes[i].scope = next_sid
                else:
                    w.scopes[i].parent = next_sid
            next_sid += 1
