"""The drawing styles known from papers and tutorials, on the same captured graph:

- ``graph``: each layer a column of neurons (or one box with ``show_neurons=False``);
- ``layered``: one 3-D box per layer, sized by its output tensor, with funnels between layers;
- ``lenet``: stacked feature maps ``64@112×112`` with kernel windows, fully connected layers as bars.

Layers run left to right and are placed by the same layered layout as the diagrams, so
branches are drawn as branches and skip connections run in the gaps, never through a layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from ..errors import InputError
from ..graph import Graph, Node
from ..layout import LayoutSpec, Picture
from ..backends.scene import Circle, Group, Path, Polygon, Rect, Scene, Text
from ..backends.text import text_width
from .labels import family, human, shape_text
from .theme import FAMILIES, color_map_lookup, get_theme, mix

MARGIN = 20.0
LABEL = 11.0  # at least 10 px for every text at scale 1, the smaller second lines included
# Long networks wrap into rows: no side longer than MAX_SIDE, no shape longer than MAX_ASPECT,
# aiming at a landscape ROW_ASPECT; rows break between stages where they can.
MAX_SIDE = 3000.0
MAX_ASPECT = 4.0
ROW_ASPECT = 1.8
SHORT_STRIP = 1600.0  # a strip no longer than this reads fine on a page, whatever its shape
ROW_GAP = 40.0  # between rows: the edges from one row to the next run here
INDENT = 18.0  # left of every row: room for those edges to come down and turn in
LANE = 10.0  # between the lanes of skip connections below a row


@dataclass(kw_only=True)
class ClassicStyle:
    """The options every classic style reads; each style adds its own. Made with an option the
    style does not use, it refuses it (see :func:`style_for`)."""

    name: ClassVar[str] = ""
    color_map: Any = None
    layer_spacing: float | None = None
    show_shapes: bool = True
    legend: bool = True
    type_ignore: Any = ()
    theme: str = "light"
    title: str | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name in _SIZES and v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0):
                raise InputError(f"{f.name} must be a non-negative number, not {v!r}")
        get_theme(self.theme)

    @classmethod
    def options(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def scene(self, g: Graph) -> Scene:
        raise NotImplementedError


_SIZES = ("layer_spacing", "spacing", "node_size", "scale_xy", "scale_z", "min_size", "max_size")


@dataclass(kw_only=True)
class GraphStyle(ClassicStyle):
    """``graph``: each layer a column of neurons (or one box with ``show_neurons=False``)."""

    name: ClassVar[str] = "graph"
    node_size: float = 12.0
    show_neurons: bool = True
    max_neurons: int = 12

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.max_neurons, int) or self.max_neurons < 2:
            raise InputError(f"max_neurons must be an integer of at least 2, not {self.max_neurons!r}")

    def scene(self, g: Graph) -> Scene:
        return graph_style(g, self)


@dataclass(kw_only=True)
class _SizedStyle(ClassicStyle):
    """Styles that size each layer by its output tensor, within ``min_size`` .. ``max_size``."""

    spacing: float | None = None
    scale_xy: float = 1.0
    min_size: float = 10.0
    max_size: float = 160.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.min_size > self.max_size:
            raise InputError(f"min_size ({self.min_size}) is larger than max_size ({self.max_size})")


@dataclass(kw_only=True)
class LayeredStyle(_SizedStyle):
    """``layered``: one 3-D box per layer, sized by its output tensor, funnels between layers."""

    name: ClassVar[str] = "layered"
    scale_z: float = 1.0

    def scene(self, g: Graph) -> Scene:
        return layered_style(g, self)


@dataclass(kw_only=True)
class LenetStyle(_SizedStyle):
    """``lenet``: stacked feature maps ``64@112×112`` with kernel windows, dense layers as bars."""

    name: ClassVar[str] = "lenet"

    def scene(self, g: Graph) -> Scene:
        return lenet_style(g, self)


def style_for(name: str, given: dict[str, Any], elsewhere: Any = ()) -> ClassicStyle:
    """The classic style ``name`` with the options ``given``. An option it does not use is an
    error: one of another style (``elsewhere``, e.g. ``depth`` of the diagram) or an unknown one."""
    cls = STYLES[name]
    valid = cls.options()
    unused = [k for k in given if k not in valid]
    if unused:
        elsewhere = set(elsewhere).union(*(other.options() for other in STYLES.values()))
        other = [k for k in unused if k in elsewhere]
        unknown = [k for k in unused if k not in elsewhere]
        said = ([f"does not use {', '.join(map(repr, other))}"] if other else []) + (
            [f"got unknown option{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"] if unknown else [])
        raise InputError(f"style={name!r} {' and '.join(said)}; valid options are: {', '.join(sorted(valid))}")
    return cls(**given)


def layers_of(g: Graph, opts: ClassicStyle) -> Graph:
    """The graph as a flat sequence of layers: leaf modules and the ops that join branches."""
    v = g.expand().hide(trivial=True)
    if opts.type_ignore:
        ignore = [t if isinstance(t, str) else getattr(t, "__name__", str(t)) for t in opts.type_ignore]
        v = v.hide(ignore)
    # shape ops that only reshape (flatten, permute) stay as layers; pure plumbing is gone
    return v.prune()


# -- colours -------------------------------------------------------------------------------------

def _colors(n: Node, opts: ClassicStyle) -> tuple[str, str]:
    """(fill, outline) of a layer: the user's colour map first, then the family colour."""
    theme = get_theme(opts.theme)
    base, fill, outline = color_map_lookup(opts.color_map, (n.type, family(n)))
    if base or fill or outline:
        fill = base or fill or "#cccccc"
        return fill, outline or mix(fill, "#000000", 0.35)
    fam = family(n)
    if n.kind in ("input", "output"):
        return (mix(theme.text, theme.background, 0.8), mix(theme.text, theme.background, 0.3))
    base = FAMILIES.get(fam, FAMILIES["other"])
    fill, stroke, _ = theme.node_colors(base, fam)
    return (base if theme.name != "print" else fill), stroke


