"""Scene -> vector PDF with fpdf2 (pure Python), the bundled font embedded and subset."""

from __future__ import annotations

import io

from .scene import Circle, Group, Image, Item, Path, Polygon, Rect, Scene, Text, path_commands
from .text import FONT_DIR, clean, supported, text_width


def _rgb(c: str) -> tuple[int, int, int]:
    return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)


def scene_to_pdf(scene: Scene) -> bytes:
    try:
        from fpdf import FPDF
    except ImportError as e:  # pragma: no cover - a dependency
        raise ImportError("PDF output needs fpdf2: pip install fpdf2") from e
    pdf = FPDF(unit="pt", format=(max(scene.width, 1.0), max(scene.height, 1.0)))
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_creator("archplot")
    if scene.title:
        pdf.set_title(clean(scene.title))
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    if scene.background:
        pdf.set_fill_color(*_rgb(scene.background))
        pdf.rect(0, 0, scene.width, scene.height, style="F")
    for it in scene.items:
        _draw(pdf, it)
    return bytes(pdf.output())


def _style(pdf, fill: str | None, stroke: str | None, width: float, dash) -> str | None:
    if fill:
        pdf.set_fill_color(*_rgb(fill))
    if stroke:
        pdf.set_draw_color(*_rgb(stroke))
        pdf.set_line_width(width)
        pdf.set_dash_pattern(dash[0], dash[1]) if dash else pdf.set_dash_pattern()
    return "DF" if fill and stroke else "F" if fill else "D" if stroke else None


def _draw(pdf, it: Item) -> None:
    if isinstance(it, Group):
        for sub in it.items:
            _draw(pdf, sub)
    elif isinstance(it, Rect):
        style = _style(pdf, it.fill, it.stroke, it.stroke_width, it.dash)
        if style:
            # fpdf2 draws a square box when the radius is exactly half a side: keep it under
            rx = min(it.rx, it.w / 2 - 0.01, it.h / 2 - 0.01)
            with pdf.local_context(fill_opacity=it.opacity, stroke_opacity=it.opacity):
                pdf.rect(it.x, it.y, it.w, it.h, style=style, round_corners=rx > 0.5, corner_radius=rx)
    elif isinstance(it, Polygon):
        style = _style(pdf, it.fill, it.stroke, it.stroke_width, None)
        if style:
            pdf.polygon(it.points, style=style)
    elif isinstance(it, Circle):
        style = _style(pdf, it.fill, it.stroke, it.stroke_width, None)
        if style:
            pdf.circle(it.cx, it.cy, it.r, style=style)
    elif isinstance(it, Path):
        _style(pdf, None, it.stroke, it.width, it.dash)
        x, y = 0.0, 0.0
        with pdf.local_context(stroke_opacity=it.opacity):
            for cmd, v in path_commands(it.points, it.curve):
                if cmd == "M":
                    x, y = v
                elif cmd == "L":
                    pdf.line(x, y, v[0], v[1])
                    x, y = v
                else:
                    pdf.bezier([(x, y), (v[0], v[1]), (v[2], v[3]), (v[4], v[5])], style="D")
                    x, y = v[4], v[5]
        pdf.set_dash_pattern()
    elif isinstance(it, Image):
        pdf.image(io.BytesIO(it.png), x=it.x, y=it.y, w=it.w, h=it.h)
    elif isinstance(it, Text):
        pdf.set_font("DejaVu", "B" if it.bold else "", it.size)
        pdf.set_text_color(*_rgb(it.fill))
        x = it.x
        if it.anchor != "start":
            w = text_width(it.text, it.size, it.bold)
            x -= w / 2 if it.anchor == "middle" else w
        pdf.text(x, it.y, supported(clean(it.text)))  # no glyph the font lacks: fpdf2 would warn
