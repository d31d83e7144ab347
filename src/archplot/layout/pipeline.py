"""The layout pipeline: plan (ranks, order: size-independent, once per graph), then per box
positions and routes from sizes, deepest box first, then label slots; all in one Picture.

Each module box is laid out on its own as a small layered graph: its direct nodes and its child
boxes (whose sizes are known, since children are laid out first) are the units; tensors that
enter or leave the box attach to *ports* on its top and bottom borders. An edge between nodes in
different boxes is routed in pieces: inside the source's boxes out through their bottom ports,
across the level where the two meet, and in through top ports down to its target. Work is near
linear in the number of nodes, and every piece is planned in the frame of one box. Boxes with
the same local graph share one plan, and those that also have the same sizes one set of
coordinates: a model's repeated layers are laid out once.

Coordinates are computed top to bottom; a left-to-right picture goes in with its sizes
transposed and comes out transposed back.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property

from .labels import LabelSlot, place_labels
from .plan import plan
from .positions import place
from .routes import box_routes, join_routes, port_offsets
from .spec import NODE, Box, LayoutSpec, Local, Plan, Point
from .wrap import Laid, wrap


class Picture:
    """The laid-out picture, the one value every output reads: where each node and module box
    is, each edge's route, each tensor label's slot, and the plan the interactive viewer
    re-runs the coordinate step from. Made on first use: the viewer needs only the plan.

    ``spec`` is in picture orientation; ``lr`` lays it out left to right; ``at`` is where the
    top left corner goes. A picture longer than ``max_aspect`` : 1 wraps into columns (rows,
    left to right); ``target`` (width / height) wraps it to come closest to that shape."""

    def __init__(self, spec: LayoutSpec, lr: bool = False, at: Point = (0.0, 0.0), *,
                 max_aspect: float | None = None, target: float | None = None) -> None:
        self.spec, self.lr, self.at = spec, lr, at
        self.max_aspect, self.target = max_aspect, target

    @cached_property
    def plan(self) -> Plan:
        return plan(self.spec)

    @property
    def crossings(self) -> int:
        return sum(bp.structure.crossings for bp in self.plan.boxes.values())

    @cached_property
    def _laid(self) -> Laid:
        if not self.lr:
            return wrap((*_coordinates(self.plan, self.spec, self.at), {}), self.spec, self.at, self.max_aspect,
                        self.target)
        spec = replace(self.spec, node_size={nid: (h, w) for nid, (w, h) in self.spec.node_size.items()})
        at = (self.at[1], self.at[0])
        w, h, nodes, groups, routes, pieces = wrap((*_coordinates(self.plan, spec, at), {}), spec, at,
                                                   self.max_aspect, 1 / self.target if self.target else None)
        flip = lambda b: Box(b.y, b.x, b.h, b.w)  # noqa: E731
        return (h, w, {nid: flip(b) for nid, b in nodes.items()}, {sid: flip(b) for sid, b in groups.items()},
                [[(y, x) for x, y in pts] for pts in routes],
                {sid: [flip(b) for b in bs] for sid, bs in pieces.items()})

    @property
    def width(self) -> float:
        return self._laid[0]

    @property
    def height(self) -> float:
        return self._laid[1]

    @property
    def nodes(self) -> dict[int, Box]:
        return self._laid[2]

    @property
    def groups(self) -> dict[int, Box]:
        """The module boxes, by scope id."""
        return self._laid[3]

    @property
    def pieces(self) -> dict[int, list[Box]]:
        """Module boxes wrapped across columns: the pieces after the first (which is in ``groups``)."""
        return self._laid[5]

    @property
    def routes(self) -> list[list[Point]]:
        """One per edge of the spec, in its order."""
        return self._laid[4]

    @cached_property
    def labels(self) -> list[LabelSlot]:
        return place_labels(self.spec.edges, self.routes, self.nodes, self.spec.labels, self.spec.label_size, self.lr)


def _coordinates(p: Plan, spec: LayoutSpec,
                 at: Point) -> tuple[float, float, dict[int, Box], dict[int, Box], list[list[Point]]]:
    """Boxes of nodes and module boxes and edge routes, top to bottom, the top left corner at ``at``."""
    locals_: dict[int, Local] = {}
    done: dict[tuple, Local] = {}  # boxes with the same structure and sizes share coordinates
    label_room = spec.label_width
    for sid, bp in p.boxes.items():  # deepest first
        st = bp.structure
        sizes = []
        for u in bp.units:
            if u[0] == "n":
                sizes.append(spec.node_size[u[1]])
            else:
                c = locals_[u[1]]
                sizes.append((c.w, c.h))
        src_off, dst_off = port_offsets(bp, sizes, p.boxes, locals_)
        room: dict[int, float] = {}  # a node's tensor label sits right of its outgoing edge
        if label_room:
            for a, ks in st.unit_keys.items():
                if st.kind[a] == NODE:
                    widths = [label_room[kk] for kk in (bp.keys[k] for k in ks) if kk in label_room]
                    if widths:
                        room[a] = max(widths)
        header = spec.header.get(sid, (0.0, 0.0, 0.0, 0.0))
        is_root = spec.scope_parent[sid] is None
        signature = (id(st), tuple(sizes), tuple(src_off[i] for i in st.port_segs),
                     tuple(dst_off[i] for i in st.port_segs), tuple(room.items()), header, is_root)
        loc = done.get(signature)
        if loc is None:
            placed = place(st, sizes, src_off, dst_off, room, header, spec, is_root)
            loc = done[signature] = Local(placed.w, placed.h, placed.boxes, box_routes(st, placed, src_off, dst_off))
        locals_[sid] = loc

    # Absolute positions, top-down.
    origin: dict[int, Point] = {p.root: at}
    groups: dict[int, Box] = {}
    nodes: dict[int, Box] = {}
    for sid in sorted(locals_, key=lambda s: p.depth[s]):
        ox, oy = origin[sid]
        boxes = locals_[sid].boxes
        for u, (bx, by, bw, bh) in zip(p.boxes[sid].units, boxes):
            b = Box(ox + bx, oy + by, bw, bh)
            if u[0] == "n":
                nodes[u[1]] = b
            else:
                groups[u[1]] = b
                origin[u[1]] = (b.x, b.y)
    rl = locals_[p.root]
    return rl.w, rl.h, nodes, groups, join_routes(p, locals_, origin)
