"""Sphinx configuration. Build: python -m sphinx -W --keep-going -b html docs docs/_build/html"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import tempfile
import warnings

project = "archplot"
author = "the archplot developers"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "myst_parser", "sphinx_gallery.gen_gallery"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "images/*.svg"]
html_theme = "furo"
html_title = "archplot"
autodoc_typehints = "none"  # signatures show the parameters; the docstrings say what they take
autodoc_member_order = "bysource"
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "config.cache"]  # the gallery scraper is a function
warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", category=UserWarning)


def archplot_scraper(block, block_vars, gallery_conf):
    """Pick up the PNG files an example wrote and show them under its code."""
    from sphinx_gallery.scrapers import figure_rst

    folder = os.path.dirname(block_vars["src_file"])
    names = []
    for png in sorted(glob.glob(os.path.join(folder, "*.png")), key=os.path.getmtime):
        target = next(block_vars["image_path_iterator"])
        shutil.move(png, target)
        names.append(target)
    return figure_rst(names, gallery_conf["src_dir"])


# sphinx-gallery runs each example in the example's own folder, so the files an example writes
# (pictures, an exported .onnx and its weights) land beside it. The examples are run from a
# temporary copy instead: the source tree stays as it is.
_HERE = os.path.dirname(os.path.abspath(__file__))
_EXAMPLES = tempfile.mkdtemp(prefix="archplot-gallery-")
shutil.copytree(os.path.join(_HERE, "..", "examples", "gallery"), _EXAMPLES, dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("*.png", "*.onnx", "*.onnx.data", "*.svg", "*.html", "*.pdf"))
atexit.register(shutil.rmtree, _EXAMPLES, ignore_errors=True)


sphinx_gallery_conf = {
    "examples_dirs": _EXAMPLES,
    "gallery_dirs": "gallery",
    "filename_pattern": "/plot_",
    "image_scrapers": (archplot_scraper,),
    "abort_on_example_error": True,
    "download_all_examples": False,
    "show_signature": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}
