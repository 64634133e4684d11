"""Faults while a run writes into a directory that holds a finished run: nothing is lost.

A run with ``--overwrite`` is struck at each phase, by ``kill -9`` and by SIGTERM sent to its
whole process group (the supervisor and the worker, as a terminal's Ctrl-C or a batch system
would): while the network is built, while it is simulated, while the spikes, the weight sample
and results.json are written (each with its temporary file half done), and in the swap that
puts the new run in place.  After each fault:

* up to the swap, the previous run is byte for byte as it was (the visible files; the dead
  writer's lock file and staging directory are the only additions), and a reader sees it;
* in the swap, a reader (``read_results``) finishes it: the new run, complete, and nothing of
  the old one;
* the next run into the directory works, and leaves no temporary file, staging or lock behind
  (nor the stale temporary files of older versions, ``.spikes.nix.<pid>.tmp``).

Two writers at once: the second is refused in one line naming the first, the first finishes.
Unwritable caches are ``test_environment_faults.py``'s; signals' deadlines ``test_stopping.py``'s.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pynn_hpc.analysis.compare import read_results

#: 225 neurons, 20 + 200 ms on NEST: seconds
SMALL = ["--backend", "nest", "--scale", "0.02", "--indegree-scale", "0.1", "--dc-rate", "0",
         "--presim", "20", "--simtime", "200", "--quiet"]

#: the command line with one fault injected: argv[1] the phase, argv[2] "kill" or "term",
#: argv[3] a file to wait for ("hold"), argv[4:] pynn-hpc's arguments.  The patches are made
#: before main() forks its worker, so the worker carries them.
STRIKE = r"""
import os, signal, sys, time
phase, how, hold = sys.argv[1:4]

def strike():
    if how == "hold":                        # wait until the test says go on
        while not os.path.exists(hold):
            time.sleep(0.05)
        return
    os.killpg(os.getpgid(0), signal.SIGKILL if how == "kill" else signal.SIGTERM)
    if phase != "swap":                      # (the swap holds SIGTERM back until it is done)
        time.sleep(30)                       # the signal must end it before this does