def _legend(g: Graph, opts: ClassicStyle, x0: float, y0: float, max_w: float) -> tuple[list[Any], float]:
    """One swatch per layer type drawn (types, as the colour map is keyed by class)."""
    theme = get_theme(opts.theme)
    seen: dict[str, tuple[str, str]] = {}
    for n in g.nodes.values():
        if n.kind in ("module", "op") and n.type not in seen:
            seen[n.type] = _colors(n, opts)
    items: list[Any] = []
    x, y = x0, y0
    for name, (fill, outline) in seen.items():
        w = 20 + text_width(name, LABEL) + 16
        if x + w > x0 + max_w and x > x0:
            x, y = x0, y + 18
        items.append(Rect(x, y - 10, 14, 11, fill, outline, 1.0, rx=2))
        items.append(Text(x + 19, y, name, LABEL, theme.muted))
        x += w
    return items, (y - y0) + 18 if seen else 0.0


def _features(n: Node) -> int:
    """How many neurons a layer has: channels for feature maps, the last size otherwise."""
    shape = n.out_shapes[0] if n.out_shapes else (n.in_shapes[0] if n.in_shapes else None)
    if not shape:
        return 1
    dims = [d for d in shape[1:] if d is not None] or [d for d in shape if d is not None] or [1]
    if n.type.startswith("Conv") or n.type.startswith("BatchNorm") or len(dims) == 3:
        return int(dims[0])
    return int(dims[-1])


def _dense(n: Node) -> bool:
    return n.type in ("Linear", "LazyLinear", "Bilinear") or n.type == "Conv1D"


def _place(g: Graph, sizes: dict[int, tuple[float, float]], rank_gap: float, node_gap: float, lr: bool = True) -> Picture:
    spec = LayoutSpec(
        node_size=sizes,
        node_scope={nid: 0 for nid in g.nodes},
        scope_parent={0: None},
        edges=[(e.source, e.target, (e.source, e.source_output)) for e in g.edges],
        node_gap=node_gap, rank_gap=rank_gap,
    )
    return Picture(spec, lr)


# -- rows: long networks wrap ---------------------------------------------------------------------

@dataclass
class _Rows:
    """Where each laid-out node goes when the left-to-right picture wraps into rows: rows
    stacked top to bottom, each as tall as its own layers plus what a style draws below them."""

    row: dict[int, int]  # node -> row
    start: list[float]  # the laid-out x at which each row begins
    top: list[float]  # the laid-out y of each row's highest layer
    tall: list[float]  # each row's layers, top to bottom
    width: float  # the widest row, indent included
    below: list[float] = field(default_factory=list)  # what is drawn under each row (labels, lanes)

    @property
    def count(self) -> int:
        return len(self.start)

    def offset(self, r: int) -> float:
        below = self.below or [0.0] * self.count
        return sum(self.tall[i] + below[i] + ROW_GAP for i in range(r))

    @property
    def height(self) -> float:
        return self.offset(self.count) - ROW_GAP

    def move(self, nid: int, x: float, y: float) -> tuple[float, float]:
        """A laid-out point of node ``nid``'s row, where it is drawn."""
        r = self.row[nid]
        return x - self.start[r] + (INDENT if self.count > 1 else 0.0), y - self.top[r] + self.offset(r)

    def bottom(self, r: int, oy: float) -> float:
        """The y below row ``r`` and what is drawn under it (where the gap to the next row begins)."""
        return oy + self.offset(r + 1) - ROW_GAP


