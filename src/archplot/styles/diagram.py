"""The default architecture diagram: nodes with labels, nested module boxes, shapes on edges.

``build(graph, options)`` measures every label, asks the layout for positions and routes, and
returns a Scene (for the backends) and the geometry as data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

from ..errors import InputError
from ..graph import Graph, Node
from ..transforms.view import Beside, origin_of
from ..layout import LayoutSpec, Picture
from ..backends.scene import Group, Path, Polygon, Rect, Scene, Text
from ..backends.scene import Image as SceneImage
from ..backends.text import text_width
from .labels import attr_summary, family, human, shape_text
from .status import apply_status, scope_status_text, status_legend, status_lines
from .theme import (FAMILIES, FAMILY_LABELS, GRAY, MODULE_COLORS, Theme, color_map_lookup, get_theme, luminance,
                    mix, parse_color, print_grays)

TITLE = 12.0
DETAIL = 10.5
EDGE_LABEL = 9.5
GROUP_TITLE = 10.5
MARGIN = 16.0
FOLD_OFFSET = 4.0


@dataclass
class DiagramOptions:
    direction: str = "TB"
    theme: str = "light"
    color_map: Any = None
    show_shapes: bool = True
    show_params: bool = True
    show_attrs: bool = True
    legend: bool = True
    layer_spacing: float | None = None
    node_spacing: float | None = None
    title: str | None = None
    thumbnails: dict[str, bytes] | None = None  # module path -> PNG of its activation
    overlay: Any = None  # colour nodes by a number: a metric name, {module: number} or a function
    top_k: int | None = None  # with an overlay: colour only the k largest values, grey the rest
    overlays: list[Any] | None = None  # the interactive view's switch: every overlay asked for
    fit: str | None = None  # "page", "slide", "column", "none"; None: wrap beyond MAX_ASPECT
    max_aspect: float | None = None

    def check(self) -> None:
        if self.fit is not None and self.fit not in FITS and self.fit != "none":
            raise InputError(f"fit must be one of {', '.join(map(repr, FITS))} or 'none', not {self.fit!r}")
        if self.max_aspect is not None and (not isinstance(self.max_aspect, (int, float)) or
                                            isinstance(self.max_aspect, bool) or self.max_aspect < 1):
            raise InputError(f"max_aspect must be a number of at least 1 (long side over short), "
                             f"not {self.max_aspect!r}")
        if self.direction not in ("TB", "LR"):
            raise InputError(f"direction must be 'TB' (top to bottom) or 'LR' (left to right), not {self.direction!r}")
        get_theme(self.theme)
        for name in ("layer_spacing", "node_spacing"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0):
                raise InputError(f"{name} must be a non-negative number of pixels, not {v!r}")


THUMB = 56.0
# Page shapes (width / height) that fit= wraps a long picture to come closest to.
FITS = {"page": 8.5 / 11, "slide": 16 / 9, "column": 3.5 / 9}
AUTO_MAX_ASPECT = 4.0  # without fit= or max_aspect=, longer pictures wrap


def _wrapping(opts: "DiagramOptions") -> dict[str, float | None]:
    if opts.fit == "none":
        return {"max_aspect": None, "target": None}
    if opts.fit is not None:
        return {"max_aspect": None, "target": FITS[opts.fit]}
    return {"max_aspect": opts.max_aspect or AUTO_MAX_ASPECT, "target": None}



@dataclass
class _NodeLook:
    lines: list[tuple[str, float, bool]]  # text, size, bold
    w: float
    h: float
    fill: str
    stroke: str
    text: str
    rx: float
    dash: tuple[float, float] | None = None
    stacked: int = 0
    tooltip: str = ""
    family: str = "other"
    thumb: bytes | None = None


@dataclass
class Built:
    scene: Scene
    geometry: Callable[[], dict[str, Any]]  # made when asked for: big diagrams rarely need it
    stats: dict[str, Any] = field(default_factory=dict)


def display_name(path: str) -> str:
    """The last part of a qualified name, with its parent when the last part is an index."""
    parts = path.split(".")
    if len(parts) >= 2 and parts[-1].isdigit():
        return ".".join(parts[-2:])
    return parts[-1]


def _color_override(color_map: Any, n: Node, fam: str) -> tuple[str | None, str | None, str | None]:
    """(base colour, fill, outline) from a user colour map keyed by class, type name or family."""
    keys = [n.type] + ([n.parts[0]["type"]] if n.parts else []) + [fam]
    return color_map_lookup(color_map, keys)


def _check_color_map(color_map: Any) -> None:
    if color_map is None:
        return
    if not hasattr(color_map, "items"):
        raise InputError("color_map must be a dict such as {nn.Conv2d: '#E69F00'} or {'Linear': {'fill': '#0072B2'}}")
    for k, v in color_map.items():
        name = k if isinstance(k, str) else getattr(k, "__name__", repr(k))
        if isinstance(v, dict):
            unknown = set(v) - {"fill", "outline"}
            if unknown:
                raise InputError(f"color_map[{name}] has unknown keys {sorted(unknown)}; use 'fill' and 'outline'")
            for part, c in v.items():
                parse_color(c, f"color_map[{name}][{part!r}]")
        else:
            parse_color(v, f"color_map[{name}]")


def _look(n: Node, g: Graph, opts: DiagramOptions, theme: Theme) -> _NodeLook:
    fam = family(n)
    lines: list[tuple[str, float, bool]] = []
    tooltip = [f"{n.path or n.name} ({n.type})"]
    if n.kind in ("input", "output"):
        shape = n.out_shapes[0] if n.kind == "input" and n.out_shapes else (n.in_shapes[0] if n.in_shapes else None)
        lines.append((n.name, TITLE, True))
        if shape is not None or n.attrs.get("dtype"):
            lines.append((shape_text(shape, n.attrs.get("dtype")), DETAIL, False))
        lines += status_lines(g, n, DETAIL)
        return _finish(lines, mix(theme.text, theme.background, 0.88), mix(theme.text, theme.background, 0.35),
                       theme.text, rx=14.0, tooltip=" ".join(tooltip), family=n.kind)
    if n.kind == "op":
        summary = attr_summary(n) if opts.show_attrs else ""
        lines.append((n.type + (f"  {summary}" if summary else ""), DETAIL + 0.5, False))
    else:
        name = display_name(n.path) if n.path else n.name
        if n.repeat > 1:
            lines.append((f"{n.type} ×{n.repeat}", TITLE, True))
            first, last = n.repeat_paths[0], n.repeat_paths[-1]
            # one module called in a loop: "cell · 6 calls", not "cell … cell"
            lines.append((f"{first} … {last}" if first != last else f"{first} · {n.repeat} calls", DETAIL, False))
            if n.attrs.get("varies"):
                lines.append((str(n.attrs["varies"]), DETAIL, False))
        else:
            marker = "▸ " if n.collapsed else ""
            lines.append((f"{marker}{name} · {n.type}" if name != n.type else f"{marker}{n.type}", TITLE, True))
        if opts.show_attrs:
            summary = attr_summary(n)
            if summary:
                lines.append((summary, DETAIL, False))
        if opts.show_params and n.params:
            lines.append((f"{human(n.params)} params" + (" each" if n.repeat > 1 else ""), DETAIL, False))
    if n.dynamic:
        lines.append(("⚡ data-dependent", DETAIL, False))
    lines += status_lines(g, n, DETAIL)
    for k, v in n.attrs.items():
        tooltip.append(f"{k}={v}")
    base, fill, outline = _color_override(opts.color_map, n, fam)
    if base is None:
        if fam == "module":
            base = module_colors(g).get(n.type, FAMILIES["module"])
        else:
            base = FAMILIES.get(fam, FAMILIES["other"])
    gray = _print_grays(g).get(color_class(n)) if theme.name == "print" else None
    f, s, t = theme.node_colors(base, fam, gray)
    if fill is not None:
        f = fill
        t = "#000000" if _light(fill) else "#ffffff"
        s = outline or s
    elif outline is not None:
        s = outline
    look = _finish(lines, f, s, t, rx=(99.0 if n.kind == "op" else 6.0 if n.collapsed else 3.0),
                   tooltip="\n".join(tooltip), family=fam)
    if n.dynamic:
        look.dash = (5.0, 3.0)
        look.stroke = theme.dynamic
    apply_status(look, g, n, theme)
    if n.repeat > 1:
        look.stacked = 2
        look.w += 2 * FOLD_OFFSET
        look.h += 2 * FOLD_OFFSET
    thumb = (opts.thumbnails or {}).get(n.path) if n.kind == "module" and not n.collapsed else None
    if thumb:
        look.thumb = thumb
        look.h += THUMB + 4
        look.w = max(look.w, THUMB + 20)
    return look


def color_class(n: Node) -> str:
    """What a node's colour tells: its op family, or for a collapsed module its type."""
    fam = family(n)
    return f"module:{n.type}" if fam == "module" else fam