def patch():
    # in the worker, after the fork: pyNN starts MPI when imported, once per process
    import pynn_hpc.nix, pynn_hpc.progress, pynn_hpc.protocol, pynn_hpc.results, pynn_hpc.rundir

    if phase == "build":
        connect = pynn_hpc.protocol.connect
        def patched(*a, **k):
            strike()
            return connect(*a, **k)
        pynn_hpc.protocol.connect = patched
    elif phase == "simulate":                # after the recorded simulation's first chunk
        chunks = pynn_hpc.progress.Progress._chunks
        def patched(self, sim, run, steps, dt, name, bar):
            def struck(t):
                run(t)
                if name == "simulate":
                    strike()
            return chunks(self, sim, struck, steps, dt, name, bar)
        pynn_hpc.progress.Progress._chunks = patched
    elif phase == "spikes.nix":              # its temporary file written, not yet renamed
        write_block = pynn_hpc.nix.write_block
        def patched(path, block):
            write_block(path, block)
            strike()
        pynn_hpc.nix.write_block = patched
    elif phase in ("weights_EE.npy", "results.json"):      # half of the temporary file written
        atomic = pynn_hpc.results._atomic_write
        def patched(path, write):
            if os.path.basename(path) != phase:
                return atomic(path, write)
            def half(f):
                import io
                buf = io.BytesIO()
                write(buf)
                f.write(buf.getvalue()[:len(buf.getvalue()) // 2])
                f.flush()
                strike()
            return atomic(path, half)
        pynn_hpc.results._atomic_write = patched
    elif phase == "swap":                    # after the swap's second rename
        finish = pynn_hpc.rundir._finish_swap
        def patched(path, staging, replaces):
            real, moved = os.replace, []
            def counted(a, b):
                real(a, b)
                moved.append(b)
                if len(moved) == 2:
                    strike()
            pynn_hpc.rundir.os.replace = counted
            try:
                return finish(path, staging, replaces)
            finally:
                pynn_hpc.rundir.os.replace = real
        pynn_hpc.rundir._finish_swap = patched


import pynn_hpc.cli
cmd_run = pynn_hpc.cli.cmd_run


def patched_run(args):
    patch()
    return cmd_run(args)


pynn_hpc.cli.cmd_run = patched_run
sys.argv = ["pynn-hpc", *sys.argv[4:]]
from pynn_hpc.cli import main
sys.exit(main())
"""

PHASES = ["build", "simulate", "spikes.nix", "weights_EE.npy", "results.json"]


def pynn_hpc(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "pynn_hpc.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def struck(phase, how, out, seed, hold="", wait=True):
    """``pynn-hpc run --overwrite`` into ``out`` with the fault; the Popen, ended if ``wait``
    (in its own session: the fault's killpg reaches it and its worker, not pytest)."""
    p = subprocess.Popen([sys.executable, "-c", STRIKE, phase, how, str(hold), "run", *SMALL,
                          "--seed", str(seed), "--overwrite", "--output", str(out)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    if wait:
        p.stdout_text, p.stderr_text = p.communicate(timeout=600)
    return p


def visible(root):
    """The run's files as a user sees them (names without a leading dot): name -> bytes."""
    return {p.name: p.read_bytes() for p in sorted(Path(root).iterdir())
            if not p.name.startswith(".")}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished NEST run (seed 1), copied for each fault."""
    out = tmp_path_factory.mktemp("faults") / "finished"
    p = pynn_hpc("run", *SMALL, "--seed", 1, "--output", out)
    assert p.returncode == 0, p.stderr
    assert sorted(visible(out)) == ["results.json", "spikes.nix", "weights_EE.npy"]
    return out


def next_run_works(out, seed):
    """The next run into ``out`` replaces what is there, and leaves nothing else behind."""
    (out / f".spikes.nix.{os.getpid()}.tmp").write_bytes(b"a writer of an older version died")
    p = pynn_hpc("run", *SMALL, "--seed", seed, "--overwrite", "--output", out)
    assert p.returncode == 0, p.stderr
    assert sorted(p.name for p in out.iterdir()) == ["results.json", "spikes.nix",
                                                     "weights_EE.npy"]
    r = read_results(out)
    assert r["seed"] == seed and r["n_spikes"] > 0


@pytest.mark.parametrize("how", ["kill", "term"])
@pytest.mark.parametrize("phase", PHASES)
def test_a_fault_before_the_swap_leaves_the_previous_run(finished, tmp_path, phase, how):
    out = tmp_path / "run"
    shutil.copytree(finished, out)
    before = visible(out)
    p = struck(phase, how, out, seed=2)
    if how == "kill":
        assert p.returncode == -signal.SIGKILL, p.stderr_text
    else:
        assert p.returncode == 128 + signal.SIGTERM, p.stderr_text
        lines = p.stderr_text.strip().splitlines()
        assert lines == ["pynn-hpc: interrupted by SIGTERM: stopped, nothing written, the "
                         "output's previous run (if any) as it was"], p.stderr_text
    assert visible(out) == before
    assert read_results(out)["seed"] == 1
    next_run_works(out, seed=3)


@pytest.mark.parametrize("how", ["kill", "term"])
def test_a_fault_in_the_swap_ends_with_the_new_run_complete(finished, tmp_path, how):
    """kill -9 between two renames of the swap: the next reader finishes it.  SIGTERM waits for
    the swap's few renames: the new run is there when the command ends."""
    out = tmp_path / "run"
    shutil.copytree(finished, out)
    old = visible(out)
    p = struck("swap", how, out, seed=2)
    assert p.returncode == (-signal.SIGKILL if how == "kill" else 128 + signal.SIGTERM), \
        p.stderr_text
    r = read_results(out)                   # settles a half-done swap
    assert r["seed"] == 2
    new = visible(out)
    assert sorted(new) == sorted(old) and all(new[name] != old[name] for name in new)
    assert not any(p.name.startswith(".pynn-hpc-staging") for p in out.iterdir())
    next_run_works(out, seed=3)


def test_two_writers_one_waits_for_nothing(finished, tmp_path):
    """A second run into a directory being written is refused in one line naming the first
    (with or without --overwrite); the first finishes with its own files."""
    out = tmp_path / "run"
    shutil.copytree(finished, out)
    go = tmp_path / "go"
    first = struck("simulate", "hold", out, seed=2, hold=go, wait=False)
    try:
        deadline = time.monotonic() + 120
        while not (out / ".pynn-hpc-staging").exists():
            assert first.poll() is None and time.monotonic() < deadline, first.stderr.read()
            time.sleep(0.1)
        owner = json.loads((out / ".pynn-hpc.lock").read_text())
        for extra in ([], ["--overwrite"]):
            p = pynn_hpc("run", *SMALL, "--seed", 3, *extra, "--output", out)
            assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
            assert (f"--output {out} is being written by process {owner['pid']} on "
                    f"{owner['host']}") in p.stderr, p.stderr
            assert "Traceback" not in p.stderr
        go.touch()
        _, err = first.communicate(timeout=600)
        assert first.returncode == 0, err
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert read_results(out)["seed"] == 2
    assert sorted(p.name for p in out.iterdir()) == ["results.json", "spikes.nix",
                                                     "weights_EE.npy"]
