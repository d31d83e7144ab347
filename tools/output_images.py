"""Regenerate the pictures of docs/guides/outputs.md: each output rendered by the program that
reads it (pdflatex, LibreOffice, resvg, poppler).

    python tools/output_images.py
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import torchvision
from PIL import Image
from torch import nn

import archplot
from archplot.backends.png import svg_to_png
from archplot.examples import ResidualBlock

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images"
LOREM = ("Residual networks learn a correction to the identity. " * 14).strip()


def run(*args: str, cwd: Path) -> None:
    subprocess.run(list(args), cwd=cwd, check=True, capture_output=True, timeout=600)


def page(pdf: Path, stem: Path, dpi: int, crop: tuple[int, int, int, int] | None = None) -> Image.Image:
    run("pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(pdf), str(stem), cwd=pdf.parent)
    img = Image.open(f"{stem}.png").convert("RGB")
    return img.crop(crop) if crop else img


def save(img: Image.Image, name: str) -> None:
    path = OUT / name
    img.convert("P", palette=Image.Palette.ADAPTIVE, colors=128).save(path, optimize=True)
    print(f"{path.relative_to(ROOT)}: {img.width}×{img.height}, {path.stat().st_size // 1024} KB")


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="archplot-images-"))
    mlp = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 4))
    block = ResidualBlock(8)

    # TikZ: a figure in a two-column paper, set in the paper's font (Times here).
    archplot.draw(mlp, input_size=(1, 16)).save(tmp / "mlp.tex", width="column")
    (tmp / "paper.tex").write_text(
        "\\documentclass[twocolumn]{article}\\usepackage[T1]{fontenc}\\usepackage{mathptmx}\\usepackage{tikz}"
        "\\usepackage[margin=0.75in]{geometry}\\pagestyle{empty}\n\\begin{document}\n"
        f"\\section{{Method}}{LOREM}\n\\begin{{figure}}[h]\\centering\\input{{mlp.tex}}"
        "\\caption{The network, drawn by archplot at column width.}\\end{figure}\n"
        f"{LOREM}\\par {LOREM}\n\\end{{document}}\n", encoding="utf-8")
    run("pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex", cwd=tmp)
    paper = page(tmp / "paper.pdf", tmp / "paper", 80, (40, 40, 640, 700))
    save(paper.resize((paper.width * 3 // 4, paper.height * 3 // 4), Image.Resampling.LANCZOS), "outputs_tikz_paper.png")

    # PowerPoint: the slide as LibreOffice draws it.
    archplot.draw(block, input_size=(1, 8, 8, 8), title="A residual block").save(tmp / "block.pptx")
    run("soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp), str(tmp / "block.pptx"), cwd=tmp)
    save(page(tmp / "block.pdf", tmp / "slide", 60), "outputs_pptx_slide.png")

    # Editable SVG: one group per module box; here layer2's group is restyled by its id.
    resnet = archplot.trace(torchvision.models.resnet18(weights=None), input_size=(1, 3, 224, 224))
    svg = archplot.draw(resnet, depth=2).to_svg(editable=True)
    svg = svg.replace(">", "><style>#layer2 > g[data-scope] > rect { fill: #fde7d2; stroke: #d55e00 }</style>", 1)
    img = Image.open(io.BytesIO(svg_to_png(svg, 1.0))).convert("RGB")
    save(img.crop((0, 330, img.width, 930)), "outputs_editable_svg.png")

    # Print widths: an MLP at column width beside a residual block at page width, true sizes.
    archplot.draw(mlp, input_size=(1, 16)).save(tmp / "column.pdf", width="column")
    archplot.draw(block, input_size=(1, 8, 8, 8)).save(tmp / "page.pdf", width="page")
    a, b = page(tmp / "column.pdf", tmp / "column", 50), page(tmp / "page.pdf", tmp / "page", 50)
    both = Image.new("RGB", (a.width + b.width + 30, max(a.height, b.height)), "white")
    both.paste(a, (0, 0))
    both.paste(b, (a.width + 30, 0))
    save(both, "outputs_widths.png")


if __name__ == "__main__":
    main()
