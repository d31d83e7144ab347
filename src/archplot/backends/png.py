"""SVG -> PNG with resvg (a pip wheel, no system libraries), using the bundled font."""

from __future__ import annotations

from .text import font_files


def svg_to_png(svg: str, zoom: float) -> bytes:
    try:
        import resvg_py
    except ImportError as e:  # pragma: no cover - a dependency
        raise ImportError("PNG output needs resvg-py: pip install resvg-py") from e
    data = resvg_py.svg_to_bytes(svg_string=svg, zoom=zoom, font_files=font_files(), skip_system_fonts=True,
                                 shape_rendering="geometric_precision", text_rendering="optimize_legibility")
    return bytes(data)