def _stage(n: Node, depth: int) -> str:
    return ".".join(n.path.split(".")[:depth]) if n.path else n.name


def _stage_depth(g: Graph) -> int:
    """The module depth whose modules are the network's stages: the shallowest at which no one
    module holds more than half of the layers (ResNet's layer1..4, MobileNet's features.N)."""
    for depth in range(1, 6):
        counts: dict[str, int] = {}
        for n in g.nodes.values():
            counts[_stage(n, depth)] = counts.get(_stage(n, depth), 0) + 1
        if max(counts.values(), default=0) <= len(g.nodes) / 2:
            return depth
    return 1


def _wrap(g: Graph, res: Any, below: float) -> _Rows:
    """Rows for a left-to-right layout with ``below`` drawn under each row: one row when the picture
    fits MAX_SIDE and MAX_ASPECT, else as many as make it closest to ROW_ASPECT, cut between
    columns, at the boundary between two stages where one is near."""
    spans = sorted((b.x, b.x + b.w, nid) for nid, b in res.nodes.items())
    depth = _stage_depth(g)
    cuts: list[tuple[float, bool]] = []  # x between two columns, and whether a stage ends there
    reach, last = -math.inf, None
    for x0, x1, nid in spans:
        if last is not None and x0 > reach:
            cuts.append(((reach + x0) / 2, _stage(g.nodes[last], depth) != _stage(g.nodes[nid], depth)))
        if x1 >= reach:
            reach, last = x1, nid
    legend = 60.0

    def cut(k: int) -> list[float]:
        chosen: list[float] = []
        step = res.width / k
        for j in range(1, k):
            options = [(x, stage) for x, stage in cuts if not chosen or x > chosen[-1]]
            if not options:
                break
            x, _ = min(options, key=lambda c: abs(c[0] - j * step) - (0.3 * step if c[1] else 0.0))
            chosen.append(x)
        return chosen

    def shape(chosen: list[float]) -> tuple[float, float]:
        bounds = [0.0] + chosen + [res.width]
        k = len(bounds) - 1
        w = max(b - a for a, b in zip(bounds, bounds[1:])) + (2 * INDENT if k > 1 else 0.0) + 2 * MARGIN
        return w, k * (res.height + below) + (k - 1) * ROW_GAP + 2 * MARGIN + legend

    def fits(size: tuple[float, float]) -> bool:
        return max(size) <= MAX_SIDE and max(size) / min(size) <= MAX_ASPECT

    options = [cut(k) for k in range(1, len(cuts) + 2)]
    if fits(shape([])) or max(shape([])) <= SHORT_STRIP:
        chosen: list[float] = []
    else:
        good = [c for c in options if fits(shape(c))]
        chosen = min(good, key=lambda c: abs(math.log(shape(c)[0] / shape(c)[1] / ROW_ASPECT))) if good \
            else min(options, key=lambda c: max(shape(c)))
    start = [0.0] + chosen
    row = {nid: sum(1 for c in chosen if b.x > c) for nid, b in res.nodes.items()}
    ends, tops, lows = [0.0] * len(start), [math.inf] * len(start), [0.0] * len(start)
    for nid, b in res.nodes.items():
        r = row[nid]
        ends[r], tops[r], lows[r] = max(ends[r], b.x + b.w - start[r]), min(tops[r], b.y), max(lows[r], b.y + b.h)
    if len(start) == 1:
        tops, lows = [0.0], [res.height]  # one row keeps the layout's own frame
    width = max(ends) + (2 * INDENT if len(start) > 1 else 0.0)  # room on the right for edges to turn down
    return _Rows(row, start, tops, [lo - t for lo, t in zip(lows, tops)], width)


