"""Scene -> PowerPoint (.pptx, python-pptx): one slide of the chosen size with native shapes.
Each module box is a group (its box, its nodes, its inner boxes and its edges); nodes are rounded
rectangles with their text; an edge between neighbouring ranks is a curved connector attached
to the two nodes (it follows them when they are moved), a longer one a line along its route.
The scene comes in at print size: one unit is one pt."""

from __future__ import annotations

import io
from typing import Any

from ..errors import InputError
from .editable import editable
from .scene import Rect, Scene, Text, sample_path

EMU = 12700  # per pt
FONT = "Arial"  # narrower than the font the boxes were measured with: text stays inside


def _emu(v: float) -> int:
    return int(round(v * EMU))


def _rgb(c: str) -> Any:
    from pptx.dml.color import RGBColor

    c = c.lstrip("#")
    return RGBColor.from_string((c * 2 if len(c) == 3 else c)[:6].upper())


def _outline(shape: Any, stroke: str | None, width: float, dash: Any = None) -> None:
    from pptx.enum.dml import MSO_LINE

    if stroke:
        shape.line.color.rgb = _rgb(stroke)
        shape.line.width = _emu(width)
        if dash:
            shape.line.dash_style = MSO_LINE.DASH
    else:
        shape.line.fill.background()


def _arrow(line_shape: Any) -> None:
    """An arrow head at the end of a line (python-pptx has no property for it)."""
    from pptx.oxml.ns import qn

    ln = line_shape.line._get_or_add_ln()
    ln.append(ln.makeelement(qn("a:tailEnd"), {"type": "triangle", "w": "med", "len": "med"}))


def _plain(shape: Any) -> Any:
    """No theme style: without it no renderer adds the theme's shadow or colours."""
    from pptx.oxml.ns import qn

    style = shape._element.find(qn("p:style"))
    if style is not None:
        shape._element.remove(style)
    return shape


def _box(shapes: Any, r: Rect, lines: list[tuple[str, float, bool, str]], title: bool, stacked: int,
         offset: float = 0.0) -> Any:
    """A rounded rectangle with lines of text; ``stacked`` copies behind it, ``offset`` apart
    (a folded run of blocks)."""
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN

    for k in range(stacked, 0, -1):
        copy = Rect(r.x + k * offset, r.y + k * offset, r.w, r.h, r.fill, r.stroke, r.stroke_width, r.rx)
        _box(shapes, copy, [], title, 0)
    shape = _plain(shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, _emu(r.x), _emu(r.y), _emu(r.w), _emu(r.h)))
    shape.adjustments[0] = min(r.rx / max(min(r.w, r.h), 1e-6), 0.5)
    if r.fill:
        shape.fill.solid()
        shape.fill.fore_color.rgb = _rgb(r.fill)
    else:
        shape.fill.background()
    _outline(shape, r.stroke, r.stroke_width, r.dash)
    tf = shape.text_frame
    tf.word_wrap = False
    tf.vertical_anchor = MSO_ANCHOR.TOP if title else MSO_ANCHOR.MIDDLE
    tf.margin_left = tf.margin_right = _emu(min(6.0, r.w / 10) if title else 1.0)
    tf.margin_top = _emu(2.0) if title else 0
    tf.margin_bottom = 0
    for i, (text, size, bold, colour) in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.alignment = PP_ALIGN.LEFT if title else PP_ALIGN.CENTER
        run = p.add_run()
        run.text = _clean(text)
        run.font.size = _emu(size)
        run.font.bold = bold
        run.font.name = FONT
        run.font.color.rgb = _rgb(colour)
    return shape


def _clean(text: str) -> str:
    """Office XML cannot hold control characters."""
    return "".join(ch for ch in text if ch >= " " or ch == "\t")


