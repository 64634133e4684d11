"""The suite runs against the real simulators: a missing one is a failure, not a skip."""
import subprocess
import sys

import numpy as np
import pytest

from pynn_hpc import backends
from pynn_hpc.derived import derive
from pynn_hpc.network import connect, create

SMALL_SCALE = 0.002    # 18 E + 4 I neurons, still with the full indegree 9000 + 2250


def small_network(sim, threads, seed=3):
    """The model at SMALL_SCALE, built (not run): (sim, derived, E, I, recorded, drive, projections)."""
    d = derive(SMALL_SCALE)
    sim.setup(timestep=0.1, min_delay=d.delay, max_delay=d.delay, threads=threads, rng_seed=seed)
    E, I, recorded, drive = create(sim, d, seed=seed)
    return sim, d, E, I, recorded, drive, connect(sim, E, I, drive, d, seed=seed)


@pytest.fixture(scope="session")
def nest_sim():
    return backends.load("nest")   # raises BackendUnavailable if NEST/PyNN cannot be imported


@pytest.fixture(scope="session")
def neuron_sim():
    return backends.load("neuron")  # compiles the NMODL mechanisms on first use; fails if it cannot


@pytest.fixture(scope="session")
def brian2_sim():
    return backends.load("brian2")  # fails if Brian2 cannot be imported or cannot compile


def check_projection_get_set_sample(net):
    """PyNN's get/set on the plastic projection, and sample(), the same on every backend."""
    sim, d, E, I, recorded, drive, prj = net
    ee = prj["EE"]
    listed = ee.get("weight", format="list")
    assert len(listed) == len(ee) and listed[0][2] == pytest.approx(d.JE)
    ee.set(weight=0.05)
    assert set(np.round(ee.get("weight", format="list", with_address=False), 12)) == {0.05}
    arr = ee.get("weight", format="array", multiple_synapses="sum")
    assert arr.shape == (d.NE, d.NE) and np.all(np.isnan(np.diag(arr)))
    sample = ee.sample("weight", n_pre=5, n_post=3, rng=np.random.default_rng(0))["weight"]
    assert 0 < len(sample) < len(ee) and np.allclose(sample, 0.05)
    return ee


def in_fresh_process(module, function, *args, timeout=600):
    """``module.function(*args)`` (a test module's, picklable in and out) in a fresh Python:
    for NEURON tests that call setup() (the NEURON backend's frees the networks built before
    it in the process, which other tests' module fixtures may still hold) or need a process
    that no other test has touched."""
    import pickle
    import tempfile
    from pathlib import Path
    here = str(Path(__file__).parent)
    with tempfile.TemporaryDirectory() as tmp:
        io = Path(tmp) / "io.pkl"
        io.write_bytes(pickle.dumps(args))
        code = ("import pickle, sys; sys.path.insert(0, sys.argv[1]); import importlib;"
                "f = getattr(importlib.import_module(sys.argv[2]), sys.argv[3]);"
                "io = sys.argv[4]; args = pickle.load(open(io, 'rb'));"
                "pickle.dump(f(*args), open(io, 'wb'))")
        p = subprocess.run([sys.executable, "-c", code, here, module, function, str(io)],
                           capture_output=True, text=True, timeout=timeout)
        assert p.returncode == 0, p.stderr[-3000:]
        return pickle.loads(io.read_bytes())


def cli(*args, timeout=1200):
    """``pynn-hpc ARGS`` in a fresh process (the installed package's CLI)."""
    return subprocess.run([sys.executable, "-m", "pynn_hpc.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


#: the comparison every compare and report test shares (teaching network, 100 + 200 ms)
COMPARE_SEEDS = [1, 2, 3, 4, 5]
COMPARE_NETWORK = ["--preset", "teaching", "--simtime", "200", "--threads", "1"]


@pytest.fixture(scope="session")
def comparison(tmp_path_factory):
    """``pynn-hpc compare`` of NEST and NEURON, COMPARE_SEEDS, COMPARE_NETWORK, made once per
    session: (output directory, the CompletedProcess).  Tests copy its runs, never change them."""
    out = tmp_path_factory.mktemp("comparison")
    p = cli("compare", "--backends", "nest", "neuron", "--seeds", *COMPARE_SEEDS,
            *COMPARE_NETWORK, "--output", out, timeout=3600)
    return out, p


@pytest.hookimpl(tryfirst=True)        # before xdist's own hook reads the groups
def pytest_collection_modifyitems(items):
    """With pytest-xdist (``scripts/test.sh``: ``-n 2 --dist loadgroup``) every test that uses
    the shared ``comparison`` goes to one worker, which makes it once."""
    for item in items:
        if "comparison" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("comparison"))
