"""The graph that every archplot stage reads and writes.

Nodes are the things a network does (inputs, outputs, calls of leaf modules, tensor ops);
edges are the tensors between them. Container modules are not nodes: each call of one is a
*scope*, and the nesting of scopes is what diagrams draw as module boxes. The module tree
(``modules``) records every module of the model by qualified name, called or not.

This module never imports torch, so a saved graph can be redrawn without it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

Shape = list[int | None]

NODE_KINDS = ("input", "output", "module", "op")

# name -> transform function (Graph -> Graph), filled in by archplot.transforms when it is
# imported (archplot's own import does that), so the methods below read naturally.
TRANSFORMS: dict[str, Callable[..., "Graph"]] = {}


@dataclass(slots=True)
class Node:
    """One box of the diagram.

    ``kind`` is "input", "output", "module" (a leaf-module call, or a collapsed container) or
    "op" (a function or tensor method). ``path`` is the module's qualified name for a module
    node and the innermost enclosing module for an op; ``scope`` is the id of the container
    call the node belongs to.
    """

    id: int
    kind: str
    type: str
    name: str
    path: str
    scope: int = 0
    attrs: dict[str, Any] = field(default_factory=dict)
    params: int = 0
    param_shapes: dict[str, Shape] = field(default_factory=dict)
    in_shapes: list[Shape] = field(default_factory=list)
    out_shapes: list[Shape] = field(default_factory=list)
    dynamic: bool = False
    # Set by transforms: a container drawn as one node, a run of identical blocks folded into
    # one (``repeat`` > 1, standing for ``repeat_paths``), or a pattern of nodes fused into one.
    collapsed: bool = False
    repeat: int = 1
    repeat_paths: list[str] = field(default_factory=list)
    structure: str = ""
    parts: list[dict[str, Any]] = field(default_factory=list)
    # Numbers measured at capture for overlays ({"flops": 1.2e9, "time": 0.004, ...}); a node
    # that stands for several (collapsed, folded, fused) holds their aggregate.
    metrics: dict[str, float] = field(default_factory=dict)

    def copy(self) -> "Node":
        """A shallow copy (several times quicker than ``copy.copy`` on a slotted class)."""
        return Node(self.id, self.kind, self.type, self.name, self.path, self.scope, self.attrs, self.params,
                    self.param_shapes, self.in_shapes, self.out_shapes, self.dynamic, self.collapsed, self.repeat,
                    self.repeat_paths, self.structure, self.parts, self.metrics)


@dataclass(slots=True)
class Edge:
    """A tensor from its exact producer (output number ``source_output``) to one consumer."""

    source: int
    target: int
    shape: Shape | None
    dtype: str | None
    source_output: int = 0


@dataclass(slots=True)
class Module:
    """An entry of the module tree. ``params`` counts the whole subtree, shared weights once."""

    path: str
    type: str
    parent: str | None
    params: int = 0
    trainable_params: int = 0
    buffers: int = 0
    calls: int = 0
    dynamic: bool = False
    dynamic_reason: str | None = None
    leaf: bool = False
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def frozen_params(self) -> int:
        return self.params - self.trainable_params

    @property
    def depth(self) -> int:
        return 0 if self.path == "" else self.path.count(".") + 1


@dataclass(slots=True)
class Scope:
    """One call of a container module: call number ``call`` of module ``path``."""

    id: int
    path: str
    call: int
    parent: int | None
    repeat: int = 1
    repeat_paths: list[str] = field(default_factory=list)
    structure: str = ""
    varies: str = ""  # a folded run: what differs between its blocks ("drop-path 0–0.1")
    period: int = 1  # a folded run of groups of this many different blocks: (block, shifted block) ×3


def adjacency(node_ids: Any, edges: list[Edge], reverse: bool = False) -> dict[int, list[int]]:
    """Node id -> its neighbours along (or, with ``reverse``, against) the edges, without repeats."""
    out: dict[int, list[int]] = {i: [] for i in node_ids}
    for e in edges:
        a, b = (e.target, e.source) if reverse else (e.source, e.target)
        if b not in out[a]:
            out[a].append(b)
    return out


@dataclass
class Graph:
    """A captured network: nodes in execution order, tensor edges, module tree and scopes.

    Build one with :func:`archplot.trace` (or load one with :meth:`Graph.from_json`); every
    transform returns a new Graph and leaves this one untouched.
    """

    nodes: dict[int, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    modules: dict[str, Module] = field(default_factory=dict)
    scopes: dict[int, Scope] = field(default_factory=lambda: {0: Scope(0, "", 0, None)})
    meta: dict[str, Any] = field(default_factory=dict)

    # -- building ---------------------------------------------------------------------------

    def add_node(self, kind: str, type: str, name: str, path: str = "", scope: int = 0, **fields: Any) -> Node:
        """Append a node with the next free id and return it."""
        if kind not in NODE_KINDS:
            raise ValueError(f"node kind must be one of {', '.join(NODE_KINDS)}, not {kind!r}")
        node = Node(self.next_id(), kind, type, name, path, scope, **fields)
        self.nodes[node.id] = node
        return node

    def next_id(self) -> int:
        return (max(self.nodes) + 1) if self.nodes else 0

    # -- reading ----------------------------------------------------------------------------

    @property
    def inputs(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == "input"]

    @property
    def outputs(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == "output"]

    def successors(self) -> dict[int, list[int]]:
        """Node id -> ids of the nodes it feeds, without repeats, in edge order."""
        return adjacency(self.nodes, self.edges)

    def predecessors(self) -> dict[int, list[int]]:
        """Node id -> ids of the nodes that feed it, without repeats, in edge order."""
        return adjacency(self.nodes, self.edges, reverse=True)

    def scope_chain(self, scope_id: int) -> list[Scope]:
        """The scopes from the top level down to ``scope_id`` (the root scope excluded)."""
        chain = []
        s: int | None = scope_id
        while s is not None and s != 0:
            scope = self.scopes[s]
            chain.append(scope)
            s = scope.parent
        chain.reverse()
        return chain

    def boundary_edges(self) -> tuple[dict[int, list[Edge]], dict[int, list[Edge]]]:
        """For each scope, the edges that enter it and the edges that leave it."""
        chain = {sid: {s.id for s in self.scope_chain(sid)} for sid in self.scopes}
        entering: dict[int, list[Edge]] = {sid: [] for sid in self.scopes}
        leaving: dict[int, list[Edge]] = {sid: [] for sid in self.scopes}
        for e in self.edges:
            src, dst = chain[self.nodes[e.source].scope], chain[self.nodes[e.target].scope]
            for sid in dst - src:
                entering[sid].append(e)
            for sid in src - dst:
                leaving[sid].append(e)
        return entering, leaving

    def scope_depth(self, scope_id: int) -> int:
        return len(self.scope_chain(scope_id))

    @property
    def total_params(self) -> int:
        root = self.modules.get(self.meta.get("root", ""))
        return root.params if root else sum(n.params for n in self.nodes.values())

    def copy(self) -> "Graph":
        return copy.deepcopy(self)

    def module_depth(self, node: Node) -> int:
        """How deep the module a node stands for is nested (top-level modules are 1)."""
        return self.scope_depth(node.scope) + (1 if node.kind == "module" else 0)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def __len__(self) -> int:
        return len(self.nodes)

    def __repr__(self) -> str:
        name = self.meta.get("model", "model")
        return (
            f"<archplot.Graph of {name}: {len(self.nodes)} nodes, {len(self.edges)} edges, "
            f"{len(self.modules)} modules, {self.total_params:,} parameters>"
        )

    # -- transforms (implemented in archplot.transforms, which registers them in TRANSFORMS:
    # this module is plain data and imports nothing later in the pipeline) -------------------

    def collapse(self, paths: Any = None, *, depth: int | None = None) -> "Graph":
        """Draw modules as single nodes: deeper than ``depth``, or matching ``paths`` (globs)."""
        return TRANSFORMS["collapse"](self, paths, depth=depth)

    def expand(self, paths: Any = None) -> "Graph":
        """Show the inside of the matching modules (everything when no paths are given)."""
        return TRANSFORMS["expand"](self, paths)

    def focus(self, path: str, *, call: int = 0) -> "Graph":
        """Only the inside of one module call, with its inputs and outputs."""
        return TRANSFORMS["focus"](self, path, call=call)

    def fold_repeats(self) -> "Graph":
        """Fold runs of identical consecutive blocks into one node marked ×N."""
        return TRANSFORMS["fold_repeats"](self)

    def unfold(self, paths: Any = None) -> "Graph":
        """Undo folding, of all runs or of those starting at ``paths``."""
        return TRANSFORMS["unfold"](self, paths)

    def hide(self, types: Any = None, *, where: Any = None, trivial: bool = False) -> "Graph":
        """Splice out nodes by type, predicate, or the ``trivial`` preset; the data path stays connected."""
        return TRANSFORMS["hide"](self, types, where=where, trivial=trivial)

    def fuse(self, pattern: Any) -> "Graph":
        """Fuse chains such as ``"Conv2d > BatchNorm2d > ReLU"`` into one node."""
        return TRANSFORMS["fuse"](self, pattern)

    def prune(self) -> "Graph":
        """Drop nodes whose results reach no output."""
        return TRANSFORMS["prune"](self)

    def merge_wrappers(self) -> "Graph":
        """Let module boxes that hold exactly one thing give way to it."""
        return TRANSFORMS["merge_wrappers"](self)

    def group_children(self, max_children: int = 64) -> "Graph":
        """Split modules with more than ``max_children`` direct parts into boxes."""
        return TRANSFORMS["group_children"](self, max_children)

    # -- formats (implemented in graph.serialize) -------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The graph as plain JSON-ready data (see the schema in the README)."""
        from .serialize import graph_to_dict

        return graph_to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Graph":
        from .serialize import graph_from_dict

        return graph_from_dict(data)

    def to_json(self, path: Any = None, *, indent: int | None = None) -> str:
        """The graph as JSON text; also written to ``path`` when one is given."""
        from .serialize import graph_to_json

        return graph_to_json(self, path, indent=indent)

    @classmethod
    def from_json(cls, path_or_text: Any) -> "Graph":
        """Load a graph saved by :meth:`to_json` from a path or from JSON text."""
        from .serialize import graph_from_json

        return graph_from_json(path_or_text)

    def to_networkx(self) -> Any:
        """A ``networkx.MultiDiGraph``: node attributes as in the JSON, one edge per tensor."""
        from .serialize import graph_to_networkx

        return graph_to_networkx(self)
