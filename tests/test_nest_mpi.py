"""NEST across processes: ``mpirun -np N pynn-hpc run --backend nest`` with the MPI-enabled NEST
that ``scripts/install_nest_mpi.sh`` builds (``scripts/test.sh`` installs it).

NEST promises identical results for the same number of virtual processes (processes x threads),
whatever the split: 2 processes x 1 thread must give the spikes of 1 process x 2 threads.
"""
import json
import shutil
import subprocess
import sys
import zipfile

import pytest

from pynn_hpc.analysis.compare import read_results, read_spiketrains
from test_neuron_cli import errors

SMALL = ["--scale", "0.02", "--indegree-scale", "0.1", "--dc-rate", "0", "--simtime", "60",
         "--presim", "20", "--seed", "5"]


def spikes(out):
    """(neuron, time) of every recorded spike, from the run's own spikes file (NIX by default)."""
    trains = read_spiketrains(out / read_results(out)["spikes_file"])
    return sorted((int(st.annotations["source_index"]), round(float(t), 6))
                  for st in trains for t in st.rescale("ms").magnitude)


def run(*args, processes=None, env=None, timeout=600):
    cmd = [sys.executable, "-m", "pynn_hpc.cli", "run", "--backend", "nest", *args]
    if processes:
        mpirun = shutil.which("mpirun")
        assert mpirun, "mpirun not found: the suite needs mpich (scripts/test.sh installs it)"
        cmd = [mpirun, "-np", str(processes)] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


def test_nest_is_built_with_mpi(nest_sim):
    """The suite's NEST has MPI (scripts/install_nest_mpi.sh); has_mpi() reads the same from config.h."""
    import nest
    assert nest.build_info["have_mpi"], \
        "NEST has no MPI: run 'bash scripts/install_nest_mpi.sh' (scripts/test.sh does)"
    assert nest_sim.has_mpi()


def test_info_says_nest_has_mpi():
    p = subprocess.run([sys.executable, "-m", "pynn_hpc.cli", "info"], capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0
    assert any(line.split()[:1] == ["nest"] and "MPI" in line for line in p.stdout.splitlines()), \
        p.stdout


@pytest.mark.serial
def test_two_processes_give_the_spikes_of_two_threads(tmp_path, nest_sim):
    threads, ranks = tmp_path / "threads2", tmp_path / "np2"
    p1 = run(*SMALL, "--threads", "2", "--output", str(threads))
    assert p1.returncode == 0, p1.stderr
    p2 = run(*SMALL, "--threads", "1", "--output", str(ranks), processes=2)
    assert p2.returncode == 0, p2.stderr
    r1 = json.loads((threads / "results.json").read_text())
    r2 = json.loads((ranks / "results.json").read_text())
    assert (r1["threads"], r1["mpi_processes"]) == (2, 1)
    assert (r2["threads"], r2["mpi_processes"]) == (1, 2)
    assert len(spikes(threads)) > 100
    assert spikes(ranks) == spikes(threads)
    assert r2["n_connections"] == r1["n_connections"] == r1["n_connections_expected"]
    # the weight sample is drawn from the same synapses, gathered from both ranks
    assert r2["weights_EE"]["n"] == r1["weights_EE"]["n"]
    assert r2["weights_EE"]["mean"] == pytest.approx(r1["weights_EE"]["mean"], rel=1e-12)
    # written once, by rank 0, with each rank's timings and memory
    assert p2.stdout.count("written:") == 1
    assert sorted(r2["ranks"]) == ["0", "1"]
    for rank in r2["ranks"].values():
        assert rank["timings"]["time_simulate"] > 0 and rank["peak_rss_mb"] > 0
    assert not [f for f in ranks.iterdir() if f.name.startswith(".")]     # no temporaries


def _nest_without_mpi(directory):
    """The registry's nest-simulator wheel (built without MPI), unpacked: only its package files."""
    p = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary",
                        ":all:", "nest-simulator==3.10.0", "-d", str(directory)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    wheel, = directory.glob("nest_simulator-*.whl")
    with zipfile.ZipFile(wheel) as z:
        z.extractall(directory / "site", [n for n in z.namelist() if n.startswith("nest/")])
    return directory / "site"


@pytest.mark.serial
def test_mpirun_with_a_nest_without_mpi_is_one_line(tmp_path):
    """Before NEST is imported: one line naming the install script, exit 2 on every rank."""
    import os
    site = _nest_without_mpi(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(site))
    out = tmp_path / "out"
    p = run(*SMALL, "--output", str(out), processes=2, env=env)
    assert p.returncode == 2, p.stderr
    lines = errors(p.stderr)
    assert len(lines) == 1 and "install_nest_mpi.sh" in lines[0], p.stderr
    assert "Traceback" not in p.stderr and "FATAL" not in p.stderr
    assert not out.exists()
