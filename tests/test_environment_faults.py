"""A broken environment ends in one line (issue 20, class 5): unwritable caches, no mpi4py.

Each case runs ``pynn-hpc`` in a real subprocess and asserts exit code 2, exactly one line on
stderr (no traceback, no matplotlib warning), the output directory not created; then a normal
run in the same broken environment, or with it repaired, works.

An unwritable HOME or XDG_CACHE_HOME is a path under a regular FILE (every mkdir below it fails
with ENOTDIR): chmod does not stop root, and the suite may run as root.  The populated cache
that must work read-only is chmod'ed read-only (which binds only a non-root user) and, for root
as well, must come out of the run unchanged.
"""
import os
import shutil
import subprocess
import sys

import pytest

from test_neuron_cli import errors

TINY = ["--scale", "0.01", "--simtime", "20", "--presim", "10", "--quiet"]
#: sPyNNaker maps the teaching network (at TINY's full indegree its rows exceed 256 synapses)
MAPPED = ["--preset", "teaching", "--quiet"]


@pytest.fixture
def blocked(tmp_path):
    """A path no process can create, whoever it runs as (below a regular file)."""
    (tmp_path / "a_file").write_text("not a directory\n")
    return tmp_path / "a_file"


def environment(**variables):
    """This environment without the variables that point single caches elsewhere, plus
    ``variables`` (None removes one)."""
    env = {k: v for k, v in os.environ.items() if k not in (
        "PYNN_HPC_NRNMECH_DIR", "PYNN_HPC_SPINNAKER_DIR", "MPLCONFIGDIR", "XDG_CACHE_HOME",
        "XDG_CONFIG_HOME")}
    env.update({k: str(v) for k, v in variables.items() if v is not None})
    return env


def pynn_hpc(*args, env, processes=None, timeout=600):
    cmd = [sys.executable, "-m", "pynn_hpc.cli", *args]
    if processes:
        mpirun = shutil.which("mpirun")
        assert mpirun, "mpirun not found: the suite needs mpich (scripts/install_mpi.sh)"
        cmd = [mpirun, "-np", str(processes)] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


def refused(p, output, *words):
    """Exit code 2, one line naming ``words``, no traceback, ``output`` not created."""
    lines = errors(p.stderr)
    assert p.returncode == 2, p.stderr
    assert len(lines) == 1 and "Traceback" not in p.stderr, p.stderr
    assert lines[0].startswith("pynn-hpc: error: "), lines
    for word in words:
        assert str(word) in lines[0], (word, lines[0])
    assert not output.exists()
    return lines[0]


def no_matplotlib(p):
    assert "matplotlib" not in p.stderr.lower() and "Traceback" not in p.stderr, p.stderr


def tree(root):
    """(path, size, mtime) of every file and directory under ``root``."""
    return sorted((str(path), path.stat().st_size, path.stat().st_mtime_ns)
                  for path in [root, *root.rglob("*")])


# -- SpiNNaker: sPyNNaker's reports go to the cache, or where the user's config says ----------

def test_spinnaker_refuses_unwritable_home_then_runs_with_a_writable_cache(tmp_path, blocked):
    out = tmp_path / "out"
    home = blocked / "home"
    line = refused(pynn_hpc("run", "--backend", "spinnaker", *TINY, "--output", out,
                            env=environment(HOME=home)),
                   out, home / ".cache" / "pynn_hpc" / "spinnaker_reports", "HOME")
    assert "XDG_CACHE_HOME" in line
    cache = tmp_path / "cache"
    p = pynn_hpc("run", "--backend", "spinnaker", *MAPPED, "--output", out,
                 env=environment(HOME=home, XDG_CACHE_HOME=cache))
    assert p.returncode == 0, p.stderr
    no_matplotlib(p)
    assert (out / "port.json").exists()
    assert (cache / "pynn_hpc" / "spinnaker_reports" / "reports").is_dir()


def test_spinnaker_variant_refuses_unwritable_xdg_cache(tmp_path, blocked):
    out = tmp_path / "out"
    refused(pynn_hpc("run", "--backend", "spinnaker:stock_alpha", *TINY, "--output", out,
                     env=environment(XDG_CACHE_HOME=blocked / "cache")),
            out, blocked / "cache" / "pynn_hpc" / "spinnaker_reports", "XDG_CACHE_HOME")


