"""Scene -> draw.io / diagrams.net file (.drawio, mxGraph XML, uncompressed): module boxes as
containers holding their nodes and inner boxes, nodes as rounded shapes with their text,
connectors attached to the nodes they join (waypoints from the layout's routes), tensor
labels and the legend as text. Everything stays editable in draw.io."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from .editable import Editable, Shape, editable
from .scene import Rect, Scene, Text
from .text import text_width

FONT = "DejaVu Sans"


def _n(v: float) -> str:
    s = "%.1f" % (v + 0.0)
    return s[:-2] if s.endswith(".0") else s


def _clean(text: str) -> str:
    """XML 1.0 cannot hold most control characters at all, escaped or not."""
    return "".join(ch for ch in text if ch >= " " or ch in "\t\n")


def _html(lines: list[tuple[str, float, bool, str]]) -> str:
    """Lines of a label as draw.io's HTML label (sizes and weights per line)."""
    out = []
    for text, size, bold, _ in lines:
        t = escape(_clean(text))
        out.append(f'<span style="font-size:{_n(size)}px">{"<b>" + t + "</b>" if bold else t}</span>')
    return "<br>".join(out)


def _box_style(r: Rect, extra: str = "") -> str:
    style = ["rounded=1", "absoluteArcSize=1", f"arcSize={_n(2 * min(r.rx, r.w / 2, r.h / 2))}", "whiteSpace=nowrap",
             f"fillColor={r.fill or 'none'}", f"strokeColor={r.stroke or 'none'}", f"strokeWidth={_n(r.stroke_width)}",
             f"fontFamily={FONT}"]
    if r.dash:
        style += ["dashed=1", f"dashPattern={_n(r.dash[0])} {_n(r.dash[1])}"]
    return ";".join(style) + ";" + extra