def _text(shapes: Any, t: Text) -> None:
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN

    from .text import text_width

    w = text_width(t.text, t.size, t.bold) + 4
    x = t.x - (w if t.anchor == "end" else w / 2 if t.anchor == "middle" else 0)
    box = _plain(shapes.add_textbox(_emu(x), _emu(t.y - t.size * 1.0), _emu(w), _emu(t.size * 1.3)))
    tf = box.text_frame
    tf.word_wrap = False
    tf.margin_left = tf.margin_right = tf.margin_top = tf.margin_bottom = 0
    tf.vertical_anchor = MSO_ANCHOR.TOP
    p = tf.paragraphs[0]
    p.alignment = {"start": PP_ALIGN.LEFT, "middle": PP_ALIGN.CENTER, "end": PP_ALIGN.RIGHT}[t.anchor]
    run = p.add_run()
    run.text = _clean(t.text)
    run.font.size = _emu(t.size)
    run.font.bold = t.bold
    run.font.name = FONT
    run.font.color.rgb = _rgb(t.fill)


def to_pptx(scene: Scene, slide_size: tuple[float, float]) -> bytes:
    """``scene`` (at print size) centred on one slide of ``slide_size`` pt."""
    try:
        from pptx import Presentation
        from pptx.enum.shapes import MSO_CONNECTOR
        from pptx.util import Emu
    except ImportError as e:
        raise InputError("PowerPoint output needs python-pptx: pip install 'archplot[pptx]'") from e
    doc = editable(scene, "PowerPoint output")
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(_emu(slide_size[0])), Emu(_emu(slide_size[1]))
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    if scene.background:
        slide.background.fill.solid()
        slide.background.fill.fore_color.rgb = _rgb(scene.background)
    dx, dy = (slide_size[0] - scene.width) / 2, (slide_size[1] - scene.height) / 2

    def at(r: Rect) -> Rect:
        return Rect(r.x + dx, r.y + dy, r.w, r.h, r.fill, r.stroke, r.stroke_width, r.rx, r.dash)

    groups: dict[str | None, Any] = {None: slide.shapes}
    for b in doc.boxes:  # outer first
        group = groups[b.parent].add_group_shape()
        group.name = b.path or b.id
        groups[b.id] = group.shapes
        title = [(b.title.text, b.title.size, True, b.title.fill)] if b.title else []
        _box(group.shapes, at(b.rect), title, True, b.stacked, b.offset)
    placed: dict[str, Any] = {}
    for n in doc.nodes:
        placed[n.id] = _box(groups[n.parent], at(n.rect), n.lines, False, n.stacked, n.offset)
        if n.path:
            placed[n.id].name = n.path
    for c in doc.connectors:
        pts = [(x + dx, y + dy) for x, y in c.path.points]
        lr = c.path.curve == "h"
        shapes = groups[c.parent]
        if len(pts) <= 4:  # between neighbouring ranks: attached, so it follows the nodes
            line = _plain(shapes.add_connector(MSO_CONNECTOR.CURVE, _emu(pts[0][0]), _emu(pts[0][1]), _emu(pts[-1][0]),
                                        _emu(pts[-1][1])))
            line.begin_connect(placed[c.source], 3 if lr else 2)
            line.end_connect(placed[c.target], 1 if lr else 0)
        else:  # a long edge keeps its route beside the nodes it passes
            drawn = sample_path(pts, c.path.curve, steps=12)
            builder = shapes.build_freeform(_emu(drawn[0][0]), _emu(drawn[0][1]), scale=1.0)
            builder.add_line_segments([(_emu(x), _emu(y)) for x, y in drawn[1:]], close=False)
            line = _plain(builder.convert_to_shape())
            line.fill.background()
        _outline(line, c.path.stroke, c.path.width)
        _arrow(line)
    for lo in doc.loose:
        if isinstance(lo.item, Text):
            _text(groups[lo.parent], Text(lo.item.x + dx, lo.item.y + dy, lo.item.text, lo.item.size, lo.item.fill,
                                          lo.item.bold, lo.item.anchor))
        else:
            _box(groups[lo.parent], at(lo.item), [], False, 0)
    if scene.title:
        prs.core_properties.title = _clean(scene.title)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()