_MODULE_COLORS: Beside[dict[str, str]] = Beside()
_PRINT_GRAYS: Beside[dict[str, float]] = Beside()


def module_colors(g: Graph) -> dict[str, str]:
    """Module type -> colour, the types taking the palette in the order they were first called
    (the same in every view of one trace, the interactive one included)."""
    origin = origin_of(g)
    colors = _MODULE_COLORS.get(origin)
    if colors is None:
        types: list[str] = []
        for sid in sorted(origin.scopes):
            module = origin.modules.get(origin.scopes[sid].path)
            if sid and module is not None and module.type not in types:
                types.append(module.type)
        colors = {t: MODULE_COLORS[i % len(MODULE_COLORS)] for i, t in enumerate(types)}
        _MODULE_COLORS.put(origin, colors)
    return colors


def _print_grays(g: Graph) -> dict[str, float]:
    """For print: the colour classes this picture shows, spread evenly in lightness, darkest
    first in the order of their usual grey (linear layers dark, elementwise ops light)."""
    grays = _PRINT_GRAYS.get(g)
    if grays is None:
        classes = {color_class(n) for n in g.nodes.values() if n.kind not in ("input", "output")}
        order = sorted(classes, key=lambda c: (GRAY.get(c.split(":")[0], 0.85), c))
        grays = print_grays(order) if order else {}
        _PRINT_GRAYS.put(g, grays)
    return grays


