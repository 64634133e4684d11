"""A real install: this tree as sdist -> wheel -> a fresh virtual environment, used as a user would.

The wheel is built from an sdist of the working tree (as ``python -m build`` does), installed with
its ``nest`` and ``neuron`` extras into a new venv in a temporary directory (removed afterwards; the
editable install the suite runs in is not touched), and run from there with the mechanism cache of
``~/.cache/pynn_hpc/nrnmech`` (keyed by a hash of the sources, so the wheel's own files decide).
"""
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: source directory -> where it is installed
PACKAGE_DIRS = {"pynn_hpc": "pynn_hpc", "backends": "pynn_hpc/backends", "analysis": "pynn_hpc/analysis"}
#: files a backend compiles at run time (NMODL, SpiNNaker C), besides its Python modules; and
#: every file of a ``host/`` directory (SpiNNaker's host-side checks)
COMPILED = (".mod", ".inc", ".c", ".h", ".mk")
TIMINGS = {}


def tree_files():
    """Every file of the working tree that git does not ignore, tracked or not."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return sorted(f for f in out.split("\0") if f and (ROOT / f).is_file())


def expected_installed():
    """source path -> installed path, for every module of a package and every compiled source."""
    files = tree_files()
    packages = {str(Path(f).parent) for f in files if Path(f).name == "__init__.py"}
    expected = {}
    for f in files:
        p = Path(f)
        top = p.parts[0]
        if top not in PACKAGE_DIRS:
            continue
        module = p.suffix == ".py" and str(p.parent) in packages
        compiled = p.suffix in COMPILED or p.name.startswith("Makefile") or p.parent.name == "host"
        if module or compiled:
            expected[f] = str(Path(PACKAGE_DIRS[top], *p.parts[1:]))
    return expected


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    env.update(extra)
    return env


def sh(args, cwd, timeout=900, check=True, **env):
    p = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                       env=clean_env(**env), timeout=timeout)
    if check:
        assert p.returncode == 0, f"{args} failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return p


@pytest.fixture(scope="module")
def tmp():
    with tempfile.TemporaryDirectory(prefix="pynn_hpc-wheel-") as d:
        yield Path(d)


@pytest.fixture(scope="module")
def built(tmp):
    """(sdist, wheel) built from a copy of the working tree (no build/ left over from earlier builds)."""
    src = tmp / "src"
    for f in tree_files():
        (src / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, src / f)
    start = time.monotonic()
    sh([sys.executable, "-c", "from setuptools import build_meta as b; b.build_sdist('dist')"], src)
    sdist, = (src / "dist").glob("pynn_hpc-*.tar.gz")
    sh([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp / "wheelhouse", sdist], tmp)
    wheel, = (tmp / "wheelhouse").glob("pynn_hpc-*.whl")
    TIMINGS["build sdist + wheel"] = time.monotonic() - start
    return sdist, wheel


@pytest.fixture(scope="module")
def venv(tmp, built):
    """A fresh venv holding the wheel with its nest and neuron extras; its bin/ directory."""
    start = time.monotonic()
    sh([sys.executable, "-m", "venv", tmp / "venv"], tmp)
    bin_ = tmp / "venv" / "bin"
    sh([bin_ / "python", "-m", "pip", "install", "-q", "--no-compile", f"{built[1]}[nest,neuron]"], tmp)
    TIMINGS["fresh venv + pip install wheel[nest,neuron]"] = time.monotonic() - start
    print(f"\n{TIMINGS}")
    return bin_


def test_wheel_and_sdist_hold_every_module_and_compiled_source(built):
    sdist, wheel = built
    expected = expected_installed()
    assert "backends/neuron/nmodl/SynapticMatrix.mod" in expected          # the list is not empty
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(src for src, inst in expected.items() if inst not in names)
    assert not missing, f"not in the wheel (setup.cfg packages / package_data): {missing}"
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE")
               for n in names)
    built_outputs = [n for n in names if n.endswith((".so", ".o", ".pyc")) or "/x86_64/" in n]
    assert not built_outputs
    with tarfile.open(sdist) as t:
        in_sdist = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    missing = sorted(set(expected) - in_sdist)
    assert not missing, f"not in the sdist: {missing}"
    assert {"LICENSE", "README.md", "setup.cfg", "pyproject.toml"} <= in_sdist


def test_info_from_the_wheel_lists_nest_and_neuron(venv, tmp):
    where = sh([venv / "python", "-c", "import importlib.util as u; "
                "print(u.find_spec('pynn_hpc.backends.neuron').origin)"], tmp).stdout
    assert where.startswith(str(tmp / "venv")), where                     # not the editable tree
    p = sh([venv / "pynn-hpc", "info"], tmp)
    lines = {line.split()[0]: line for line in p.stdout.splitlines()[1:]}
    assert "NEST 3.10" in lines["nest"] and "NEURON 9.0" in lines["neuron"], p.stdout
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize("backend", ["neuron", "nest"])
def test_short_run_from_the_wheel(venv, tmp, backend):
    out = tmp / f"run-{backend}"
    sh([venv / "pynn-hpc", "run", "--backend", backend, "--preset", "teaching",
        "--presim", "10", "--simtime", "50", "--output", out], tmp)
    r = json.loads((out / "results.json").read_text())
    assert r["backend"] == backend and r["simtime_ms"] == 50 and r["presim_ms"] == 10
    assert r["n_neurons"] == 3375 and r["n_spikes"] > 0 and r["rate_hz"] > 1


def overlay(venv, tmp, name):
    """A copy of the installed package that PYTHONPATH puts first, to break one thing in it."""
    site, = (venv.parent / "lib").glob("python3*/site-packages")
    dest = tmp / name
    shutil.copytree(site / "pynn_hpc", dest / "pynn_hpc")
    return dest


def test_info_reports_a_failed_nmodl_build_with_nrnivmodl_message(venv, tmp):
    """A real failing build: an NMODL syntax error in an empty mechanism cache."""
    path = overlay(venv, tmp, "broken-nmodl")
    nmodl = path / "pynn_hpc" / "backends" / "neuron" / "nmodl"
    (nmodl / "Broken.mod").write_text("NEURON { POINT_PROCESS Broken }\nBREAKPOINT { x = }\n")
    cache = tmp / "cache-broken"
    p = sh([venv / "pynn-hpc", "info"], tmp, check=False, PYTHONPATH=path, PYNN_HPC_NRNMECH_DIR=cache)
    assert p.returncode == 1, p.stdout + p.stderr
    lines = {line.split()[0]: line for line in p.stdout.splitlines()[1:]}
    assert "NEST 3.10" in lines["nest"]
    neuron = lines["neuron"]
    assert "installed but broken" in neuron and "nrnivmodl" in neuron and "not installed" not in neuron
    assert "Broken.mod" in neuron, neuron                                  # nrnivmodl's own message
    said = [line for line in p.stderr.splitlines() if line.startswith("compiling NEURON mechanisms")]
    assert len(said) == 1 and str(cache) in said[0], p.stderr              # the progress line, once
    assert "Traceback" not in p.stderr and not list(cache.glob("*/*/libnrnmech*"))
    # (`run` stops with that line and exit 2: tests/test_neuron_build.py)


def test_info_reports_a_backend_missing_from_the_install(venv, tmp):
    """The install this issue found: no pynn_hpc.backends.neuron, and 'pip install' advice that never helps."""
    path = overlay(venv, tmp, "no-neuron")
    shutil.rmtree(path / "pynn_hpc" / "backends" / "neuron")
    p = sh([venv / "pynn-hpc", "info"], tmp, check=False, PYTHONPATH=path)
    assert p.returncode == 1
    neuron = [line for line in p.stdout.splitlines() if line.split()[0] == "neuron"][0]
    assert "installed but broken" in neuron and "reinstall pynn_hpc" in neuron, neuron
    assert "pip install 'pynn_hpc[neuron]'" not in neuron
