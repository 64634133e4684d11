"""SIGINT and SIGTERM stop every command within seconds, whatever the simulator is doing.

Real commands in real processes (``python -m pynn_hpc.cli``: supervised, as from a shell):
a long simulation, a bursty network whose cost per step jumps a thousandfold, a replay held in
one long ``nest.Simulate``, a comparison with a run in progress, a run under ``mpirun -np 2``;
and the supervisor alone around a worker stuck in a C call that holds the interpreter.  Each
asserts the time to stop (generously: the machine is shared), the exit code 128 + signal, one
line on stderr without a traceback, and what is left on disk.  Never the wall time of a run.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "pynn_hpc.cli"]
#: a small network: built in a second
NETWORK = ["--scale", "0.02", "--indegree-scale", "0.1", "--dc-rate", "0", "--presim", "0"]
#: a simulation phase of minutes: a signal sent in it must not wait for its end
LONG = NETWORK + ["--simtime", "200000", "--seed", "5"]
#: a run that finishes in a second once the simulator is imported
QUICK = NETWORK + ["--simtime", "20"]
#: the issue's bursty network: quiet stretches, then bursts costing ~1000 times more per step
BURSTY = ["--backend", "nest", "--scale", "0.02", "--simtime", "1e5"]
#: how long after a signal the process may take to end: the supervisor kills a worker that has
#: not stopped 1 s after the signal; the rest is margin for a shared machine
STOP_WITHIN_S = 5.0
#: the longest a simulation may go without a progress line
PROGRESS_EVERY_S = 10.0


class Command:
    """A command in its own process, its stderr lines read as they come, with their times."""

    def __init__(self, args, cmd=None, **kw):
        self.proc = subprocess.Popen(cmd or CLI + [str(a) for a in args], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     **kw)
        self.lines = []                             # (monotonic time, line)
        self.stdout = []
        self._threads = [threading.Thread(target=self._read, args=(self.proc.stderr, True)),
                         threading.Thread(target=self._read, args=(self.proc.stdout, False))]
        for t in self._threads:
            t.start()

    def _read(self, stream, err):
        for line in stream:
            if err:
                self.lines.append((time.monotonic(), line.rstrip("\n")))
            else:
                self.stdout.append(line)

    def wait_for(self, text, timeout=300, stream="stderr"):
        """The time ``text`` first appeared in a line (AssertionError after ``timeout``)."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if stream == "stderr":
                for when, line in list(self.lines):
                    if text in line:
                        return when
            elif any(text in line for line in list(self.stdout)):
                return time.monotonic()
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.proc.kill()
        raise AssertionError(f"never saw {text!r}: {self.stderr}")

    def stop(self, signum, timeout=120):
        """Send ``signum``; returns the seconds until the process ended."""
        assert self.proc.poll() is None, self.stderr
        os.kill(self.proc.pid, signum)
        t0 = time.monotonic()
        try:
            self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        elapsed = time.monotonic() - t0
        for t in self._threads:
            t.join(10)
        return elapsed

    @property
    def stderr(self):
        return "\n".join(line for _, line in self.lines)

    def messages(self):
        """stderr without progress lines, phases and MPICH's own notices."""
        return [line for _, line in self.lines
                if line.strip() and "%" not in line and "] " not in line
                and "still running" not in line
                and "predicted peak memory" not in line and "yaksa" not in line
                and not line.startswith(("Abort(", "[unset]")) and "MPI_Abort" not in line
                and "BAD TERMINATION" not in line]

    def progress_gaps(self, since):
        """Seconds between ``since``, each progress line after it, and now."""
        stamps = [since] + [t for t, line in self.lines if t > since and "%" in line]
        stamps.append(time.monotonic())
        return [b - a for a, b in zip(stamps, stamps[1:])]


