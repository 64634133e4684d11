"""How sphinx-gallery runs ``examples/`` for the documentation (named in ``docs/conf.py``).

The examples are command-line scripts: each writes its figure to the file (or directory) named
by ``--output`` and reads its other options from ``sys.argv``.  sphinx-gallery runs them in the
Sphinx process, so ``reset_argv`` gives each one its command line, with ``--output`` in the
gallery's output directory, and ``scrape`` shows the PNG files the example wrote there (example 1
closes its figure after saving it: matplotlib's own scraper would find nothing).

Environment (all optional):

``PYNN_HPC_GALLERY_OUTPUT``
    where the examples write (default ``docs/_build/gallery_output``); example 3's
    comparison (``pynn_hpc.compare``) reuses the finished runs it finds in
    ``<this>/3_two_backends/runs`` (``tests/test_docs.py`` copies the suite's shared comparison
    there).
``PYNN_HPC_GALLERY_ARGS_3``
    more options for example 3, e.g. ``--seeds 1 2 3 4 5 --simtime 200`` to match the runs
    copied there (default: none, the example's own defaults).
"""
import os
import shlex
import shutil
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1]

#: per example: its options besides --output, and the figure --output names (None: a directory)
EXAMPLES = {
    "1_network": ("network.png", []),
    "2_synapse": ("synapse.png", []),
    "3_two_backends": (None, shlex.split(os.environ.get("PYNN_HPC_GALLERY_ARGS_3", ""))),
}
#: the order in which an example's figures are shown (the first is the gallery's thumbnail)
FIGURES = {"3_two_backends": ["two_backends.png", "comparison.png"]}


def output_dir(name):
    root = Path(os.environ.get("PYNN_HPC_GALLERY_OUTPUT") or DOCS / "_build" / "gallery_output")
    return root.resolve() / name


def reset_argv(gallery_conf, script_vars):
    """The example's command line (without the script): ``--output`` into its output directory,
    from which the PNG files of an earlier build are removed first."""
    name = Path(script_vars["src_file"]).stem
    figure, options = EXAMPLES[name]
    out = output_dir(name)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    return ["--output", str(out / figure if figure else out), *options]


def scrape(block, block_vars, gallery_conf):
    """The PNG files the example has written into its output directory so far, each shown once."""
    name = Path(block_vars["src_file"]).stem
    out = output_dir(name)
    shown = block_vars.setdefault("pynn_hpc_shown", set())
    order = FIGURES.get(name, [])
    found = sorted((p for p in out.glob("*.png") if p.name not in shown),
                   key=lambda p: (order.index(p.name) if p.name in order else len(order), p.name))
    images = []
    for png in found:
        shown.add(png.name)
        target = next(block_vars["image_path_iterator"])
        shutil.copyfile(png, target)
        images.append(target)
    from sphinx_gallery.scrapers import figure_rst
    return figure_rst(images, gallery_conf["src_dir"])
