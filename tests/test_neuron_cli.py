"""``pynn-hpc run --backend neuron`` end to end, on one process and under MPI (mpich, mpi4py).

With the same seed, the recorded spikes and the weight sample must be identical for 1 and 2
MPI processes: every random draw (V_m, connections, Poisson drives) is independent of how
the neurons are distributed, and only rank 0 writes.
"""
import json
import pickle
import shutil
import subprocess
import sys

import pytest

SMALL = ["--scale", "0.02", "--indegree-scale", "0.1", "--dc-rate", "0", "--simtime", "60",
         "--presim", "20", "--seed", "5", "--spikes-format", "pickle"]


def run(*args, processes=None, timeout=600):
    cmd = [sys.executable, "-m", "pynn_hpc.cli", "run", "--backend", "neuron", *args]
    if processes:
        mpirun = shutil.which("mpirun")
        assert mpirun, "mpirun not found: the suite needs mpich (scripts/test.sh installs it)"
        cmd = [mpirun, "-np", str(processes)] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def spikes(out):
    with open(out / "spikes.pkl", "rb") as f:
        trains = pickle.load(f).segments[0].spiketrains
    return sorted((int(st.annotations["source_index"]), round(float(t), 6))
                  for st in trains for t in st.rescale("ms").magnitude)


def errors(stderr):
    """stderr without MPICH's exit-time notices about its own datatypes, and without the
    supervisor's "still running" progress (a slow start on a loaded machine)."""
    return [line for line in stderr.strip().splitlines()
            if "yaksa" not in line and "still running (" not in line]


@pytest.fixture(scope="module")
def one_process(tmp_path_factory, neuron_sim):
    out = tmp_path_factory.mktemp("np1")
    p = run(*SMALL, "--output", str(out))
    assert p.returncode == 0, p.stderr
    return out, p


def test_run_end_to_end(one_process):
    out, p = one_process
    r = json.loads((out / "results.json").read_text())
    assert r["backend"] == "neuron" and r["simulator"] == "NEURON" and r["mpi_processes"] == 1
    assert r["simulator_version"].startswith("9.0")
    assert r["n_neurons"] == 225
    assert r["n_connections"] == r["n_connections_expected"] == 225 * (900 + 225) + 225
    assert set(r["timings"]) >= {"time_create", "time_connect", "time_presimulate", "time_simulate"}
    assert r["rate_hz"] > 0 and r["weights_EE"]["n"] > 1000
    assert sum(1 for _, t in spikes(out) if 20.0 <= t < 80.0) == r["n_spikes"]
    assert "rate" in p.stdout and "written" in p.stdout


@pytest.mark.serial
def test_one_and_two_mpi_processes_give_identical_spikes(one_process, tmp_path):
    out1, _ = one_process
    out2 = tmp_path / "np2"
    p = run(*SMALL, "--output", str(out2), processes=2)
    assert p.returncode == 0, p.stderr
    r1 = json.loads((out1 / "results.json").read_text())
    r2 = json.loads((out2 / "results.json").read_text())
    assert r2["mpi_processes"] == 2
    assert len(spikes(out1)) > 100
    assert spikes(out2) == spikes(out1)
    w1, w2 = r1["weights_EE"], r2["weights_EE"]        # the same synapses, gathered in another order
    assert w2["n"] == w1["n"] and w2["min"] == w1["min"] and w2["max"] == w1["max"]
    assert w2["mean"] == pytest.approx(w1["mean"], rel=1e-12)
    assert r2["n_connections"] == r1["n_connections"]
    assert sorted(f.name for f in out2.iterdir()) == ["results.json", "spikes.pkl",
                                                      "weights_EE.npy"]     # rank 0 only, no temporaries
    assert p.stdout.count("written:") == 1


@pytest.mark.serial
def test_more_mpi_processes_than_neurons_is_refused(tmp_path):
    """--scale 0.0009: 8 E + 2 I neurons; 11 processes cannot share them."""
    out = tmp_path / "out"
    p = run("--scale", "0.0009", "--indegree-scale", "0.01", "--output", str(out), processes=11)
    assert p.returncode == 2
    lines = errors(p.stderr)
    assert len(lines) == 1 and "MPI processes" in lines[0] and "10 neurons" in lines[0], p.stderr
    assert "Traceback" not in p.stderr and not out.exists()


def test_info_lists_neuron():
    p = subprocess.run([sys.executable, "-m", "pynn_hpc.cli", "info"], capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0 and "NEURON 9.0" in p.stdout


def test_two_threads_give_identical_spikes(one_process, tmp_path):
    out1, _ = one_process
    out2 = tmp_path / "threads2"
    p = run(*SMALL, "--threads", "2", "--output", str(out2))
    assert p.returncode == 0, p.stderr
    assert json.loads((out2 / "results.json").read_text())["threads"] == 2
    assert spikes(out2) == spikes(out1)


def test_bad_output_after_loading_neuron_is_one_line(tmp_path, neuron_sim):
    """NEURON is imported by then: on one process it must print nothing of its own (no MPI)."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    p = run(*SMALL, "--output", str(blocker / "out"))
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "--output" in lines[0], p.stderr
