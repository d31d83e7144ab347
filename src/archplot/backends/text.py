"""Text measurement from the bundled font's own advance widths (no font library needed)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

FONT_DIR = Path(__file__).parent / "fonts"
FONT_FAMILY = "DejaVu Sans"
# Fallbacks with similar (wide) metrics first, so text stays inside its box without the font.
FONT_STACK = "'DejaVu Sans', Verdana, 'Bitstream Vera Sans', Geneva, sans-serif"


@lru_cache(maxsize=1)
def _metrics() -> dict:
    return json.loads((FONT_DIR / "metrics.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=65536)  # labels repeat: every block of a model has the same ones
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in pixels of ``text`` set in the bundled font at ``size`` px."""
    table = _metrics()["bold" if bold else "regular"]
    fallback = table.get("M", 0.9)
    return size * sum([table.get(ch, fallback) for ch in text])


def ascent(size: float) -> float:
    return size * _metrics()["regular_ascent"]


def font_files() -> list[str]:
    return [str(FONT_DIR / "DejaVuSans.ttf"), str(FONT_DIR / "DejaVuSans-Bold.ttf")]


def supported(text: str) -> str:
    """``text`` with characters the bundled font lacks replaced by '?'."""
    table = _metrics()["regular"]
    return "".join(ch if ch in table else "?" for ch in text)


# C0 controls other than tab, newline and carriage return, DEL, C1 controls: not allowed in XML,
# meaningless in a label, and some (ESC) act on terminals.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LINE_SEPARATORS = re.compile("[\u2028\u2029]")


def clean(text: str) -> str:
    """``text`` as any output can hold it: control characters become '?', line and paragraph
    separators spaces. Every name is text from a stranger; each backend calls this."""
    text = CONTROL.sub("?", text)
    return LINE_SEPARATORS.sub(" ", text) if ("\u2028" in text or "\u2029" in text) else text
