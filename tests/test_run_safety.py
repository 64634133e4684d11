"""Runs that are repeated, progress, MPI failures, per-node memory.

Real NEST and NEURON in real subprocesses: a rank made to fail under ``mpirun -np 2``.
Signals (a run interrupted, also under MPI) are tests/test_stopping.py's.
"""
import fcntl
import json
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios

import pytest

from pynn_hpc import estimate as E
from pynn_hpc.derived import derive

CLI = [sys.executable, "-m", "pynn_hpc.cli"]
SMALL = {"nest": ["--scale", "0.02", "--simtime", "60", "--presim", "20", "--seed", "1"],
         "neuron": ["--scale", "0.02", "--indegree-scale", "0.1", "--dc-rate", "0",
                    "--simtime", "60", "--presim", "20", "--seed", "5"]}


def cli(*args, prelude=None, mpi=None, **kw):
    cmd = CLI + list(args)
    if prelude:
        cmd = [sys.executable, "-c", f"import sys\n{prelude}\nfrom pynn_hpc.cli import main\n"
               "sys.exit(main(sys.argv[1:]))", *args]
    if mpi:
        mpirun = shutil.which("mpirun")
        assert mpirun, "mpirun not found: the suite needs mpich (scripts/install_mpi.sh)"
        cmd = [mpirun, "-np", str(mpi)] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, timeout=kw.get("timeout", 600))


def ours(stderr):
    """stderr lines without MPICH's own notices (leaked datatypes, its abort report)."""
    return [line for line in stderr.strip().splitlines()
            if line.strip() and "yaksa" not in line and not line.startswith(("Abort(", "[unset]"))
            and "MPI_Abort" not in line and "BAD TERMINATION" not in line]


# -- repeated runs ----------------------------------------------------------------------

def test_finished_run_is_refused_without_overwrite(tmp_path):
    out = tmp_path / "out"
    p = cli("run", *SMALL["nest"], "--quiet", "--output", str(out))
    assert p.returncode == 0, p.stderr
    before = {f.name: (f.stat().st_mtime_ns, f.read_bytes()) for f in out.iterdir()}
    p = cli("run", *SMALL["nest"], "--seed", "2", "--output", str(out))
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "--overwrite" in lines[0] and "finished run" in lines[0], p.stderr
    assert {f.name: (f.stat().st_mtime_ns, f.read_bytes()) for f in out.iterdir()} == before
    from pynn_hpc import protocol                   # the same refusal from Python
    from pynn_hpc.errors import ParameterError
    with pytest.raises(ParameterError, match=f"--output {out} holds a finished run"):
        protocol.prepare_run(out, backend="nest", scale=0.02, simtime=60, presim=20, seed=2)
    assert {f.name: (f.stat().st_mtime_ns, f.read_bytes()) for f in out.iterdir()} == before


def test_overwrite_replaces_a_finished_run(tmp_path):
    out = tmp_path / "out"
    assert cli("run", *SMALL["nest"], "--quiet", "--spikes-format", "pickle",
               "--output", str(out)).returncode == 0
    p = cli("run", *SMALL["nest"], "--seed", "2", "--quiet", "--overwrite", "--output", str(out))
    assert p.returncode == 0, p.stderr
    r = json.loads((out / "results.json").read_text())
    assert r["seed"] == 2 and r["spikes_file"] == "spikes.nix"
    assert sorted(f.name for f in out.iterdir()) == ["results.json", "spikes.nix",
                                                     "weights_EE.npy"]   # the old spikes.pkl gone


# -- progress ---------------------------------------------------------------------------

def test_progress_lines_when_not_a_terminal(tmp_path):
    p = cli("run", *SMALL["nest"], "--output", str(tmp_path / "out"))
    assert p.returncode == 0, p.stderr
    lines = p.stderr.strip().splitlines()
    assert "predicted peak memory" in lines[0] and "MB" in lines[0]
    phases = [name for line in lines for name in ("create:", "connect:", "presimulate:",
                                                  "simulate:") if f"] {name}" in line]
    assert phases == ["create:", "connect:", "presimulate:", "simulate:"]
    done = [line for line in lines if line.startswith("pynn-hpc: simulate 100 %")]
    assert len(done) == 1 and "s left" in done[0] and "(60 of 60 ms)" in done[0]
    assert "\r" not in p.stderr                    # no bar drawn into a file
    assert "written:" in p.stdout and "pynn-hpc:" not in p.stdout


def test_quiet_prints_no_progress(tmp_path):
    p = cli("run", *SMALL["nest"], "--quiet", "--output", str(tmp_path / "out"))
    assert p.returncode == 0 and "pynn-hpc:" not in p.stderr, p.stderr
    assert "written:" in p.stdout


