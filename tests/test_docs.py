"""The documentation site builds as ``scripts/docs.sh`` builds it, without one warning or broken
cross-reference (``sphinx-build -W -n``), with the command line reference generated from
``pynn-hpc``'s parser and every example of the gallery run, its figures shown.

Sphinx missing is a failure (the ``test`` extra installs it), not a skip.  The gallery runs the
examples in the Sphinx process; example 3's comparison reuses the shared comparison's
runs, copied where it looks for them, so it makes no run of its own."""
import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from pynn_hpc.cli import build_parser

from conftest import COMPARE_NETWORK, COMPARE_SEEDS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ["1_network", "2_synapse", "3_two_backends"]


def subcommands():
    """name -> its option strings, from the parser itself."""
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {name: [s for a in sub._actions for s in a.option_strings if s.startswith("--")]
            for name, sub in action.choices.items()}


def test_docs_build_without_warnings(tmp_path, comparison):
    source, _ = comparison
    gallery = tmp_path / "gallery"
    for backend in ("nest", "neuron"):
        for seed in COMPARE_SEEDS:
            shutil.copytree(source / "runs" / f"{backend}-seed{seed}",
                            gallery / "3_two_backends" / "runs" / f"{backend}-seed{seed}")
    simtime = COMPARE_NETWORK[COMPARE_NETWORK.index("--simtime") + 1]
    env = dict(os.environ, PYNN_HPC_GALLERY_OUTPUT=str(gallery), PYNN_HPC_GALLERY_RERUN="1",
               PYNN_HPC_GALLERY_ARGS_3=f"--seeds {' '.join(map(str, COMPARE_SEEDS))} "
                                       f"--simtime {simtime} --jobs 1")
    html = tmp_path / "html"
    p = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-b", "html",
                        "-d", str(tmp_path / "doctrees"), str(ROOT / "docs"), str(html)],
                       capture_output=True, text=True, timeout=1800, env=env)
    assert p.returncode == 0, (p.stdout[-3000:], p.stderr[-6000:])
    assert "WARNING" not in p.stderr and "ERROR" not in p.stderr, p.stderr[-6000:]

    # the command line reference: every subcommand with every option, from the parser
    cli = (html / "cli.html").read_text()
    for name, options in subcommands().items():
        assert f"pynn-hpc {name}" in cli, name
        for option in options:
            assert option in cli, (name, option)

    # the gallery: each example run, its figure on its page, the script and the notebook
    index = (html / "auto_examples" / "index.html").read_text()
    for name in EXAMPLES:
        page = (html / "auto_examples" / f"{name}.html").read_text()
        assert f"{name}.html" in index, name
        images = re.findall(rf'src="(\.\./_images/sphx_glr_{name}_\d+\.png)"', page)
        assert images, f"{name}: no figure on its page"
        for image in images:
            assert (html / "auto_examples" / image).stat().st_size > 10_000, image
        for suffix in (".py", ".ipynb"):
            assert list((html / "_downloads").rglob(name + suffix)), (name, suffix)
        assert "Traceback" not in page, name
    # example 3 reused the shared runs: nothing ran, and compare gave its verdict
    two = (html / "auto_examples" / "3_two_backends.html").read_text()
    assert two.count("reusing") == 2 * len(COMPARE_SEEDS) and "running (" not in two
    assert len(re.findall(r'src="\.\./_images/sphx_glr_3_two_backends_\d+\.png"', two)) == 2
