"""Sphinx configuration of pynn_hpc's documentation (``bash scripts/docs.sh`` builds it).

Pages are Markdown (MyST); the API reference is autodoc of the installed package, the command
line reference is generated from ``pynn_hpc.cli.build_parser`` (sphinx-argparse), and the
gallery runs ``examples/`` (sphinx-gallery; how: ``_ext/pynn_hpc_gallery.py``).  Nothing is
fetched from the network at build time (no intersphinx).
"""
import os
import sys
from pathlib import Path

import pynn_hpc

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

project = "pynn_hpc"
author = "the pynn_hpc authors"
copyright = "the pynn_hpc authors, CeCILL-2.1"
release = version = pynn_hpc.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinxarg.ext",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
smartquotes = False                 # "--dc-rate" in help texts stays two hyphens, not a dash
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store",
                    # sphinx-gallery's own copies of the examples, beside their pages
                    "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip",
                    "auto_examples/*.json", "auto_examples/*.md5"]

# ---- MyST ---------------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3            # [text](page.md#a-heading) links resolve

# ---- autodoc ------------------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = False
napoleon_numpy_docstring = True

# ---- sphinx-gallery -------------------------------------------------------------------------
# The examples simulate networks: each runs once per build (and only when it changed since the
# last build, unless PYNN_HPC_GALLERY_RERUN=1); an example that fails fails the build.
# `sphinx-build -D plot_gallery=0` (scripts/docs.sh --no-gallery) renders them without running.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/\d_\w+\.py$",        # run every example
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",   # 1, 2, 3 as in class
    "reset_argv": "pynn_hpc_gallery.reset_argv",
    "image_scrapers": ("pynn_hpc_gallery.scrape",),
    "run_stale_examples": os.environ.get("PYNN_HPC_GALLERY_RERUN") == "1",
    "download_all_examples": False,
    "remove_config_comments": True,
    "min_reported_time": 0,
    "first_notebook_cell": ("import sys\n"
                            "sys.argv = sys.argv[:1]   # the script reads its options from "
                            "sys.argv: here its defaults"),
}

# ---- HTML -------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"pynn_hpc {release}"
html_show_sourcelink = False

nitpicky = True
nitpick_ignore_regex = [
    # types named in numpy-style docstrings that are not documented objects here (no
    # intersphinx: the build fetches nothing)
    ("py:class", r"(numpy|np|neo|quantities|pathlib|argparse|subprocess|pyNN)\..*"),
]


def _numpy_docstrings_except_data(app):
    """napoleon, but not for module data and attributes: their ``#:`` comments here are prose
    ("External drive: each neuron receives ..."), which napoleon would split at the first colon
    into a type and a description."""
    from sphinx.ext import napoleon
    for listener in list(app.events.listeners.get("autodoc-process-docstring", [])):
        if listener.handler is napoleon._process_docstring:
            app.disconnect(listener.id)

    def process(app, what, name, obj, options, lines):
        if what not in ("data", "attribute"):
            napoleon._process_docstring(app, what, name, obj, options, lines)
    app.connect("autodoc-process-docstring", process)


def setup(app):
    app.connect("builder-inited", _numpy_docstrings_except_data)
