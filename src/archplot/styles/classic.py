"""The drawing styles known from papers and tutorials, on the same captured graph:

- ``graph``: each layer a column of neurons (or one box with ``show_neurons=False``);
- ``layered``: one 3-D box per layer, sized by its output tensor, with funnels between layers;
- ``lenet``: stacked feature maps ``64@112×112`` with kernel windows, fully connected layers as bars.

Layers run left to right and are placed by the same layered layout as the diagrams, so
branches are drawn as branches and skip connections run in the gaps, never through a layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from ..errors import InputError
from ..graph import Graph, Node
from ..layout import LayoutSpec, Picture
from ..backends.scene import Circle, Group, Path, Polygon, Rect, Scene, Text
from ..backends.text import text_width
from .labels import family, human, shape_text
from .theme import FAMILIES, color_map_lookup, get_theme, mix

MARGIN = 20.0
LABEL = 10.0


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
            look[nid] = (2 * r, max(h, 2 * r), drawn, count)
        else:
            label_w = max(text_width(_title(n), LABEL + 1, True), text_width(_count_text(n, count), LABEL))
            look[nid] = (label_w + 16, 44.0, 0, count)
    head = (opts.title and 24.0 or 0.0) + (LABEL + 8 if opts.show_shapes else 0.0)
    rank_gap = opts.layer_spacing if opts.layer_spacing is not None else (56.0 if opts.show_neurons else 36.0)
    res = _place(g, {nid: (w, h) for nid, (w, h, _, _) in look.items()}, rank_gap, 28.0)
    ox, oy = MARGIN, MARGIN + head
    items: list[Any] = []
    pos: dict[int, list[tuple[float, float]]] = {}
    boxes = {nid: (b.x + ox, b.y + oy, b.w, b.h) for nid, b in res.nodes.items()}
    for nid, (x, y, w, h) in boxes.items():
        _, _, drawn, count = look[nid]
        if drawn:
            pts = []
            for i in range(drawn):
                pts.append((x + r, y + r + i * (2 * r + gap)))
            pos[nid] = pts
    # wiring first, so neurons sit on top of it
    bottom = max((y + h for x, y, w, h in boxes.values()), default=0.0) + (LABEL + 10 if opts.show_shapes else 8.0)
    lanes = 0
    dense_seen = conv_seen = False
    for e, route in zip(g.edges, res.routes):
        dst = g.nodes[e.target]
        a, b = pos.get(e.source), pos.get(e.target)
        adjacent = len(route) <= 4  # no dummy points: the two layers are neighbours
        if not adjacent:
            # a skip connection: down from the bottom of its layer, along a lane below every
            # column, and up into the bottom of the layer it joins
            sx, sy, sw, sh = boxes[e.source]
            tx, ty, tw, th = boxes[e.target]
            lane = bottom + 8.0 + 10.0 * lanes
            lanes += 1
            x0, x1 = sx + sw / 2, tx + tw / 2
            pts = [(x0, sy + sh), (x0, lane - 8), (x0 + 8, lane), (x1 - 8, lane), (x1, lane - 8), (x1, ty + th + 2)]
            items.append(Path(pts, theme.edge, 1.3, curve=None))
            items.append(Polygon([(x1, ty + th), (x1 - 3.5, ty + th + 7), (x1 + 3.5, ty + th + 7)], theme.edge))
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
            pts = [(px + ox, py + oy) for px, py in route]
            items.append(Path(pts, theme.edge, 1.2, curve="h"))
            x1, y1 = pts[-1]
            items.append(Polygon([(x1, y1), (x1 - 7, y1 - 3.5), (x1 - 7, y1 + 3.5)], theme.edge))
    if dense_seen or conv_seen:
        note = "  ".join(t for t, on in (("solid: fully connected", dense_seen),
                                          ("dashed: convolution (every channel, a local window in space)", conv_seen)) if on)
        items.append(Text(ox, bottom + 10.0 * lanes + 22, note, LABEL - 1, theme.muted))
        lanes += 2
    for nid, (x, y, w, h) in boxes.items():
        n = g.nodes[nid]
        fill, outline = _colors(n, opts)
        _, _, drawn, count = look[nid]
        parts: list[Any] = []
        if drawn:
            for cx, cy in pos[nid]:
                parts.append(Circle(cx, cy, r, fill, outline, 1.0))
            if count > drawn:
                parts.append(Text(x + r, y + h - 2, "⋯", LABEL + 2, theme.text, anchor="middle"))
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
    extra = (bottom - oy - res.height) + 10.0 * lanes + (12.0 if lanes else 0.0)
    return _finish(g, opts, items, res.width, res.height + extra, oy)


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
    ox, oy = MARGIN, MARGIN + head
    front: dict[int, tuple[float, float, float, float, float]] = {}
    for nid, b in res.nodes.items():
        w, h, d = geo[nid]
        dx = dy = d * 0.7
        # the front face, vertically centred in the node's slot, the top and side faces behind it
        x = b.x + ox + (b.w - w - dx) / 2
        y = b.y + oy + dy + (b.h - label_h - h - dy) / 2
        front[nid] = (x, y, w, h, dx)
    items: list[Any] = []
    for e in g.edges:  # funnels: from the back of one box to the front of the next
        if e.source not in front or e.target not in front:
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
    return _finish(g, opts, items, res.width, res.height, oy)


# -- lenet: stacks of feature maps -----------------------------------------------------------

def lenet_style(g: Graph, opts: LenetStyle) -> Scene:
    g = layers_of(g, opts)
    # only layers that change the representation become stacks: maps, and the dense layers
    keep = lambda n: n.kind in ("input", "output") or n.type.startswith(("Conv", "MaxPool", "AvgPool", "AdaptiveAvgPool",  # noqa: E731
                                                                        "AdaptiveMaxPool", "Linear", "Upsample", "ConvTranspose")) \
        or n.type in ("cat", "add", "Flatten", "flatten")
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
    ox, oy = MARGIN, MARGIN + head
    items: list[Any] = []
    front: dict[int, tuple[float, float, float, float]] = {}
    for nid, b in res.nodes.items():
        kind, w, h, layers = look[nid]
        extra = step * (layers - 1)
        x = b.x + ox + (b.w - w - extra) / 2
        y = b.y + oy + (b.h - label_h - h - extra) / 2 + extra
        front[nid] = (x, y, w, h)  # the front map: the last of the stack, lowest and leftmost
    for e in g.edges:  # a kernel window on the source map, projected to a point on the target
        s, t = front.get(e.source), front.get(e.target)
        if not s or not t:
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
            items.append(Path([(sx + sw + step * (look[e.source][3] - 1) * 0, sy + sh / 2), (tx, ty + th / 2)],
                              theme.muted, 0.7, opacity=0.8))
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
    return _finish(g, opts, items, res.width, res.height, oy)


def _lenet_texts(n: Node, kind: str) -> tuple[str, str]:
    f, h, w, _ = _dims(n)
    top = f"{f}@{h}×{w}" if kind == "maps" else (human(f) if f >= 10000 else str(f))
    return top, (n.type if n.kind in ("module", "op") else n.name)


STYLES: dict[str, type[ClassicStyle]] = {cls.name: cls for cls in (GraphStyle, LayeredStyle, LenetStyle)}