class _Writer:
    def __init__(self, doc: Editable) -> None:
        self.doc = doc
        self.cells: list[str] = ['<mxCell id="0"/>', '<mxCell id="1" parent="0"/>']
        self.origin: dict[str, tuple[float, float]] = {}

    def geometry(self, parent: str | None, x: float, y: float, w: float, h: float) -> str:
        ox, oy = self.origin.get(parent, (0.0, 0.0)) if parent else (0.0, 0.0)  # children are placed in their box
        return f'<mxGeometry x="{_n(x - ox)}" y="{_n(y - oy)}" width="{_n(w)}" height="{_n(h)}" as="geometry"/>'

    def vertex(self, id_: str, value: str, style: str, parent: str | None, geo: str, path: str = "") -> None:
        cell = f'style={quoteattr(style)} vertex="1" parent="{parent or 1}">{geo}</mxCell>'
        if path:  # the qualified name, as draw.io's own cell data ("Edit Data")
            self.cells.append(f'<UserObject id="{id_}" label={quoteattr(value)} path={quoteattr(_clean(path))}>'
                              f"<mxCell {cell}</UserObject>")
        else:
            self.cells.append(f'<mxCell id="{id_}" value={quoteattr(value)} {cell}')

    def copies(self, s: Shape) -> None:
        """The copies drawn behind a folded run, as plain shapes."""
        r = s.rect
        for k in range(s.stacked, 0, -1):
            self.vertex(f"{s.id}c{k}", "", _box_style(r, "html=0;"), s.parent,
                        self.geometry(s.parent, r.x + k * s.offset, r.y + k * s.offset, r.w, r.h))

    def box(self, b: Shape) -> None:
        r, t = b.rect, b.title
        value = _html([(t.text, t.size, True, t.fill)]) if t else ""
        extra = ("container=1;collapsible=0;html=1;verticalAlign=top;align=left;spacingLeft=6;spacingTop=0;"
                 f"fontColor={t.fill if t else '#000000'};")
        self.copies(b)
        self.vertex(b.id, value, _box_style(r, extra), b.parent, self.geometry(b.parent, r.x, r.y, r.w, r.h), b.path)
        self.origin[b.id] = (r.x, r.y)

    def node(self, n: Shape) -> None:
        r = n.rect
        colour = n.lines[0][3] if n.lines else "#000000"
        self.copies(n)
        self.vertex(n.id, _html(n.lines), _box_style(r, f"html=1;verticalAlign=middle;align=center;fontColor={colour};"),
                    n.parent, self.geometry(n.parent, r.x, r.y, r.w, r.h), n.path)

    def connector(self, c, shapes: dict[str, Rect]) -> None:
        pts = c.path.points
        src, dst = shapes[c.source], shapes[c.target]
        lr = c.path.curve == "h"
        # where the route leaves and enters, as fractions of the node's box
        (x0, y0), (x1, y1) = pts[0], pts[-1]
        if lr:
            ends = f"exitX=1;exitY={_n((y0 - src.y) / src.h)};entryX=0;entryY={_n((y1 - dst.y) / dst.h)};"
        else:
            ends = f"exitX={_n((x0 - src.x) / src.w)};exitY=1;entryX={_n((x1 - dst.x) / dst.w)};entryY=0;"
        style = (f"edgeStyle=none;curved=1;html=1;endArrow=block;endFill=1;endSize=5;strokeColor={c.path.stroke};"
                 f"strokeWidth={_n(c.path.width)};exitPerimeter=0;entryPerimeter=0;{ends}")
        ox, oy = self.origin.get(c.parent, (0.0, 0.0)) if c.parent else (0.0, 0.0)
        inner = "".join(f'<mxPoint x="{_n(x - ox)}" y="{_n(y - oy)}"/>' for x, y in pts[1:-1])
        waypoints = f'<Array as="points">{inner}</Array>' if inner else ""
        self.cells.append(f'<mxCell id="{c.id}" style={quoteattr(style)} edge="1" parent="{c.parent or 1}" '
                          f'source="{c.source}" target="{c.target}"><mxGeometry relative="1" as="geometry">'
                          f"{waypoints}</mxGeometry></mxCell>")

    def loose(self, i: int, item: Rect | Text, parent: str | None) -> None:
        if isinstance(item, Text):
            w = text_width(item.text, item.size, item.bold) + 4
            x = item.x - (w if item.anchor == "end" else w / 2 if item.anchor == "middle" else 0) - 2
            align = {"start": "left", "middle": "center", "end": "right"}[item.anchor]
            style = (f"text;html=0;align={align};verticalAlign=middle;spacing=0;fontSize={_n(item.size)};"
                     f"fontColor={item.fill};fontFamily={FONT};" + ("fontStyle=1;" if item.bold else ""))
            geo = self.geometry(parent, x, item.y - item.size * 1.05, w, item.size * 1.4)
            self.vertex(f"t{i}", _clean(item.text), style, parent, geo)
        else:
            self.vertex(f"r{i}", "", _box_style(item, "html=0;"), parent,
                        self.geometry(parent, item.x, item.y, item.w, item.h))


def to_drawio(scene: Scene) -> str:
    doc = editable(scene, "draw.io output")
    w = _Writer(doc)
    for b in doc.boxes:  # outer first, so a container exists before what it holds
        w.box(b)
    for n in doc.nodes:
        w.node(n)
    shapes = {n.id: n.rect for n in doc.nodes}
    for c in doc.connectors:
        w.connector(c, shapes)
    for i, lo in enumerate(doc.loose):
        w.loose(i, lo.item, lo.parent)
    name = quoteattr(_clean(scene.title or "archplot"))
    background = f' background="{scene.background}"' if scene.background else ""
    return (f'<mxfile host="archplot" type="device"><diagram id="archplot" name={name}>'
            f'<mxGraphModel grid="0" gridSize="10" guides="1" tooltips="1" connect="1" arrows="1" fold="1" page="0" '
            f'pageScale="1" pageWidth="{_n(scene.width)}" pageHeight="{_n(scene.height)}" math="0" shadow="0"'
            f'{background}><root>' + "\n".join(w.cells) + "</root></mxGraphModel></diagram></mxfile>\n")