def _light(color: str) -> bool:
    return luminance(color) > 0.45


def _finish(lines: list[tuple[str, float, bool]], fill: str, stroke: str, text: str, rx: float, tooltip: str,
            family: str) -> _NodeLook:
    pad_x, pad_y = (10.0, 6.0)
    w = max(text_width(t, s, b) for t, s, b in lines) + 2 * pad_x
    h = sum(s * 1.3 for _, s, _ in lines) + 2 * pad_y - 2
    if len(lines) == 1 and rx > 50:  # an op: a compact pill
        w = max(w, 40.0)
        h = s_h = lines[0][1] * 1.3 + 8
        rx = s_h / 2
    w = max(w, 56.0 if rx <= 50 else w)
    return _NodeLook(lines, round(w, 1), round(h, 1), fill, stroke, text, rx, tooltip=tooltip, family=family)


@dataclass
class Prepared:
    """A graph measured for drawing: node looks, tensor labels, box titles, and the laid-out
    Picture (made on first use) that the scene and the interactive view are drawn from."""

    graph: Graph
    options: DiagramOptions
    theme: Theme
    looks: dict[int, _NodeLook]
    label: dict[Hashable, str]
    titles: dict[int, str]
    picture: Picture
    scale: Any = None  # the overlay's colour scale, when there is one

    def scope_node(self, sid: int) -> Node:
        """The node module box ``sid`` becomes when the viewer collapses it."""
        g, s = self.graph, self.graph.scopes[sid]
        module = g.modules.get(s.path)
        mtype = module.type if module else ("model" if sid == 0 else "group")
        return Node(-1, "module", mtype, display_name(s.path) if s.path else mtype, s.path, s.parent or 0,
                    attrs=dict(module.attrs) if module else {}, params=module.params if module else 0,
                    dynamic=bool(module and module.dynamic), collapsed=True, structure=s.structure,
                    repeat=s.repeat, repeat_paths=list(s.repeat_paths))

    def scope_look(self, sid: int) -> _NodeLook:
        """How module box ``sid`` looks when drawn collapsed (the viewer collapses boxes)."""
        return _look(self.scope_node(sid), self.graph, self.options, self.theme)


