"""The interactive view: one self-contained HTML file (no network at view time), from the
data styles/viewer.py prepares; this module only turns it into the page.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

from .text import FONT_DIR

HERE = Path(__file__).parent


def _font_face() -> str:
    faces = []
    for name, weight in (("DejaVuSans.ttf", "normal"), ("DejaVuSans-Bold.ttf", "bold")):
        data = base64.b64encode((FONT_DIR / name).read_bytes()).decode("ascii")
        faces.append(f"@font-face{{font-family:'DejaVu Sans';font-weight:{weight};"
                     f"src:url(data:font/ttf;base64,{data}) format('truetype');}}")
    return "".join(faces)


def to_html(data: dict[str, Any], title: str) -> str:
    """The page for the viewer's ``data`` (see styles/viewer.py)."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    # inside <script>, "</" could close the element: JSON allows escaping it
    text = text.replace("</", "<\\/").replace("<!--", "<\\!--")
    page = (HERE / "viewer.html").read_text(encoding="utf-8")
    script = (HERE / "viewer.js").read_text(encoding="utf-8")
    title = html.escape(title)
    return (page.replace("__TITLE__", title).replace("__FONTS__", _font_face())
            .replace("__DATA__", text).replace("__SCRIPT__", script))


def iframe(page: str, height: int = 640) -> str:
    """The page inside an iframe, for notebooks: scripts run there, isolated from the notebook."""
    return (f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:{height}px;'
            'border:1px solid #ddd;border-radius:4px" sandbox="allow-scripts allow-downloads"></iframe>')