def _between_rows(a: tuple[float, float, float, float], b: tuple[float, float, float, float], gap_y: float,
                  theme: Any, lane: int, obstacles: list[tuple[float, float, float, float]] = ()) -> list[Any]:
    """An edge from box ``a`` in one row to box ``b`` in a later row: out of a's right side,
    down the gap right of a's column into the gap below a's row, back left, down the gap left
    of b's column and in at b's side, with its arrowhead. ``lane`` (0..3) keeps such edges apart."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    sy, ty = ay + ah / 2, by + bh / 2
    lane = lane % 4
    column_right = max([o[0] + o[2] for o in obstacles if o[0] < ax + aw and o[0] + o[2] > ax] + [ax + aw])
    column_left = min([o[0] for o in obstacles if o[0] < bx + bw and o[0] + o[2] > bx] + [bx])
    right = column_right + 6 + 3 * lane
    left = column_left - 6 - 3 * lane
    y = gap_y + ROW_GAP / 2 - 6 + 4 * lane
    pts = [(ax + aw, sy), (right, sy), (right, y), (left, y), (left, ty), (bx - 1, ty)]
    return [Path(pts, theme.edge, 1.2), Polygon([(bx, ty), (bx - 7, ty - 3.5), (bx - 7, ty + 3.5)], theme.edge)]


def _skip(a: tuple[float, float, float, float], b: tuple[float, float, float, float], lane_y: float,
          theme: Any, obstacles: list[tuple[float, float, float, float]] = ()) -> list[Any]:
    """A skip connection within a row: down from the bottom of its layer, along a lane below
    every layer of the row, and up into the bottom of the layer it joins. Where another layer
    sits below either end (a parallel branch), the line leaves or enters by the side instead,
    through the gap between columns, so it never crosses a layer."""
    sx, sy, sw, sh = a  # boxes and obstacles are (x, y, width, height)
    tx, ty, tw, th = b

    def clear(x: float, y0: float) -> bool:
        return not any(o[0] < x < o[0] + o[2] and o[1] + o[3] > y0 and o[1] < lane_y for o in obstacles
                       if o not in (a, b))

    x0, x1 = sx + sw / 2, tx + tw / 2
    if clear(x0, sy + sh):
        start = [(x0, sy + sh), (x0, lane_y - 8), (x0 + 8, lane_y)]
    else:
        x0 = sx + sw + 6
        start = [(sx + sw, sy + sh / 2), (x0, sy + sh / 2), (x0, lane_y - 8), (x0 + 8, lane_y)]
    if clear(x1, ty + th):
        end = [(x1 - 8, lane_y), (x1, lane_y - 8), (x1, ty + th + 2)]
        head = [(x1, ty + th), (x1 - 3.5, ty + th + 7), (x1 + 3.5, ty + th + 7)]
    else:
        x1, y1 = tx - 6, ty + th / 2
        end = [(x1 - 8, lane_y), (x1, lane_y - 8), (x1, y1), (tx - 1, y1)]
        head = [(tx, y1), (tx - 7, y1 - 3.5), (tx - 7, y1 + 3.5)]
    return [Path(start + end, theme.edge, 1.3, curve=None), Polygon(head, theme.edge)]



def _finish(g: Graph, opts: ClassicStyle, items: list[Any], width: float, height: float, top: float) -> Scene:
    theme = get_theme(opts.theme)
    total_w = width + 2 * MARGIN
    total_h = top + height + MARGIN
    if opts.legend:
        legend, lh = _legend(g, opts, MARGIN, total_h + 4, max(total_w - 2 * MARGIN, 300.0))
        items.extend(legend)
        total_h += lh + 8
        total_w = max(total_w, 300.0 + 2 * MARGIN)
    if opts.title:
        items.insert(0, Text(MARGIN, MARGIN + 13, opts.title, 14, theme.text, bold=True))
    return Scene(round(total_w, 1), round(total_h, 1), items, theme.background, title=opts.title)


# -- graph: neurons in columns -------------------------------------------------------------------

def graph_style(g: Graph, opts: GraphStyle) -> Scene:
    g = layers_of(g, opts)
    theme = get_theme(opts.theme)
    r = opts.node_size / 2
    gap = r * 0.8
    look: dict[int, tuple[float, float, int, int]] = {}  # w, h, drawn, true count
    for nid, n in g.nodes.items():
        count = _features(n)
        if opts.show_neurons:
            drawn = min(count, opts.max_neurons)
            h = drawn * (2 * r + gap) - gap + (2 * r + gap if count > drawn else 0.0)
            # as wide as its header, so that neighbouring headers never run together
            header = text_width(_title(n), LABEL, True) + 8 if opts.show_shapes else 0.0
            look[nid] = (max(2 * r, header), max(h, 2 * r), drawn, count)
        else:
            label_w = max(text_width(_title(n), LABEL + 1, True), text_width(_count_text(n, count), LABEL))
            look[nid] = (label_w + 16, 44.0, 0, count)
    head = (opts.title and 24.0 or 0.0) + (LABEL + 8 if opts.show_shapes else 0.0)
    rank_gap = opts.layer_spacing if opts.layer_spacing is not None else (40.0 if opts.show_neurons else 36.0)
    res = _place(g, {nid: (w, h) for nid, (w, h, _, _) in look.items()}, rank_gap, 28.0)
    below = LABEL + 10 if opts.show_shapes else 8.0  # the neuron counts under the columns
    # skip connections: those that jump over a layer; the rest join neighbouring columns
    skips = [i for i, route in enumerate(res.routes) if len(route) > 4]
    rows = _wrap(g, res, below + 8 + LANE * min(len(skips), 4))
    lanes_in_row = [0] * rows.count
    for i in skips:
        e = g.edges[i]
        if rows.row[e.source] == rows.row[e.target]:
            lanes_in_row[rows.row[e.source]] += 1
    rows.below = [below + (8 + LANE * n if n else 0.0) for n in lanes_in_row]
    ox, oy = MARGIN, MARGIN + head
    items: list[Any] = []
    pos: dict[int, list[tuple[float, float]]] = {}
    boxes = {}
    for nid, b in res.nodes.items():
        x, y = rows.move(nid, b.x, b.y)
        boxes[nid] = (x + ox, y + oy, b.w, b.h)
    for nid, (x, y, w, h) in boxes.items():
        _, _, drawn, count = look[nid]
        if drawn:
            pos[nid] = [(x + w / 2, y + r + i * (2 * r + gap)) for i in range(drawn)]
    # wiring first, so neurons sit on top of it
    lane_used = [0] * rows.count
    crossing = [0] * rows.count
    dense_seen = conv_seen = False
    for k, (e, route) in enumerate(zip(g.edges, res.routes)):
        dst = g.nodes[e.target]
        a, b = pos.get(e.source), pos.get(e.target)
        row = rows.row[e.source]
        if rows.row[e.target] != row:
            items.extend(_between_rows(boxes[e.source], boxes[e.target], rows.bottom(row, oy), theme, crossing[row]))
            crossing[row] += 1
        elif len(route) > 4:  # no dummy points means the two layers are neighbours
            lane_y = rows.bottom(row, oy) - LANE * (lanes_in_row[row] - lane_used[row]) + 4
            lane_used[row] += 1
            items.extend(_skip(boxes[e.source], boxes[e.target], lane_y, theme))
        elif a and b and _dense(dst):
            dense_seen = True
            for p in a:
                for q in b:
                    items.append(Path([(p[0] + r, p[1]), (q[0] - r, q[1])], theme.edge, 0.5, opacity=0.45))
        elif a and b and dst.type.startswith("Conv"):
            # every output channel sees every input channel, but only a small window in space
            conv_seen = True
            for p in a:
                for q in b:
                    items.append(Path([(p[0] + r, p[1]), (q[0] - r, q[1])], theme.edge, 0.5, dash=(3.0, 3.0),
                                      opacity=0.35))
        elif a and b and len(a) == len(b):
            # normalisation, activations, elementwise ops: channel i feeds channel i
            for p, q in zip(a, b):
                items.append(Path([(p[0] + r, p[1]), (q[0] - r, q[1])], theme.edge, 0.6, opacity=0.6))
        else:
            pts = [(px + ox, py + oy) for px, py in (rows.move(e.source, x, y) for x, y in route)]
            items.append(Path(pts, theme.edge, 1.2, curve="h"))
            x1, y1 = pts[-1]
            items.append(Polygon([(x1, y1), (x1 - 7, y1 - 3.5), (x1 - 7, y1 + 3.5)], theme.edge))
    caption = _caption(dense_seen, conv_seen)
    if caption:
        items.append(Text(ox, oy + rows.height + LABEL + 12, caption, LABEL - 1, theme.muted))
    for nid, (x, y, w, h) in boxes.items():
        n = g.nodes[nid]
        fill, outline = _colors(n, opts)
        _, _, drawn, count = look[nid]
        parts: list[Any] = []
        if drawn:
            for cx, cy in pos[nid]:
                parts.append(Circle(cx, cy, r, fill, outline, 1.0))
            if count > drawn:
                parts.append(Text(x + w / 2, y + h - 2, "⋯", LABEL + 2, theme.text, anchor="middle"))
        else:
            parts.append(Rect(x, y, w, h, fill, outline, 1.2, rx=4))
            parts.append(Text(x + w / 2, y + h / 2 - 2, _title(n), LABEL + 1, _ink(fill), bold=True, anchor="middle"))
            parts.append(Text(x + w / 2, y + h / 2 + 12, _count_text(n, count), LABEL, _ink(fill), anchor="middle"))
        if opts.show_shapes:
            label = n.name if n.kind in ("input", "output") else n.type
            if drawn:
                parts.append(Text(x + w / 2, y - 6, label, LABEL, theme.text, bold=True, anchor="middle"))
                parts.append(Text(x + w / 2, y + h + LABEL + 4, str(count) if count > drawn or n.kind != "op"
                                  else "", LABEL, theme.muted, anchor="middle"))
        items.append(Group(parts, data={"node": nid, "path": n.path}, tooltip=f"{n.path or n.name} ({n.type})"))
    return _finish(g, opts, items, rows.width, rows.height + (LABEL + 16 if caption else 0.0), oy)


def _caption(dense: bool, conv: bool) -> str:
    """What the lines between neurons mean, as a sentence."""
    parts = (["solid lines join every neuron of a layer to every neuron of the next, fully connected"] if dense else []) + \
        (["dashed lines show that each output channel of a convolution sees every input channel, through a small "
          "window in space"] if conv else [])
    return ("; ".join(parts) + ".").capitalize() if parts else ""


def _title(n: Node) -> str:
    return n.name if n.kind in ("input", "output") else n.type


def _count_text(n: Node, count: int) -> str:
    shape = n.out_shapes[0] if n.out_shapes else (n.in_shapes[0] if n.in_shapes else None)
    return shape_text(shape[1:] if shape else shape) if shape else str(count)


def _ink(fill: str) -> str:
    from .theme import luminance

    return "#000000" if luminance(fill) > 0.45 else "#ffffff"


def _layer_texts(n: Node) -> tuple[str, str]:
    shape = n.out_shapes[0] if n.out_shapes else (n.in_shapes[0] if n.in_shapes else None)
    return (n.type if n.kind in ("module", "op") else n.name), shape_text(shape[1:] if shape else shape)


def _text_w(texts: tuple[str, str]) -> float:
    return max(text_width(texts[0], LABEL), text_width(texts[1], LABEL - 1)) + 8


# -- layered: 3-D boxes --------------------------------------------------------------------------

def _dims(n: Node) -> tuple[int, int, int, str]:
    """(features, height, width, kind) of a layer's output: kind "maps" for C×H×W feature
    maps, "tokens" for L×D sequences, "vector" for a flat D."""
    shape = n.out_shapes[0] if n.out_shapes else (n.in_shapes[0] if n.in_shapes else [1])
    s = [d or 1 for d in (shape[1:] if len(shape) > 1 else shape)] or [1]
    if len(s) >= 3:
        return s[0], s[-2], s[-1], "maps"
    if len(s) == 2:
        return s[1], s[0], 1, "tokens"
    return s[0], 1, 1, "vector"


def _bounded(v: float, scale: float, lo: float, hi: float) -> float:
    """Size for a dimension: linear for small values, logarithmic beyond, clamped to [lo, hi]."""
    size = v * scale if v <= 64 else (64 + 24 * math.log2(v / 64)) * scale
    return max(lo, min(hi, size))


def layered_style(g: Graph, opts: LayeredStyle) -> Scene:
    g = layers_of(g, opts)
    theme = get_theme(opts.theme)
    geo: dict[int, tuple[float, float, float]] = {}
    for nid, n in g.nodes.items():
        f, h, w, kind = _dims(n)
        if kind == "vector":  # a dense layer: a tall, thin bar
            width, height, depth = opts.min_size * 0.6, _bounded(f, 1.0 * opts.scale_xy, opts.min_size, opts.max_size * 1.5), 0.0
        else:
            width = _bounded(f, 0.5 * opts.scale_xy, opts.min_size * 0.4, opts.max_size * 0.5)
            height = _bounded(h, 1.6 * opts.scale_xy, opts.min_size, opts.max_size)
            depth = _bounded(w, 0.5 * opts.scale_z, 0.0 if w <= 1 else opts.min_size * 0.5, opts.max_size * 0.4)
        geo[nid] = (width, height, depth)
    label_h = (LABEL + 6) * 2 if opts.show_shapes else 0.0
    texts = {nid: _layer_texts(n) for nid, n in g.nodes.items()}
    # each slot is as wide as the box with its faces, or as its labels, whichever is wider
    sizes = {nid: (max(w + d * 0.7, _text_w(texts[nid]) if opts.show_shapes else 0.0), h + d * 0.7 + label_h)
             for nid, (w, h, d) in geo.items()}
    spacing = opts.spacing if opts.spacing is not None else (opts.layer_spacing if opts.layer_spacing is not None else 18.0)
    head = 24.0 if opts.title else 0.0
    res = _place(g, sizes, spacing, 24.0)
    rows, slots, skip_lanes = _rows_for(g, res, opts)
    oy = MARGIN + head
    front: dict[int, tuple[float, float, float, float, float]] = {}
    for nid, b in res.nodes.items():
        w, h, d = geo[nid]
        dx = dy = d * 0.7
        bx, by, _, bh = slots[nid]
        # the front face, vertically centred in the node's slot, the top and side faces behind it
        x = bx + (b.w - w - dx) / 2
        y = by + dy + (bh - label_h - h - dy) / 2
        front[nid] = (x, y, w, h, dx)
    items: list[Any] = _row_edges(g, res, rows, slots, skip_lanes, oy, theme)
    for i, e in enumerate(g.edges):  # funnels: from the back of one box to the front of the next
        if i in skip_lanes or rows.row[e.source] != rows.row[e.target]:
            continue
        x0, y0, w0, h0, d0 = front[e.source]
        x1, y1, w1, h1, d1 = front[e.target]
        for (ya, yb) in ((y0 - d0, y1 - d1), (y0 + h0, y1 + h1)):
            items.append(Path([(x0 + w0 + d0, ya), (x1, yb + (d1 if ya == y0 - d0 else 0))], theme.muted, 0.6,
                              opacity=0.7))
    for nid in res.nodes:
        n = g.nodes[nid]
        x, y, w, h, dx = front[nid]
        fill, outline = _colors(n, opts)
        parts: list[Any] = [
            Polygon([(x, y), (x + dx, y - dx), (x + w + dx, y - dx), (x + w, y)], mix(fill, "#ffffff", 0.35), outline, 0.8),
            Polygon([(x + w, y), (x + w + dx, y - dx), (x + w + dx, y + h - dx), (x + w, y + h)],
                    mix(fill, "#000000", 0.25), outline, 0.8),
            Rect(x, y, w, h, fill, outline, 0.8),
        ]
        if opts.show_shapes:
            top, bottom = texts[nid]
            cx = x + (w + dx) / 2
            parts.append(Text(cx, y + h + LABEL + 4, top, LABEL, theme.text, anchor="middle"))
            parts.append(Text(cx, y + h + 2 * LABEL + 8, bottom, LABEL - 1, theme.muted, anchor="middle"))
        items.append(Group(parts, data={"node": nid, "path": n.path}, tooltip=f"{n.path or n.name} ({n.type})"))
    return _finish(g, opts, items, rows.width, rows.height, oy)


Rect4 = tuple[float, float, float, float]  # x, y, width, height


def _rows_for(g: Graph, res: Any, opts: ClassicStyle) -> tuple[_Rows, dict[int, Rect4], set[int]]:
    """Rows for a picture of stacks (layered, lenet): each node's slot where it is drawn, and
    the edges that skip over layers, which run in lanes under their row instead of through
    the stacks between."""
    head = 24.0 if opts.title else 0.0
    skips = {i for i, route in enumerate(res.routes) if len(route) > 4}
    rows = _wrap(g, res, 8 + LANE * min(len(skips), 4))
    lanes = [0] * rows.count
    for i in skips:
        e = g.edges[i]
        if rows.row[e.source] == rows.row[e.target]:
            lanes[rows.row[e.source]] += 1
    rows.below = [8 + LANE * n if n else 0.0 for n in lanes]
    slots = {}
    for nid, b in res.nodes.items():
        x, y = rows.move(nid, b.x, b.y)
        slots[nid] = (x + MARGIN, y + MARGIN + head, b.w, b.h)
    return rows, slots, skips


def _row_edges(g: Graph, res: Any, rows: _Rows, slots: dict[int, tuple[float, float, float, float]],
               skips: set[int], oy: float, theme: Any) -> list[Any]:
    """The edges a row layout draws itself: skips in lanes under their row (from below one
    slot's labels to below another's), and edges from one row to the next."""
    items: list[Any] = []
    used = [0] * rows.count
    crossing = [0] * rows.count
    in_row: list[list[tuple[float, float, float, float]]] = [[] for _ in range(rows.count)]
    for n, slot in slots.items():
        in_row[rows.row[n]].append(slot)
    for i, e in enumerate(g.edges):
        r = rows.row[e.source]
        if rows.row[e.target] != r:
            items.extend(_between_rows(slots[e.source], slots[e.target], rows.bottom(r, oy), theme, crossing[r],
                                       in_row[r] + in_row[rows.row[e.target]]))
            crossing[r] += 1
        elif i in skips:
            used[r] += 1
            items.extend(_skip(slots[e.source], slots[e.target], rows.bottom(r, oy) - LANE * used[r] + 6, theme,
                               in_row[r]))
    return items


# -- lenet: stacks of feature maps -----------------------------------------------------------

def lenet_style(g: Graph, opts: LenetStyle) -> Scene:
    g = layers_of(g, opts)
    # only layers that change the representation become stacks: maps, and the dense layers
    keep = lambda n: n.kind in ("input", "output") or n.type.startswith(("Conv", "MaxPool", "AvgPool", "AdaptiveAvgPool",  # noqa: E731
                                                                        "AdaptiveMaxPool", "Linear", "Upsample", "ConvTranspose")) \
        or n.type.rstrip("_") in ("cat", "add", "Flatten", "flatten")
    g = g.hide(where=lambda n: not keep(n))
    theme = get_theme(opts.theme)
    look: dict[int, tuple[str, float, float, int]] = {}
    for nid, n in g.nodes.items():
        f, h, w, kind = _dims(n)
        if kind == "maps":
            side = _bounded(max(h, w), 1.2 * opts.scale_xy, opts.min_size, opts.max_size)
            look[nid] = ("maps", side, side, min(f, 8))
        else:  # fully connected: a bar whose length grows with the number of features
            look[nid] = ("bar", 10.0, _bounded(f, 0.8 * opts.scale_xy, opts.min_size, opts.max_size * 1.2), 1)
    step = 5.0
    label_h = (LABEL + 6) * 2 if opts.show_shapes else 0.0
    sizes = {}
    texts = {nid: _lenet_texts(g.nodes[nid], look[nid][0]) for nid in look}
    for nid, (kind, w, h, layers) in look.items():
        extra = step * (layers - 1)
        sizes[nid] = (max(w + extra, _text_w(texts[nid]) if opts.show_shapes else 0.0), h + extra + label_h)
    spacing = opts.spacing if opts.spacing is not None else (opts.layer_spacing if opts.layer_spacing is not None else 40.0)
    head = 24.0 if opts.title else 0.0
    res = _place(g, sizes, spacing, 30.0)
    rows, slots, skips = _rows_for(g, res, opts)
    oy = MARGIN + head
    items: list[Any] = _row_edges(g, res, rows, slots, skips, oy, theme)
    front: dict[int, tuple[float, float, float, float]] = {}
    for nid, b in res.nodes.items():
        kind, w, h, layers = look[nid]
        extra = step * (layers - 1)
        bx, by, _, bh = slots[nid]
        x = bx + (b.w - w - extra) / 2
        y = by + (bh - label_h - h - extra) / 2 + extra
        front[nid] = (x, y, w, h)  # the front map: the last of the stack, lowest and leftmost
    for i, e in enumerate(g.edges):  # a kernel window on the source map, projected to a point on the target
        s, t = front.get(e.source), front.get(e.target)
        if not s or not t or i in skips or rows.row[e.source] != rows.row[e.target]:
            continue
        src, dst = g.nodes[e.source], g.nodes[e.target]
        sx, sy, sw, sh = s
        tx, ty, tw, th = t
        k = dst.attrs.get("kernel_size")
        if look[e.source][0] == "maps" and look[e.target][0] == "maps" and k:
            kk = k[0] if isinstance(k, list) else k
            f_src = _dims(src)[1] or 1
            win = max(3.0, min(sw * 0.5, sw * kk / f_src))
            wx, wy = sx + sw * 0.55, sy + sh * 0.35
            px, py = tx + tw * 0.45, ty + th * 0.45
            items.append(Rect(wx, wy, win, win, None, theme.text, 0.8))
            for cx, cy in ((wx, wy), (wx + win, wy), (wx, wy + win), (wx + win, wy + win)):
                items.append(Path([(cx, cy), (px, py)], theme.muted, 0.5, opacity=0.8))
        else:
            items.append(Path([(sx + sw, sy + sh / 2), (tx, ty + th / 2)], theme.muted, 0.7, opacity=0.8))
    for nid in res.nodes:
        n = g.nodes[nid]
        kind, w, h, layers = look[nid]
        x, y, _, _ = front[nid]
        fill, outline = _colors(n, opts)
        parts: list[Any] = []
        for i in range(layers - 1, -1, -1):  # back to front
            parts.append(Rect(x + i * step, y - i * step, w, h, mix(fill, "#ffffff", 0.25 + 0.05 * (i % 2)), outline, 0.7))
        if opts.show_shapes:
            top, bottom = texts[nid]
            cx = x + (w + step * (layers - 1)) / 2
            parts.append(Text(cx, y + h + LABEL + 4, top, LABEL, theme.text, anchor="middle"))
            parts.append(Text(cx, y + h + 2 * LABEL + 8, bottom, LABEL - 1, theme.muted, anchor="middle"))
        items.append(Group(parts, data={"node": nid, "path": n.path}, tooltip=f"{n.path or n.name} ({n.type})"))
    return _finish(g, opts, items, rows.width, rows.height, oy)


def _lenet_texts(n: Node, kind: str) -> tuple[str, str]:
    f, h, w, _ = _dims(n)
    top = f"{f}@{h}×{w}" if kind == "maps" else (human(f) if f >= 10000 else str(f))
    return top, (n.type if n.kind in ("module", "op") else n.name)


STYLES: dict[str, type[ClassicStyle]] = {cls.name: cls for cls in (GraphStyle, LayeredStyle, LenetStyle)}