def test_spinnaker_refuses_an_unwritable_report_path_of_the_users_config(tmp_path, blocked):
    out, home = tmp_path / "out", tmp_path / "home"
    home.mkdir()
    (home / ".spynnaker.cfg").write_text(
        "[Machine]\nvirtual_board = True\nversion = 5\n\n"
        f"[Reports]\ndefault_report_file_path = {blocked / 'reports'}\n")
    refused(pynn_hpc("run", "--backend", "spinnaker", *TINY, "--output", out,
                     env=environment(HOME=home)),
            out, blocked / "reports", home / ".spynnaker.cfg", "default_report_file_path")


# -- NEURON and the emulation: NMODL compiled into the cache ---------------------------------

@pytest.mark.parametrize("backend", ["neuron", "spinnaker-emulated"])
def test_unbuilt_mechanisms_in_an_unwritable_cache_are_refused(tmp_path, blocked, backend):
    out = tmp_path / "out"
    refused(pynn_hpc("run", "--backend", backend, *TINY, "--output", out,
                     env=environment(HOME=blocked / "home", XDG_CACHE_HOME=blocked / "cache")),
            out, blocked / "cache" / "pynn_hpc" / "nrnmech", "XDG_CACHE_HOME")


def test_a_built_read_only_cache_just_works(tmp_path, blocked, neuron_sim):
    """The NEURON backend's library already compiled, in a read-only cache, HOME unwritable."""
    from pynn_hpc.backends.neuron import mechanisms
    built = mechanisms.load()
    cache = tmp_path / "cache"
    shutil.copytree(built, cache / "pynn_hpc" / "nrnmech" / built.name, symlinks=True)
    before = tree(cache)
    subprocess.run(["chmod", "-R", "a-w", str(cache)], check=True)
    out = tmp_path / "out"
    try:
        p = pynn_hpc("run", "--backend", "neuron", *TINY, "--output", out,
                     env=environment(HOME=blocked / "home", XDG_CACHE_HOME=cache))
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(cache)], check=True)
    assert p.returncode == 0, p.stderr
    no_matplotlib(p)
    assert (out / "results.json").exists()
    assert tree(cache) == before


# -- matplotlib's config and cache (NEST, PyNN and the figures import it) --------------------

def test_an_unwritable_home_adds_no_matplotlib_warning(tmp_path, blocked):
    """A run and a figure; the errors above (HOME unwritable too) are one line each."""
    out, env = tmp_path / "out", environment(HOME=blocked / "home")
    p = pynn_hpc("run", "--backend", "nest", *TINY, "--output", out, env=env)
    assert p.returncode == 0, p.stderr
    no_matplotlib(p)
    p = pynn_hpc("plot", out, "--output", tmp_path / "run.png", env=env)
    assert p.returncode == 0, p.stderr
    no_matplotlib(p)
    assert (tmp_path / "run.png").exists()


# -- MPI without mpi4py (scripts/install_nest_mpi.sh alone) -----------------------------------

@pytest.mark.serial
@pytest.mark.parametrize("backend", ["nest", "neuron"])
def test_mpirun_without_mpi4py_names_the_install_script(tmp_path, backend, nest_sim):
    """mpi4py hidden (a sitecustomize that blocks its import), never uninstalled."""
    assert nest_sim.has_mpi(), "NEST has no MPI: run 'bash scripts/install_nest_mpi.sh'"
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text("import sys\nsys.modules['mpi4py'] = None\n")
    out = tmp_path / "out"
    refused(pynn_hpc("run", "--backend", backend, *TINY, "--threads", "1", "--output", out,
                     processes=2, env=environment(PYTHONPATH=os.pathsep.join(
                         [str(hide), *filter(None, [os.environ.get("PYTHONPATH")])]))),
            out, "scripts/install_mpi.sh", "mpi4py")
    if backend == "nest":       # with mpi4py, the same command runs
        p = pynn_hpc("run", "--backend", backend, *TINY, "--threads", "1", "--output", out,
                     processes=2, env=environment())
        assert p.returncode == 0, p.stderr
        assert (out / "results.json").exists()
