"""Every backend in every layout: 1 and 2 threads (``--threads``) and 1 and 2 MPI processes
(``mpirun -np 2``), on a small network.

Each layout runs (exit 0, results.json saying its threads and processes) or is refused in one
line (exit 2, no traceback, nothing written).  What a run must keep across layouts is what its
backend promises (docs/backends.md, "Threads and MPI processes"):

* NEST: the same spikes for the same number of virtual processes (threads x processes);
* NEURON, and the emulation without ``stdp``: the same spikes and weights in every layout;
* the emulation with ``stdp``: only the invariants (its stochastic rounding draws in NEURON's
  delivery order, which depends on the layout);
* SpiNNaker: a virtual board maps the network (``port.json``), the same whatever ``--threads``
  (which do not apply); one host process drives the machine.

Invariants of every run: finite rates, every connection made (``n_connections`` as expected),
E->E weights near JE (no garbage read from freed memory: issue 20 found 1.8e-314 pA with
2 threads).  The layouts are a representative set, about 2.5 minutes of CPU in all; the MPI
runs are serial (scripts/test.sh).
"""
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import in_fresh_process, small_network
from pynn_hpc.analysis.compare import read_results, read_spiketrains
from test_neuron_cli import errors

#: 225 neurons, 253,350 connections, 20 + 60 ms
SMALL = ["--scale", "0.02", "--indegree-scale", "0.1", "--dc-rate", "0", "--simtime", "60",
         "--presim", "20", "--seed", "5", "--quiet"]
#: sPyNNaker maps at most 254 plastic synapses per row and core, SMALL has ~900 (its 180 E
#: neurons on one core): 1,125 neurons with indegree 90 + 22 instead
SPINNAKER = ["--scale", "0.1", "--indegree-scale", "0.01", "--dc-rate", "0", "--simtime", "60",
             "--presim", "20", "--seed", "5", "--quiet"]


def run(out, backend, threads=1, processes=1, network=SMALL):
    """``pynn-hpc run`` in a layout, into ``out``; the CompletedProcess."""
    cmd = [sys.executable, "-m", "pynn_hpc.cli", "run", "--backend", backend, *network,
           "--threads", str(threads), "--output", str(out)]
    if processes > 1:
        mpirun = shutil.which("mpirun")
        assert mpirun, "mpirun not found: the suite needs mpich (scripts/install_mpi.sh)"
        cmd = [mpirun, "-np", str(processes)] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900)


def ran(p, out, threads=1, processes=1):
    """results.json of a run in this layout, checked against the layout and the invariants."""
    assert p.returncode == 0, p.stderr[-3000:]
    assert written(p).count(out / "results.json") == 1, p.stdout     # rank 0 alone writes
    r = json.loads((out / "results.json").read_text())
    assert (r["threads"], r["mpi_processes"]) == (threads, processes)
    assert math.isfinite(r["rate_hz"]) and r["rate_hz"] > 0
    assert r["n_connections"] == r["n_connections_expected"] == r["derived"]["n_connections"]
    w, JE = r["weights_EE"], r["derived"]["JE"]
    assert w["n"] > 1000 and 0.5 * JE < w["min"] <= w["max"] < 2 * JE, w
    return r


def refused_in_one_line(p, out):
    """Exit code 2, one line on stderr, no traceback, nothing written."""
    assert p.returncode == 2
    assert len(errors(p.stderr)) == 1 and "Traceback" not in p.stderr, p.stderr
    assert not out.exists() or not any(out.iterdir())


def written(p):
    """The files a run says it wrote (``written: PATH`` lines), as often as it says so."""
    return [Path(line.split(":", 1)[1].strip()) for line in p.stdout.splitlines()
            if line.startswith("written:")]


def spikes(out):
    """(neuron, time) of every recorded spike, from the run's spikes file."""
    trains = read_spiketrains(out / read_results(out)["spikes_file"])
    return sorted((int(st.annotations["source_index"]), round(float(t), 6))
                  for st in trains for t in st.rescale("ms").magnitude)