def prepare(g: Graph, opts: DiagramOptions) -> Prepared:
    opts.check()
    _check_color_map(opts.color_map)
    theme = get_theme(opts.theme)
    lr = opts.direction == "LR"
    looks = {nid: _look(n, g, opts, theme) for nid, n in g.nodes.items()}
    scale = _overlay(g, opts, theme, looks)

    # tensor labels: one per tensor, next to where it leaves its producer
    label: dict[Hashable, str] = {}
    consumers: dict[Hashable, list[int]] = {}
    for e in g.edges:
        consumers.setdefault((e.source, e.source_output), []).append(e.target)
    if opts.show_shapes:
        for e in g.edges:
            key = (e.source, e.source_output)
            src = g.nodes[e.source]
            if key in label or src.kind == "input" or e.shape is None:
                continue
            if all(g.nodes[t].kind == "output" for t in consumers[key]):
                continue
            label[key] = shape_text(e.shape, e.dtype)
    measured = {k: (t, text_width(t, EDGE_LABEL)) for k, t in label.items()}
    label_w = {k: w + 4 for k, (_, w) in measured.items()}

    # box titles; a box is marked when a module inside it took a data-dependent path
    dynamic_within: set[str] = set()
    for p, m in g.modules.items():
        if m.dynamic:
            parts_ = p.split(".")
            dynamic_within.update(".".join(parts_[:i]) for i in range(len(parts_) + 1))
    titles: dict[int, str] = {}
    for sid, s in g.scopes.items():
        if sid == 0:
            continue
        module = g.modules.get(s.path)
        parent = g.scopes.get(s.parent) if s.parent is not None else None
        # inside a box, a name relative to the box's own module reads better than the full path
        prefix = (parent.path + ".") if parent is not None and parent.path and s.path.startswith(parent.path + ".") else ""
        if s.period > 1:  # a folded run of groups: the box shows one group, its parts named inside
            inner = s.path + "."
            first, last = (", ".join(q[len(inner):] if q.startswith(inner) else q for q in p.split(", "))
                           for p in (s.repeat_paths[0], s.repeat_paths[-1]))
            titles[sid] = f"({first}) … ({last}) ×{s.repeat}" if first != last else f"({first}) · {s.repeat} calls"
        elif s.repeat > 1:
            first, last = (p[len(prefix):] if p.startswith(prefix) else p for p in (s.repeat_paths[0], s.repeat_paths[-1]))
            kind = module.type if module else ""
            titles[sid] = f"{first} … {last} · {kind} ×{s.repeat}" if first != last else f"{first} · {kind} · {s.repeat} calls"
        else:
            name = s.path[len(prefix):]
            titles[sid] = f"{name} · {module.type}" if module else name
        if s.repeat > 1 and s.varies:
            titles[sid] += f" ({s.varies})"
        if s.path in dynamic_within:
            titles[sid] += "  ⚡ data-dependent path"
        titles[sid] += scope_status_text(g, sid)

    rank_gap = opts.layer_spacing if opts.layer_spacing is not None else (34.0 if opts.show_shapes else 26.0)
    node_gap = opts.node_spacing if opts.node_spacing is not None else 22.0
    if lr and label_w:
        rank_gap = max(rank_gap, max(label_w.values()) + 16.0)
    header: dict[int, tuple[float, float, float, float]] = {}
    for sid, t in titles.items():
        tw = text_width(t, GROUP_TITLE, True) + 4
        th = GROUP_TITLE + 8
        header[sid] = (th, 0.0, tw, 0.0) if not lr else (0.0, th, 0.0, tw)
    spec = LayoutSpec(
        node_size={nid: (lk.w, lk.h) for nid, lk in looks.items()},
        node_scope={nid: n.scope for nid, n in g.nodes.items()},
        scope_parent={sid: s.parent for sid, s in g.scopes.items()},
        edges=[(e.source, e.target, (e.source, e.source_output)) for e in g.edges],
        header=header,
        label_width={} if lr else label_w,
        labels=measured, label_size=EDGE_LABEL,
        node_gap=node_gap, rank_gap=rank_gap,
    )
    title_h = (TITLE + 14) if opts.title else 0.0
    return Prepared(g, opts, theme, looks, label, titles, Picture(spec, lr, (MARGIN, MARGIN + title_h),
                                                                  **_wrapping(opts)), scale)


