"""Brian2's C++ standalone device (``brian2:standalone``): the same network as the runtime mode.

* On one thread the program draws the Poisson drive from the same generator as the runtime
  mode's compiled code, so the two runs are the same spike for spike and weight for weight:
  the standalone translation (the recorded runs, the arrays written for the program, the
  program's timings) changes nothing of the model.
* On two OpenMP threads, every plastic weight follows the reference rule on the network's
  own spikes (``tests/test_network_weights.py``); the rule's conformance on hand-made trains
  with coincidences (``replay``) holds in the program as in the runtime mode.
"""
import json
import pickle

import numpy as np
import pytest

from conftest import cli, in_fresh_process
from pynn_hpc import backends

NETWORK = ["--scale", "0.02", "--indegree-scale", "0.1", "--presim", "50", "--simtime", "100",
           "--seed", "4", "--spikes-format", "pickle", "--quiet"]


def _trains(out):
    with open(out / "spikes.pkl", "rb") as f:
        trains = pickle.load(f).segments[0].spiketrains
    return {int(st.annotations["source_index"]): st.magnitude for st in trains}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    where = tmp_path_factory.mktemp("standalone")
    done = {}
    for name, backend, threads in (("runtime", "brian2", 1),
                                   ("standalone", "brian2:standalone", 1)):
        p = cli("run", "--backend", backend, "--threads", threads, "--output", where / name,
                *NETWORK)
        assert p.returncode == 0, p.stderr[-3000:]
        done[name] = where / name
    return done


def test_one_thread_is_the_runtime_mode_spike_for_spike(runs):
    rt, sa = _trains(runs["runtime"]), _trains(runs["standalone"])
    assert rt.keys() == sa.keys() and sum(len(t) for t in rt.values()) > 100
    for k in rt:
        np.testing.assert_array_equal(rt[k], sa[k])
    np.testing.assert_array_equal(np.load(runs["runtime"] / "weights_EE.npy"),
                                  np.load(runs["standalone"] / "weights_EE.npy"))


def test_results_say_device_threads_and_what_the_program_took(runs):
    r = json.loads((runs["standalone"] / "results.json").read_text())
    assert r["backend"] == "brian2:standalone" and r["device"] == "cpp_standalone"
    assert r["threads_used"] == 1
    program = r["program"]
    assert len(program["runs"]) == 2 and all(s > 0 for s in program["runs"])
    assert program["build"] > 0 and program["peak_rss_mb"] > 0
    t = r["timings"]
    # the program's run times are in the phases (plus the host's recording of the calls)
    assert t["time_presimulate"] >= program["runs"][0]
    assert t["time_simulate"] >= program["runs"][1]
    assert t["time_build"] == program["build"]
    # the machine's peak: the host's own, or the host's while the program ran plus the program's
    assert r["peak_rss_mb"] >= program["host_rss_mb"] + program["peak_rss_mb"]
    assert r["peak_rss_mb"] >= r["rss_after_connect_mb"] and program["host_rss_mb"] > 0
    assert json.loads((runs["runtime"] / "results.json").read_text())["device"] == "runtime"


def test_the_program_results_are_deleted_once_read(runs):
    """The program's results (every synapse's state) are deleted once read; its compiled
    code stays in the cache for the next run."""
    from pathlib import Path
    project = Path(json.loads((runs["standalone"] / "results.json").read_text())
                   ["program"]["directory"])
    assert (project / "main").exists()
    if _free(project.with_suffix(".lock")):          # not another run's now
        assert not (project / "results").exists()


def _free(lock):
    import fcntl
    import os
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def replay_in_the_program(delays):
    """``pynn_hpc.replay.replay`` on brian2:standalone, hand-made trains (run in a fresh
    process: the backend module's device stays the runtime mode in the test process)."""
    from pynn_hpc.replay import replay
    from test_stdp_rule import HAND_POST, HAND_PRE
    sim = backends.load_ready("brian2:standalone")
    return {delay: {k: np.asarray(v) for k, v in replay(sim, HAND_PRE, HAND_POST, delay=delay)
                    .items() if k in ("weights", "reference", "pre", "post")}
            for delay in delays}


def test_replay_in_the_program_meets_the_reference():
    from test_stdp_rule import HAND_POST, HAND_PRE
    delays = (0.1, 1.5, 3.0)
    for delay, r in in_fresh_process("test_brian2_standalone", "replay_in_the_program",
                                     delays).items():
        np.testing.assert_allclose(r["pre"], HAND_PRE, atol=1e-9)
        np.testing.assert_allclose(r["post"], HAND_POST, atol=1e-9)
        np.testing.assert_allclose(r["weights"], r["reference"], rtol=1e-6)
        assert np.ptp(r["weights"]) > 1e-4 * r["weights"][0]     # the rule did something
