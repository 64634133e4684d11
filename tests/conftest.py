"""The suite runs against the real simulators: a missing one is a failure, not a skip."""
import pytest

from pynn_hpc import backends


@pytest.fixture(scope="session")
def nest_sim():
    return backends.load("nest")   # raises BackendUnavailable if NEST/PyNN cannot be imported


@pytest.fixture(scope="session")
def neuron_sim():
    return backends.load("neuron")  # compiles the NMODL mechanisms on first use; fails if it cannot
