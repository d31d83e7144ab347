"""The values the layout phases pass along: what to lay out (LayoutSpec), the size-independent
plan of every module box (Structure, BoxPlan, Plan), and boxes in coordinates (Box, Local)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable

Point = tuple[float, float]

# vertex kinds in a box's local graph
NODE, BOX, IN, OUT, DUMMY = range(5)
REAL = (NODE, BOX)


@dataclass
class LayoutSpec:
    """What to lay out: sizes of nodes, the box tree, edges (``key`` names the tensor)."""

    node_size: dict[int, tuple[float, float]]
    node_scope: dict[int, int]
    scope_parent: dict[int, int | None]
    edges: list[tuple[int, int, Hashable]]
    # Per box, room for its title: (extra padding at the rank start, at the order start,
    # minimum inner extent along the order axis, along the rank axis).
    header: dict[int, tuple[float, float, float, float]] = field(default_factory=dict)
    label_width: dict[Hashable, float] = field(default_factory=dict)  # room kept right of a node for its label
    # A tensor's label and its width, placed beside where the tensor leaves its producer.
    labels: dict[Hashable, tuple[str, float]] = field(default_factory=dict)
    label_size: float = 9.5
    node_gap: float = 24.0
    rank_gap: float = 36.0
    pad: float = 12.0
    dummy_width: float = 10.0


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float


@dataclass
class Structure:
    """One local graph, ranked and ordered, in canonical numbering. Vertices are the units
    (0 .. units-1, in run order), then input ports, output ports and dummy points; tensors are
    numbered by first use. Shared by every box with the same local graph."""

    kind: list[int]
    port_key: list[int]  # the tensor of a port vertex, -1 for others
    in_port: dict[int, int]  # tensor -> its input port vertex
    out_port: dict[int, int]
    layers: list[list[int]]
    rank: list[int]
    chains: list[tuple[int, int, int, list[int]]]  # per local edge: (a, b, tensor, path through dummies)
    segs: list[tuple[int, int, float, int, int]]  # (x, y, weight, tensor of x's port, of y's port; -1: centre)
    seg_pred: list[list[int]]  # per vertex, the segments that end there
    seg_succ: list[list[int]]
    port_segs: list[int]  # segments that attach to a child box's port
    unit_keys: dict[int, list[int]]  # the tensors leaving each unit
    crossings: int
    nranks: int
    first_dummy: int


@dataclass
class BoxPlan:
    """One box of a plan: its canonical structure and what the numbers stand for."""

    units: list[Hashable]  # ("n", node id) and ("s", child box id), in run order
    keys: list[Hashable]  # canonical tensor number -> the tensor's key
    key_index: dict[Hashable, int]
    structure: Structure

    def port(self, key: Hashable, out: bool) -> int | None:
        """The vertex where tensor ``key`` leaves (``out``) or enters this box, if it does."""
        k = self.key_index.get(key)
        return (self.structure.out_port if out else self.structure.in_port).get(k) if k is not None else None

    def tokens(self) -> list[Hashable]:
        """Per vertex: ("n", id) / ("s", id) units, ("in"/"out", key) ports, ("d", k) dummies."""
        st = self.structure
        out: list[Hashable] = list(self.units)
        for v in range(len(self.units), len(st.kind)):
            k = st.kind[v]
            out.append(("in" if k == IN else "out", self.keys[st.port_key[v]]) if k != DUMMY else ("d", v - st.first_dummy))
        return out


@dataclass
class Plan:
    """Everything about a layout that does not depend on sizes: per box (deepest first) its
    structure; per edge the pieces (box, local edge number) it is made of."""

    children: dict[int, list[int]]
    depth: dict[int, int]
    boxes: dict[int, BoxPlan]
    pieces: list[list[tuple[int, int]]]
    root: int


@dataclass
class Local:
    """One box's layout in its own frame: a box (x, y, w, h) per vertex (None for dummy
    points) and a route per local edge."""

    w: float
    h: float
    boxes: list[tuple[float, float, float, float] | None]
    routes: list[list[Point]]