def _overlay(g: Graph, opts: DiagramOptions, theme: Theme, looks: dict[int, _NodeLook]) -> Any:
    """Nodes coloured by the overlay's values, each value printed on its node."""
    if opts.overlay is None:
        if opts.top_k is not None:
            raise InputError("top_k needs an overlay, e.g. overlay='flops', top_k=10")
        return None
    from . import overlay as ov

    title, unit, values = ov.node_values(g, opts.overlay)
    scale = ov.make_scale(title, unit, values, opts.top_k)
    rank = ov.ranks(values, scale)
    for nid, v in values.items():
        ov.apply(looks[nid], g.nodes[nid], g, scale, v, theme, DETAIL, rank.get(nid), opts.show_params)
    return scale


def build(g: Graph, opts: DiagramOptions) -> Built:
    p = prepare(g, opts)
    theme, looks, titles, pic = p.theme, p.looks, p.titles, p.picture
    lr = opts.direction == "LR"
    oy = pic.at[1]
    width, height = pic.width, pic.height
    nodes, groups, routes = pic.nodes, pic.groups, pic.routes

    items: list[Any] = []
    box_titles: list[Text] = []
    owners: list[int | None] = []  # per item, the module box it belongs in (for editable outputs)
    chain = {sid: [c.id for c in g.scope_chain(sid)] for sid in g.scopes}
    # module boxes, outer first
    depth = {sid: g.scope_depth(sid) for sid in groups}
    groups_sorted = sorted(groups, key=lambda s: (depth[s], s))
    for sid in groups_sorted:
        b = groups[sid]
        s = g.scopes[sid]
        dyn = "⚡" in titles.get(sid, "")
        fill = theme.group_fills[(depth[sid] - 1) % 2]
        parts: list[Any] = []
        if s.repeat > 1:
            for k in (2, 1):
                parts.append(Rect(b.x + k * FOLD_OFFSET, b.y + k * FOLD_OFFSET, b.w, b.h, fill, theme.group_stroke,
                                  1.0, rx=8.0))
        for piece in [b, *pic.pieces.get(sid, [])]:  # a box wrapped across columns comes in pieces
            parts.append(Rect(piece.x, piece.y, piece.w, piece.h, fill, theme.dynamic if dyn else theme.group_stroke,
                              1.2 if dyn else 1.0, rx=8.0, dash=(6.0, 3.0) if dyn else None))
        items.append(Group(parts, data={"scope": sid, "path": s.path}, tooltip=titles[sid]))
        owners.append(sid)
        # Titles go on top of the edges that enter the box, on a halo of the box's colour.
        box_titles.append(Text(b.x + 8, b.y + GROUP_TITLE + 5, titles[sid], GROUP_TITLE, theme.muted, bold=True,
                               halo=fill))

    # edges
    for e, pts in zip(g.edges, routes):
        if len(pts) < 2:
            continue
        head = _arrow_head(pts, lr)
        items.append(Group([Path(_shorten(pts, 5.0, lr), theme.edge, 1.1, curve="h" if lr else "v"),
                            Polygon(head, theme.edge, None)],
                           data={"source": e.source, "target": e.target}))
        owners.append(_common(chain[g.nodes[e.source].scope], chain[g.nodes[e.target].scope]))
    items.extend(box_titles)
    owners.extend(groups_sorted)
    for slot in pic.labels:
        for i, text in enumerate(slot.texts):
            items.append(Text(slot.x, slot.y + i * slot.dy, text, EDGE_LABEL, theme.muted, anchor=slot.anchor))
            owners.append(g.nodes[slot.node].scope or None)

    # nodes
    for nid, b in nodes.items():
        lk = looks[nid]
        n = g.nodes[nid]
        parts = []
        bw, bh = b.w - lk.stacked * FOLD_OFFSET, b.h - lk.stacked * FOLD_OFFSET
        for k in range(lk.stacked, 0, -1):
            parts.append(Rect(b.x + k * FOLD_OFFSET, b.y + k * FOLD_OFFSET, bw, bh, lk.fill, lk.stroke, 1.0, rx=lk.rx))
        parts.append(Rect(b.x, b.y, bw, bh, lk.fill, lk.stroke, 1.6 if n.collapsed else 1.0,
                          rx=min(lk.rx, bh / 2), dash=lk.dash))
        total = sum(s * 1.3 for _, s, _ in lk.lines) + (THUMB + 4 if lk.thumb else 0.0)
        y = b.y + (bh - total) / 2
        for text, size, bold in lk.lines:
            y += size * 1.3
            parts.append(Text(b.x + bw / 2, y - size * 0.3, text, size, lk.text, bold=bold, anchor="middle"))
        if lk.thumb:
            parts.append(SceneImage(b.x + (bw - THUMB) / 2, y + 3, THUMB, THUMB, lk.thumb))
        items.append(Group(parts, data={"node": nid, "kind": n.kind, "path": n.path}, tooltip=lk.tooltip))
        owners.append(n.scope or None)

    # legend
    legend_h = 0.0
    content_w = width + 2 * MARGIN
    if opts.legend and p.scale is not None:
        from .overlay import colour_bar

        items_l, legend_h, legend_w = colour_bar(p.scale, MARGIN, oy + height + 18 + DETAIL, theme, DETAIL)
        items.extend(items_l)
        content_w = max(content_w, legend_w + 2 * MARGIN)
    elif opts.legend:
        entries = _legend_entries(g, looks)
        diff_entries, extra = status_legend(g, theme)
        entries = diff_entries or entries
        if any(n.repeat > 1 for n in g.nodes.values()) or any(s.repeat > 1 for s in g.scopes.values()):
            extra.append("×N  repeated blocks folded into one")
        if any("⚡" in t for t in titles.values()) or any(n.dynamic for n in g.nodes.values()):
            extra.append("⚡  data-dependent: drawn as run for this input")
        if entries or extra:
            items_l, legend_h, legend_w = _legend(entries, extra, MARGIN, oy + height + 18,
                                                  max(content_w - 2 * MARGIN, 420.0), theme)
            items.extend(items_l)
            owners.extend([None] * len(items_l))
            content_w = max(content_w, legend_w + 2 * MARGIN)
    if opts.title:
        items.insert(0, Text(MARGIN, MARGIN + TITLE + 2, opts.title, TITLE + 2, theme.text, bold=True))
        owners.insert(0, None)
    total_w = max(content_w, (text_width(opts.title, TITLE + 2, True) + 2 * MARGIN) if opts.title else 0.0)
    total_h = oy + height + MARGIN + (legend_h + 18 if legend_h else 0.0)
    boxes = {sid: (g.scopes[sid].parent or None, g.scopes[sid].path, titles[sid]) for sid in groups_sorted}
    scene = Scene(round(total_w, 1), round(total_h, 1), items, theme.background, title=opts.title, owners=owners,
                  boxes=boxes)
    def geometry() -> dict[str, Any]:
        return {
            "width": scene.width, "height": scene.height,
            "nodes": [{"id": nid, "x": round(b.x, 1), "y": round(b.y, 1), "width": round(b.w, 1),
                       "height": round(b.h, 1)} for nid, b in nodes.items()],
            "groups": [{"path": g.scopes[sid].path, "scope": sid, "x": round(b.x, 1), "y": round(b.y, 1),
                        "width": round(b.w, 1), "height": round(b.h, 1),
                        **({"pieces": [{"x": round(q.x, 1), "y": round(q.y, 1), "width": round(q.w, 1),
                                        "height": round(q.h, 1)} for q in pic.pieces[sid]]} if sid in pic.pieces else {})}
                       for sid, b in groups.items()],
            "edges": [{"source": e.source, "target": e.target, "points": [[round(x, 1), round(y, 1)] for x, y in pts]}
                      for e, pts in zip(g.edges, routes)],
        }

    return Built(scene, geometry, {"crossings": pic.crossings, "nodes": len(nodes), "edges": len(g.edges)})


