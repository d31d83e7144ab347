"""
Figures for papers and slides: TikZ, PDF, draw.io, PowerPoint, editable SVG
===========================================================================

One drawing, saved in every format a paper or a talk needs. The files go to a temporary
folder (printed below); the picture shown is the diagram they all hold.

- ``.tex``: a ``tikzpicture`` to ``\\input`` into the paper; its text is set in the paper's
  font. ``standalone=True`` makes a document that compiles on its own.
- ``.pdf``: vector, fonts embedded as TrueType subsets (no Type 3 fonts).
- ``width="column"`` (3.25 in), ``"page"`` (6.75 in), ``"slide"`` (13.33 × 7.5 in) or inches
  sizes the ``.pdf``, ``.tex`` and ``.pptx``; text never gets smaller than 6 pt (archplot says
  which ``depth`` would fit instead).
- ``.drawio`` and ``.pptx``: native, editable shapes, module boxes as containers or groups,
  connectors attached to the nodes. ``.pptx`` needs ``pip install "archplot[pptx]"``.
- ``editable=True`` SVG: one ``<g>`` per module box, named by its qualified name.
"""

import tempfile
from pathlib import Path

import torch
from torch import nn

import archplot
from archplot.examples import ResidualBlock

out = Path(tempfile.mkdtemp(prefix="archplot-outputs-"))

# A narrow network fits a journal column with its text at 6 pt or more.
mlp = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 4))
column = archplot.draw(mlp, input_size=(1, 16), title="An MLP")
column.save(out / "mlp.tex", width="column")  # \input{mlp.tex} in the paper
column.save(out / "mlp_standalone.tex", width="column", standalone=True)
column.save(out / "mlp.pdf", width="column")

# A residual block: a full page width, a slide, and the editable formats.
block = archplot.draw(ResidualBlock(8), input_size=(1, 8, 8, 8), title="A residual block")
block.save(out / "block.pdf", width="page")
block.save(out / "block.drawio")
block.save(out / "block.svg", editable=True)
try:
    block.save(out / "block.pptx")  # a 13.33 × 7.5 in slide
except archplot.InputError as e:  # python-pptx not installed
    print(e)

# A size that would set text under 6 pt is refused, saying what would fit.
try:
    block.save(out / "too_small.pdf", width=2.0)
except archplot.InputError as e:
    print(e)

print(out)
for path in sorted(out.iterdir()):
    print(f"  {path.name:22} {path.stat().st_size:>8,} bytes")

block.save("paper_outputs.png")
assert torch  # the models above are PyTorch modules