def assert_stopped(cmd, signum, elapsed):
    assert cmd.proc.returncode == 128 + signum, cmd.stderr
    lines = cmd.messages()
    assert len(lines) == 1 and f"interrupted by {signal.Signals(signum).name}" in lines[0], \
        cmd.stderr
    assert "Traceback" not in cmd.stderr
    assert elapsed < STOP_WITHIN_S, f"{elapsed:.1f} s to stop"


def descendants(pid):
    parents = {}
    for d in Path("/proc").iterdir():
        try:
            if d.name.isdigit():
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
                parents.setdefault(ppid, []).append(int(d.name))
        except (OSError, IndexError):
            pass
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def gone(pids, within=3.0):
    """Whether none of ``pids`` runs ``within`` seconds from now (a zombie counts as gone: a
    process of an MPI launcher may be reaped after the launcher ends)."""
    deadline = time.monotonic() + within
    while True:
        alive = []
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                alive.append(pid)
        if not alive or time.monotonic() > deadline:
            return not alive
        time.sleep(0.05)


def run_files(run):
    """A finished run: results.json and every file it names, as bytes."""
    r = json.loads((run / "results.json").read_text())
    names = ["results.json"] + [v for k, v in r.items() if k.endswith("_file") and v]
    return {name: (run / name).read_bytes() for name in names}


# -- run --------------------------------------------------------------------------------

@pytest.mark.serial
@pytest.mark.parametrize("backend, signum", [("nest", signal.SIGTERM),
                                             ("neuron", signal.SIGINT)])