def _common(a: list[int], b: list[int]) -> int | None:
    """The innermost box two scope chains share (None: the picture itself)."""
    common = None
    for x, y in zip(a, b):
        if x != y:
            break
        common = x
    return common


def _shorten(pts: list[tuple[float, float]], by: float, lr: bool) -> list[tuple[float, float]]:
    """The route ending ``by`` before its last point, back along the flow (down the picture, or
    right): every curve ends with a tangent along the flow, so the drawn line meets the arrowhead
    on its axis, not beside it as cutting along a slanted last piece would."""
    (x0, y0), (x1, y1) = pts[-2], pts[-1]
    if (x1 - x0 if lr else y1 - y0) <= by:
        return pts
    return pts[:-1] + [(x1 - by, y1) if lr else (x1, y1 - by)]


def _arrow_head(pts: list[tuple[float, float]], lr: bool) -> list[tuple[float, float]]:
    x, y = pts[-1]
    if lr:  # the last piece of every route is horizontal (curves end with horizontal tangents)
        return [(x, y), (x - 7, y - 3.5), (x - 7, y + 3.5)]
    return [(x, y), (x - 3.5, y - 7), (x + 3.5, y - 7)]


def _legend_entries(g: Graph, looks: dict[int, _NodeLook]) -> list[tuple[str, tuple[str, str, str]]]:
    """One entry per op family shown, then one per collapsed module type shown (``▸ Bottleneck``),
    each with the colours its nodes are drawn in."""
    seen: dict[str, tuple[str, str, str]] = {}
    for nid, lk in looks.items():
        label = legend_label(g.nodes[nid])
        if label is not None:
            seen.setdefault(label, (lk.fill, lk.stroke, lk.text))
    return [(label, seen[label]) for label in legend_order(seen)]