def same_network_state(a, b):
    """Two runs with the same spikes and the same sampled weights."""
    (out_a, r_a), (out_b, r_b) = a, b
    assert len(spikes(out_a)) > 100
    assert spikes(out_a) == spikes(out_b)
    w_a, w_b = r_a["weights_EE"], r_b["weights_EE"]
    assert (w_a["n"], w_a["min"], w_a["max"]) == (w_b["n"], w_b["min"], w_b["max"])
    assert w_a["mean"] == pytest.approx(w_b["mean"], rel=1e-12)


def layouts(tmp_path, backend, *layout):
    """Run ``backend`` in each (threads, processes) of ``layout``: [(out, results)]."""
    runs = []
    for threads, processes in layout:
        out = tmp_path / f"t{threads}np{processes}"
        runs.append((out, ran(run(out, backend, threads, processes), out, threads, processes)))
    return runs


# -- threads (1 process) ------------------------------------------------------------------------

@pytest.mark.parametrize("backend", ["neuron", "spinnaker-emulated:lif"])
def test_threads_give_the_same_spikes(tmp_path, backend):
    """NEURON, and sPyNNaker's cell (``lif``: where issue 20 saw a SIGSEGV with 2 threads)."""
    same_network_state(*layouts(tmp_path, backend, (1, 1), (2, 1)))


def test_emulated_rule_runs_with_threads(tmp_path):
    """Every deviation: sPyNNaker's cell, and the fixed-point rule attached to each thread's
    matrices."""
    (_, r1), (_, r2) = layouts(tmp_path, "spinnaker-emulated", (1, 1), (2, 1))
    assert r1["spinnaker_numerics"] == r2["spinnaker_numerics"]
    assert r1["spinnaker_numerics"]["deviations"] == ["weights", "stdp", "alpha", "lif"]


def test_two_threads_read_every_weight():
    """Reading a projection held in one matrix per thread (NEURON backend)."""
    weights, JE = in_fresh_process("test_layouts", "_weights_with_two_threads")
    assert len(weights) > 1000 and all(w == JE for w in weights)


def _weights_with_two_threads():
    from pynn_hpc import backends
    sim, d, E, I, recorded, drive, prj = small_network(backends.load("neuron"), threads=2)
    assert len(prj["EE"]._matrices) == 2
    return list(prj["EE"].get("weight", format="list", with_address=False)), d.JE


def test_spinnaker_threads_do_not_apply(tmp_path):
    ports = []
    for threads in (1, 2):
        out = tmp_path / f"t{threads}"
        p = run(out, "spinnaker", threads, network=SPINNAKER)
        assert p.returncode == 0, p.stderr[-3000:]
        assert not (out / "results.json").exists()         # a virtual board: no spikes
        ports.append(json.loads((out / "port.json").read_text()))
    assert ports[0]["cores"] == ports[1]["cores"] and ports[0]["cores"]["neuron"] > 0
    assert ports[0]["populations"] == ports[1]["populations"]


# -- MPI processes (serial: 2 ranks that poll) ---------------------------------------------------

@pytest.mark.serial
def test_nest_same_virtual_processes_same_spikes(tmp_path):
    """2 threads x 1 process and 1 thread x 2 processes: 2 virtual processes each.  (1 thread
    x 1 process, which every other NEST test runs, gives other spikes: NEST's random streams
    are per virtual process.)"""
    same_network_state(*layouts(tmp_path, "nest", (2, 1), (1, 2)))


@pytest.mark.serial
def test_neuron_threads_and_processes_give_the_same_spikes(tmp_path):
    same_network_state(*layouts(tmp_path, "neuron", (1, 1), (2, 2)))


@pytest.mark.serial
def test_emulated_rule_runs_with_threads_and_processes(tmp_path):
    layouts(tmp_path, "spinnaker-emulated", (2, 2))


@pytest.mark.serial
def test_spinnaker_under_mpirun_refuses_in_one_line(tmp_path):
    """One host process drives SpiNNaker: two ranks must not both map and race for port.json;
    they refuse, in one line from rank 0, before anything is written."""
    out = tmp_path / "np2"
    p = run(out, "spinnaker", processes=2, network=SPINNAKER)
    refused_in_one_line(p, out)
    assert "driven by one host process, not 2: run it without mpirun" in p.stderr, p.stderr
