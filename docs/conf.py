"""Sphinx configuration. Build: python -m sphinx -W --keep-going -b html docs docs/_build/html"""

from __future__ import annotations

import glob
import os
import shutil
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
    for leftover in glob.glob(os.path.join(folder, "*.onnx")):
        os.remove(leftover)
    return figure_rst(names, gallery_conf["src_dir"])


sphinx_gallery_conf = {
    "examples_dirs": "../examples/gallery",
    "gallery_dirs": "gallery",
    "filename_pattern": "/plot_",
    "image_scrapers": (archplot_scraper,),
    "abort_on_example_error": True,
    "download_all_examples": False,
    "show_signature": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}
