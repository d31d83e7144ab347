"""The interactive view: one self-contained HTML file (no network at view time), from the
data styles/viewer.py prepares; this module only turns it into the page.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from typing import Any

from .text import FONT_DIR, clean

HERE = Path(__file__).parent


def _font_face() -> str:
    faces = []
    for name, weight in (("DejaVuSans.ttf", "normal"), ("DejaVuSans-Bold.ttf", "bold")):
        data = base64.b64encode((FONT_DIR / name).read_bytes()).decode("ascii")
        faces.append(f"@font-face{{font-family:'DejaVu Sans';font-weight:{weight};"
                     f"src:url(data:font/ttf;base64,{data}) format('truetype');}}")
    return "".join(faces)


def _cleaned(value: Any) -> Any:
    """The page's data with control characters out of every string (names, titles, keys)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {(clean(k) if isinstance(k, str) else k): _cleaned(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_cleaned(v) for v in value]
    return value


def script_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element whatever its strings hold: pure ASCII,
    with ``<``, ``>`` and ``&`` as ``\\uXXXX`` escapes (they occur only inside strings, so
    no ``</script>`` or ``<!--`` can form; U+2028/U+2029 are escaped by ``ensure_ascii``)."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_SLOT = re.compile(r"__(TITLE|FONTS|DATA|SCRIPT)__")


def to_html(data: dict[str, Any], title: str) -> str:
    """The page for the viewer's ``data`` (see styles/viewer.py)."""
    page = (HERE / "viewer.html").read_text(encoding="utf-8")
    fill = {
        "TITLE": html.escape(clean(str(title))),
        "FONTS": _font_face(),
        "DATA": script_json(_cleaned(data)),
        "SCRIPT": (HERE / "viewer.js").read_text(encoding="utf-8"),
    }
    # one pass over the template: text put into one slot is never searched for another
    return _SLOT.sub(lambda m: fill[m.group(1)], page)


def iframe(page: str, height: int = 640) -> str:
    """The page inside an iframe, for notebooks: scripts run there, isolated from the notebook."""
    return (f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:{height}px;'
            'border:1px solid #ddd;border-radius:4px" sandbox="allow-scripts allow-downloads"></iframe>')
