"""Build archplot's bundled fonts: DejaVu Sans (regular, bold) cut down to the characters
labels use, and their advance widths as a table for measuring text without a font library.

    pip install fonttools && python tools/make_fonts.py [/path/to/dejavu/dir]

Needs the full DejaVu Sans TTFs (Debian: fonts-dejavu-core). Writes src/archplot/backends/fonts/.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

SRC = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/truetype/dejavu")
OUT = Path(__file__).resolve().parents[1] / "src" / "archplot" / "render" / "fonts"
# Printable ASCII, Latin-1, and the symbols labels use (× → … · − ≤ ≥ ⚡ ▸ ▾ • ‖ ⋯ ↑ ↓ ←).
CHARS = ([*range(0x20, 0x7F)] + [*range(0xA0, 0x180)] +
         [0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2026, 0x2190, 0x2191, 0x2192, 0x2193,
          0x2212, 0x2264, 0x2265, 0x22EF, 0x25B8, 0x25BE, 0x26A1, 0x2016, 0x0394, 0x03A3, 0x03B1, 0x03B2,
          0x03B3, 0x03B5, 0x03BB, 0x03BC, 0x03C3])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    widths = {}
    for style, name in (("regular", "DejaVuSans.ttf"), ("bold", "DejaVuSans-Bold.ttf")):
        opts = subset.Options()
        opts.layout_features = ["kern", "liga"]
        opts.name_IDs = ["*"]
        opts.notdef_outline = True
        font = subset.load_font(str(SRC / name), opts)
        sub = subset.Subsetter(opts)
        sub.populate(unicodes=CHARS)
        sub.subset(font)
        target = OUT / name
        subset.save_font(font, str(target), opts)
        tt = TTFont(str(target))
        upm = tt["head"].unitsPerEm
        cmap = tt.getBestCmap()
        hmtx = tt["hmtx"]
        widths[style] = {chr(c): round(hmtx[g][0] / upm, 4) for c, g in sorted(cmap.items())}
        widths[style + "_ascent"] = round(tt["hhea"].ascent / upm, 4)
        widths[style + "_descent"] = round(-tt["hhea"].descent / upm, 4)
        print(f"{target.name}: {target.stat().st_size // 1024} KB, {len(cmap)} characters")
    (OUT / "metrics.json").write_text(json.dumps(widths, ensure_ascii=False, separators=(",", ":")))


if __name__ == "__main__":
    main()
