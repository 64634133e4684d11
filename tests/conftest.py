"""The suite runs against the real simulators: a missing one is a failure, not a skip."""
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