def test_progress_bar_on_a_terminal(tmp_path):
    """stderr a terminal: tqdm's bar, with the time left."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    proc = subprocess.Popen(CLI + ["run", *SMALL["nest"], "--output", str(tmp_path / "out")],
                            stdout=subprocess.PIPE, stderr=follower, text=True)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:                            # the terminal closed with the process
            break
        if not data:
            break
        chunks.append(data.decode(errors="replace"))
    proc.wait(timeout=600)
    os.close(leader)
    text = "".join(chunks)
    assert proc.returncode == 0, text
    assert "pynn-hpc: simulate:" in text and "|" in text and " ms [" in text and "<" in text


# -- MPI --------------------------------------------------------------------------------

FAIL_ON_RANK_1 = """
import pynn_hpc.protocol as protocol
_connect = protocol.connect
def connect(sim, *args, **kw):
    if sim.rank() == 1:
        raise RuntimeError("injected failure on rank 1")
    return _connect(sim, *args, **kw)
protocol.connect = connect
"""


@pytest.mark.serial
def test_failing_rank_aborts_every_rank(tmp_path, neuron_sim):
    """Rank 1 fails while rank 0 goes on to a collective: one line, every rank ends, no hang."""
    out = tmp_path / "out"
    p = cli("run", "--backend", "neuron", *SMALL["neuron"], "--quiet", "--output", str(out),
            prelude=FAIL_ON_RANK_1, mpi=2, timeout=300)
    assert p.returncode != 0
    lines = ours(p.stderr)
    assert len(lines) == 1, p.stderr
    assert "rank 1" in lines[0] and "injected failure" in lines[0] and "Traceback" not in p.stderr
    assert not (out / "results.json").exists()


@pytest.mark.serial
def test_only_rank_0_prints_progress(tmp_path, neuron_sim):
    p = cli("run", "--backend", "neuron", *SMALL["neuron"], "--output", str(tmp_path / "out"),
            mpi=2)
    assert p.returncode == 0, p.stderr
    for phase in ("predicted peak memory", "] create:", "] connect:", "] simulate:",
                  "pynn-hpc: simulate 100 %"):
        assert p.stderr.count(phase) == 1, (phase, p.stderr)


# -- memory per node --------------------------------------------------------------------

def test_processes_per_node_from_the_launcher():
    assert E.processes_per_node(8, environ={}) == 8                       # all on this node
    assert E.processes_per_node(8, environ={"MPI_LOCALNRANKS": "2"}) == 2           # hydra
    assert E.processes_per_node(8, environ={"OMPI_COMM_WORLD_LOCAL_SIZE": "4"}) == 4  # Open MPI
    assert E.processes_per_node(8, environ={"SLURM_NTASKS_PER_NODE": "4(x2)"}) == 4  # SLURM
    assert E.processes_per_node(8, given=3, environ={"MPI_LOCALNRANKS": "2"}) == 3  # option


def test_memory_is_checked_per_node():
    """hpc on 8 processes: too much for one node of 20 GB, fine at 2 processes per node."""
    d = derive(10)
    per_process = E.estimate("nest", d, 8)["peak_rss_mb_per_process"]
    assert 2 * per_process < 20000 < 8 * per_process
    E.check_fits("nest", d, 8, available=20000, per_node=2)
    with pytest.raises(Exception, match="8 processes on this node"):
        E.check_fits("nest", d, 8, available=20000)
    est = E.estimate("nest", d, 8)
    assert E.nodes_needed(est, 20000) == 3               # 3 processes per node (5.6 GB each)
    assert E.nodes_needed(est, 4000) is None             # one process alone does not fit


def test_estimate_says_how_many_nodes():
    p = cli("estimate", "--preset", "hpc", "--processes", "8")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout.strip().splitlines()[-1])
    available = E.available_mb()
    assert r["estimate"]["nodes_needed"] == E.nodes_needed(r["estimate"], available) >= 1
    assert f"nodes of this machine's memory needed: {r['estimate']['nodes_needed']}" in p.stdout


# -- the model's refusals, the same on every backend -----------------------------------

def test_spike_pair_rule_without_potentiation_is_refused_everywhere(nest_sim, neuron_sim):
    messages = set()
    for sim in (nest_sim, neuron_sim):
        with pytest.raises(ValueError) as err:
            sim.SpikePairRule(tau_plus=15.0, tau_minus=30.0, A_plus=0.0, A_minus=0.005)
        messages.add(str(err.value))
        sim.SpikePairRule(tau_plus=15.0, tau_minus=30.0, A_plus=0.0, A_minus=0.0)   # no plasticity
    assert len(messages) == 1 and "A_plus = 0 with A_minus > 0" in messages.pop()