def legend_label(n: Node) -> str | None:
    """The legend entry that explains a node's colour (None for inputs and outputs)."""
    if n.kind in ("input", "output"):
        return None
    c = color_class(n)
    return "▸ " + c.split(":", 1)[1] if c.startswith("module:") else FAMILY_LABELS.get(c, c)


def legend_order(labels: Any) -> list[str]:
    """Op families in their usual order, then module types in the order given."""
    order = [FAMILY_LABELS[f] for f in FAMILIES]
    families = sorted((x for x in labels if x in order), key=order.index)
    return families + [x for x in labels if x not in order]


def _legend(entries: list[tuple[str, tuple[str, str, str]]], extra: list[str], x0: float, y0: float,
            max_w: float, theme: Theme) -> tuple[list[Any], float, float]:
    """Legend items wrapped into rows of at most ``max_w``; returns items, height, width used."""
    items: list[Any] = []
    x, y = x0, y0
    row_h = 16.0
    widest = 0.0
    for name, (fill, stroke, _) in entries:
        w = 18 + text_width(name, DETAIL) + 16
        if x + w > x0 + max_w and x > x0:
            x, y = x0, y + row_h
        items.append(Rect(x, y - 9, 13, 10, fill, stroke, 1.0, rx=2))
        items.append(Text(x + 18, y, name, DETAIL, theme.muted))
        x += w
        widest = max(widest, x - x0)
    for text in extra:
        w = text_width(text, DETAIL) + 20
        if x + w > x0 + max_w and x > x0:
            x, y = x0, y + row_h
        items.append(Text(x, y, text, DETAIL, theme.muted))
        x += w
        widest = max(widest, x - x0)
    return items, (y - y0) + row_h, widest
