"""Scene -> TikZ: a ``tikzpicture`` that ``\\input``s into a LaTeX document and sets its text in
the document's own font (only sizes and weights are given), lengths in pt, colours defined
with ``\\definecolor``. ``standalone=True`` wraps it in a document that compiles on its own
(pdflatex or lualatex). Units: one scene unit is a PostScript point (1/72 in), written in TeX pt (scale the scene first for print sizes).
"""

from __future__ import annotations

from .scene import Circle, Group, Image, Item, Path, Polygon, Rect, Scene, Text, path_commands

# Characters pdflatex's default set-up lacks, as LaTeX (others outside Latin-1 become "?":
# a label must never stop the document from compiling).
_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "%": r"\%", "#": r"\#",
    "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
    "|": r"\textbar{}", "'": r"\textquotesingle{}", "`": r"\textasciigrave{}", "\"": r"\textquotedbl{}",
    "-": "-{}", ",": ",{}",  # no ligatures: "--" must not become a dash, ",," not a quote
    "×": r"$\times$", "…": r"\ldots{}", "·": r"$\cdot$", "▸": r"$\triangleright$",
    "⚡": r"\textbf{!}", "→": r"$\rightarrow$", "≤": r"$\leq$", "≥": r"$\geq$", "−": "-", "–": "--",
    "—": "---", "\u2009": r"\,", "\u00a0": "~",
}


def escape_latex(text: str) -> str:
    """``text`` as LaTeX that prints it: special characters escaped, control characters dropped."""
    out = []
    for ch in text:
        if ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ch < " " or "\x7f" <= ch < "\xa0":
            continue
        elif ch > "\xff":
            out.append("?")
        else:
            out.append(ch)
    return "".join(out)


PT = 72.27 / 72  # TeX points per PostScript point: the scene's unit is 1/72 in


def _n(v: float) -> str:
    s = "%.2f" % (v + 0.0)
    return s.rstrip("0").rstrip(".") if "." in s else s


def _l(v: float) -> str:
    """A length in TeX pt."""
    return _n(v * PT)


class _Colors:
    """Each distinct colour once, as \\definecolor{apN}{HTML}{RRGGBB}."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def __call__(self, c: str) -> str:
        c = c.upper()
        if len(c) == 4:  # #RGB
            c = "#" + "".join(ch * 2 for ch in c[1:])
        name = self.names.get(c)
        if name is None:
            name = self.names[c] = f"ap{len(self.names)}"
        return name


def _paint(colors: _Colors, fill: str | None, stroke: str | None, width: float, dash, opacity: float = 1.0,
           rx: float = 0.0) -> str:
    opts = []
    if fill:
        opts.append(f"fill={colors(fill)}")
    if stroke:
        opts.append(f"draw={colors(stroke)}")
        opts.append(f"line width={_l(width)}pt")
        if dash:
            opts.append(f"dash pattern=on {_l(dash[0])}pt off {_l(dash[1])}pt")
    if opacity != 1.0:
        opts.append(f"opacity={_n(opacity)}")
    if rx > 0.05:
        opts.append(f"rounded corners={_l(rx)}pt")
    return ",".join(opts)


def _item(it: Item, colors: _Colors, out: list[str]) -> None:
    if isinstance(it, Group):
        for sub in it.items:
            _item(sub, colors, out)
    elif isinstance(it, Rect):
        if it.fill or it.stroke:
            rx = min(it.rx, it.w / 2, it.h / 2)
            opts = _paint(colors, it.fill, it.stroke, it.stroke_width, it.dash, it.opacity, rx)
            out.append(f"\\path[{opts}] ({_l(it.x)},{_l(it.y)}) rectangle ({_l(it.x + it.w)},{_l(it.y + it.h)});")
    elif isinstance(it, Circle):
        if it.fill or it.stroke:
            opts = _paint(colors, it.fill, it.stroke, it.stroke_width, None)
            out.append(f"\\path[{opts}] ({_l(it.cx)},{_l(it.cy)}) circle[radius={_l(it.r)}pt];")
    elif isinstance(it, Polygon):
        if it.fill or it.stroke:
            opts = _paint(colors, it.fill, it.stroke, it.stroke_width, None, it.opacity)
            pts = " -- ".join(f"({_l(x)},{_l(y)})" for x, y in it.points)
            out.append(f"\\path[{opts}] {pts} -- cycle;")
    elif isinstance(it, Path):
        parts = []
        for cmd, v in path_commands(it.points, it.curve):
            if cmd == "M":
                parts.append(f"({_l(v[0])},{_l(v[1])})")
            elif cmd == "L":
                parts.append(f"-- ({_l(v[0])},{_l(v[1])})")
            else:
                parts.append(f".. controls ({_l(v[0])},{_l(v[1])}) and ({_l(v[2])},{_l(v[3])}) .. "
                             f"({_l(v[4])},{_l(v[5])})")
        if len(parts) > 1:
            out.append(f"\\path[{_paint(colors, None, it.stroke, it.width, it.dash, it.opacity)}] {' '.join(parts)};")
    elif isinstance(it, Text):
        if not it.text.strip():
            return
        anchor = {"start": "base west", "middle": "base", "end": "base east"}[it.anchor]
        opts = f"anchor={anchor},inner sep=0pt,text={colors(it.fill)}"
        if it.halo:  # a background in the halo's colour keeps the text readable over lines
            opts += f",fill={colors(it.halo)},inner xsep=1pt,inner ysep=0.5pt"
        size = f"\\fontsize{{{_l(it.size)}pt}}{{{_l(it.size * 1.2)}pt}}\\selectfont"
        weight = "\\bfseries" if it.bold else ""
        out.append(f"\\node[{opts}] at ({_l(it.x)},{_l(it.y)}) {{{size}{weight} {escape_latex(it.text)}}};")
    elif isinstance(it, Image):  # pictures stay out of the .tex file: their place is marked
        out.append(f"\\path[draw=black!30,line width=0.4pt] ({_l(it.x)},{_l(it.y)}) rectangle "
                   f"({_l(it.x + it.w)},{_l(it.y + it.h)});")


def to_tikz(scene: Scene, standalone: bool = False) -> str:
    """The scene as a tikzpicture (y grows downwards, one unit is one pt)."""
    colors = _Colors()
    body: list[str] = []
    if scene.background:
        body.append(f"\\path[fill={colors(scene.background)}] (0,0) rectangle ({_l(scene.width)},{_l(scene.height)});")
    else:  # the figure keeps its size even where nothing is drawn
        body.append(f"\\useasboundingbox (0,0) rectangle ({_l(scene.width)},{_l(scene.height)});")
    for it in scene.items:
        _item(it, colors, body)
    title = escape_latex(scene.title) if scene.title else "a network"
    head = [f"% archplot: {title}, {scene.width / 72:.2f} x {scene.height / 72:.2f} in. Needs \\usepackage{{tikz}};",
            "% text is set in the document's font. Include it with \\input{this file}.",
            "\\begin{tikzpicture}[x=1pt,y=-1pt,line cap=round,line join=round]"]
    head += [f"\\definecolor{{{name}}}{{HTML}}{{{c[1:7]}}}" for c, name in colors.names.items()]
    text = "\n".join(head + body + ["\\end{tikzpicture}"]) + "\n"
    if standalone:
        text = ("\\documentclass[tikz,border=0pt]{standalone}\n\\usepackage[T1]{fontenc}\n\\usepackage{lmodern}\n"
                "\\begin{document}\n" + text + "\\end{document}\n")
    return text