def test_signal_during_simulation_stops_promptly(tmp_path, backend, signum):
    """A long simulation: stopped within seconds; an --overwrite of a finished run leaves that
    run as it was (the new one is written beside it and only swapped in once complete)."""
    out = tmp_path / "out"
    old = None
    if backend == "nest":
        p = subprocess.run(CLI + ["run", *QUICK, "--seed", "1", "--quiet", "--output", str(out)],
                           capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr
        old = run_files(out)
    cmd = Command(["run", "--backend", backend, *LONG, "--overwrite", "--output", out])
    since = cmd.wait_for("] simulate:")
    time.sleep(1.5)                                 # well into the simulation
    workers = descendants(cmd.proc.pid)
    elapsed = cmd.stop(signum)
    assert_stopped(cmd, signum, elapsed)
    assert max(cmd.progress_gaps(since)[:-1], default=0) < PROGRESS_EVERY_S
    assert gone(workers)
    if old is None:
        assert not (out / "results.json").exists()
    else:
        assert run_files(out) == old


@pytest.mark.serial
def test_a_bursty_network_shows_progress_and_stops_promptly(tmp_path):
    """Chunks are sized from the highest recent cost per step: a burst after a quiet stretch
    does not make a chunk of minutes."""
    cmd = Command(["run", *BURSTY, "--output", tmp_path / "out"])
    since = cmd.wait_for("] simulate:")
    time.sleep(12)                                  # through several bursts
    gaps = cmd.progress_gaps(since)
    elapsed = cmd.stop(signal.SIGTERM)
    assert_stopped(cmd, signal.SIGTERM, elapsed)
    assert max(gaps) < PROGRESS_EVERY_S, gaps
    assert not (tmp_path / "out" / "results.json").exists()


# -- replay -----------------------------------------------------------------------------

def _in_nest(cmd, timeout=120):
    """Wait until the worker has loaded NEST's kernel, then a little longer (into Simulate)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout and cmd.proc.poll() is None:
        for pid in descendants(cmd.proc.pid):
            try:
                if "nestkernel" in Path(f"/proc/{pid}/maps").read_text():
                    time.sleep(2.0)
                    return
            except OSError:
                pass
        time.sleep(0.1)
    raise AssertionError(f"NEST never loaded: {cmd.stderr}")


@pytest.mark.serial
@pytest.mark.parametrize("trains, signum", [("poisson", signal.SIGTERM),
                                            ("late spike", signal.SIGINT)])
def test_replay_in_one_long_simulate_stops_promptly(tmp_path, trains, signum):
    """``replay`` simulates in one call (2e6 ms of Poisson trains, or a spike at 5e6 ms: tens
    of seconds in nest.Simulate): the supervisor says what it is doing every 8 s, and kills
    what does not stop by itself."""
    if trains == "poisson":
        args = ["--duration", "2e6"]
    else:
        (tmp_path / "pre.txt").write_text("1.0\n5000000.0\n")
        (tmp_path / "post.txt").write_text("2.0\n")
        args = ["--pre", tmp_path / "pre.txt", "--post", tmp_path / "post.txt"]
    cmd = Command(["replay", "--backends", "nest", *args, "--output", tmp_path / "out"])
    _in_nest(cmd)
    if trains == "poisson":     # silent in Simulate: the supervisor says where it is
        cmd.wait_for("still running", timeout=60)
        beat = next(line for _, line in cmd.lines if "still running" in line)
        assert beat.startswith("pynn-hpc: replay on nest (1 of 1): "), beat
    workers = descendants(cmd.proc.pid)
    elapsed = cmd.stop(signum)
    assert_stopped(cmd, signum, elapsed)
    assert gone(workers)
    assert not (tmp_path / "out" / "replay.json").exists()


# -- compare ----------------------------------------------------------------------------

@pytest.mark.serial
def test_an_interrupted_comparison_stops_its_runs_and_keeps_the_finished_ones(tmp_path):
    """The signal reaches the run in progress (and the worker below it); the finished run is
    left byte for byte, no comparison is written."""
    out = tmp_path / "cmp"
    first = out / "runs" / "nest-seed1"
    p = subprocess.run(CLI + ["run", "--backend", "nest", "--seed", "1", *QUICK, "--quiet",
                              "--output", str(first)], capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stderr
    kept = run_files(first)
    cmd = Command(["compare", "--backends", "nest", "neuron", "--seeds", 1, 2, 3, *QUICK,
                   "--output", out])
    cmd.wait_for("nest, seed 2: running", stream="stdout")
    # the run of seed 2 is importing (a whole run of this network takes about 2 s on a quiet
    # machine: a longer wait here let it finish first)
    time.sleep(0.5)
    below = descendants(cmd.proc.pid)
    assert below
    elapsed = cmd.stop(signal.SIGINT)
    assert_stopped(cmd, signal.SIGINT, elapsed)
    assert gone(below)
    assert run_files(first) == kept
    assert not (out / "runs" / "nest-seed2" / "results.json").exists()
    assert not (out / "comparison.json").exists() and not (out / "report.html").exists()


# -- MPI --------------------------------------------------------------------------------

@pytest.mark.serial
def test_interrupt_under_mpi_ends_every_rank(tmp_path, neuron_sim):
    """SIGINT to mpirun, which passes it to the ranks: one line (rank 0's), every rank ends."""
    mpirun = shutil.which("mpirun")
    assert mpirun, "mpirun not found: the suite needs mpich (scripts/install_mpi.sh)"
    out = tmp_path / "out"
    cmd = Command(None, cmd=[mpirun, "-np", "2", *CLI, "run", "--backend", "neuron", *LONG,
                             "--output", str(out)])
    since = cmd.wait_for("] simulate:")
    time.sleep(1.5)
    below = descendants(cmd.proc.pid)
    elapsed = cmd.stop(signal.SIGINT)
    assert_stopped(cmd, signal.SIGINT, elapsed)
    assert max(cmd.progress_gaps(since)[:-1], default=0) < PROGRESS_EVERY_S
    assert gone(below)
    assert not (out / "results.json").exists()


# -- the supervisor alone ---------------------------------------------------------------

#: a worker whose command sits in a C call that holds the interpreter (as nest.Simulate does)
#: and has started a process of its own
STUCK = """
import argparse, ctypes, sys
from pynn_hpc import stopping
def command(args):
    print("stuck", flush=True)
    ctypes.PyDLL(None).system(b"sleep 60")
    return 0
sys.exit(stopping.guarded(command, argparse.Namespace(command="run"), supervise=%s))
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_worker_stuck_in_c_is_killed_after_the_grace(signum):
    cmd = Command(None, cmd=[sys.executable, "-c", STUCK % True])
    cmd.wait_for("stuck", stream="stdout")
    time.sleep(0.3)
    below = descendants(cmd.proc.pid)
    assert len(below) >= 2                  # the worker and the sleep it started (via sh)
    elapsed = cmd.stop(signum)
    assert_stopped(cmd, signum, elapsed)
    assert elapsed > 0.9                    # it was the kill after the grace, not the handler
    assert gone(below)


def test_a_worker_killed_by_another_signal_is_one_line():
    """The kernel's out-of-memory kill, a crash: the exit code says which signal, and a line."""
    code = ("import argparse, os, signal, sys\nfrom pynn_hpc import stopping\n"
            "sys.exit(stopping.guarded(lambda a: os.kill(os.getpid(), signal.SIGKILL), "
            "argparse.Namespace(command='run'), supervise=True))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 128 + signal.SIGKILL
    assert p.stderr.strip().splitlines() == ["pynn-hpc: run ended by SIGKILL (out of memory?)"]


def test_a_call_from_python_is_not_supervised():
    """guarded without ``supervise`` (cli.main(argv) from Python) runs in the caller's
    process: no fork, the command's value returned."""
    from argparse import Namespace
    from pynn_hpc import stopping
    pid = os.getpid()
    assert stopping.guarded(lambda a: os.getpid(), Namespace(command="run")) == pid
    code = STUCK.replace('system(b"sleep 60")', 'system(b"true")') % False
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "stuck" and not p.stderr, p.stderr


def test_a_worker_that_finishes_anyway_is_not_reported_stopped():
    """A signal that arrives as the command ends (here: a command that lets it pass) stops
    nothing: exit 0, no line."""
    code = ("import argparse, signal, sys, time\nfrom pynn_hpc import stopping\n"
            "def command(args):\n"
            "    signal.signal(signal.SIGTERM, lambda *a: None)\n"
            "    print('ending', flush=True)\n"
            "    time.sleep(0.5)\n"
            "    return 0\n"
            "sys.exit(stopping.guarded(command, argparse.Namespace(command='run'), "
            "supervise=True))")
    cmd = Command(None, cmd=[sys.executable, "-c", code])
    cmd.wait_for("ending", stream="stdout")
    cmd.stop(signal.SIGTERM)
    assert cmd.proc.returncode == 0 and cmd.stderr == ""


@pytest.mark.parametrize("ending", ["error", "result"])
def test_no_heartbeat_after_the_last_word(ending):
    """A worker that has said its error (or printed its result) and then takes longer than the
    heartbeat's silence to end (a simulator's teardown on a loaded machine) gets no "still
    running" line after it: the error stays the one line on stderr."""
    last = ("stopping.say('pynn-hpc: error: bad input'); code = 2" if ending == "error"
            else "print('result', flush=True); code = 0")
    code = ("import argparse, sys, time\nfrom pynn_hpc import stopping\n"
            "stopping.HEARTBEAT_S = 0.3\n"
            "def command(args):\n"
            "    stopping.note('replay on nest (1 of 1)', said=True)\n"
            f"    {last}\n"
            "    if code == 0:\n"
            "        return 0\n"
            "    time.sleep(1.5)\n"
            "    return code\n"
            "def teardown():\n"
            "    time.sleep(1.5)\n"
            "import atexit; atexit.register(teardown)\n"
            "sys.exit(stopping.guarded(command, argparse.Namespace(command='replay', quiet=False),"
            " supervise=True))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    if ending == "error":
        assert p.returncode == 2 and p.stderr.splitlines() == ["pynn-hpc: error: bad input"]
    else:
        assert p.returncode == 0 and p.stdout == "result\n" and p.stderr == "", p.stderr
