"""The documentation builds: every gallery example runs, no warning, no broken link between pages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # subprocesses, a browser, a docs build or real models: minutes in all
ROOT = Path(__file__).resolve().parents[1]


def test_docs_build(tmp_path):
    pytest.importorskip("sphinx_gallery")
    pytest.importorskip("myst_parser")
    pytest.importorskip("furo")
    import shutil

    shutil.rmtree(ROOT / "docs" / "gallery", ignore_errors=True)  # generated: run every example again
    examples_before = sorted(p.name for p in (ROOT / "examples").rglob("*"))
    r = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                        "-d", str(tmp_path / "doctrees"), str(ROOT / "docs"), str(tmp_path / "html")],
                       capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    assert sorted(p.name for p in (ROOT / "examples").rglob("*")) == examples_before  # nothing written beside them
    gallery = tmp_path / "html" / "gallery"
    pages = sorted(p.name for p in gallery.glob("plot_*.html"))
    assert len(pages) == len(list((ROOT / "examples" / "gallery").glob("plot_*.py")))
    # every example produced its pictures
    assert len(list((tmp_path / "html" / "_images").glob("sphx_glr_plot_*.png"))) >= 25
    assert "archplot.trace" in (tmp_path / "html" / "api.html").read_text()
