"""Every registered backend against the interface written in backends/__init__.py."""
import inspect

import numpy as np
import pytest

from pynn_hpc import backends, standardmodels as std
from pynn_hpc.backends.costs import COSTS
from pynn_hpc.derived import derive
from pynn_hpc.network import stdp_synapse

from conftest import small_network

REQUIRED = ("SIMULATOR", "versions", "setup", "replay", "IF_curr_alpha", "SpikeSourcePoisson",
            "Population", "Projection", "StaticSynapse", "STDPMechanism", "SpikePairRule",
            "PowerLawWeightDependence", "FixedNumberPreConnector", "OneToOneConnector",
            "AllToAllConnector", "run", "end", "rank", "num_processes")


@pytest.fixture(params=list(backends.BACKENDS))
def sim(request, tmp_path, monkeypatch):
    if request.param == "spinnaker":
        # no user config here, so the backend must bring its own (a virtual board); only for
        # SpiNNaker: NEURON, imported once per process, would otherwise load its mechanisms from
        # this temporary home for the rest of the session
        for var, sub in (("HOME", "home"), ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache")):
            monkeypatch.setenv(var, str(tmp_path / sub))
    return backends.load(request.param)     # a missing simulator fails here


def test_required_names(sim):
    missing = [name for name in REQUIRED if not hasattr(sim, name)]
    assert not missing
    v = sim.versions()
    assert set(v) >= {"simulator", "simulator_version", "pynn_version"}
    assert v["simulator"] == sim.SIMULATOR and v["simulator_version"][0].isdigit()


def test_setup_options(sim):
    params = inspect.signature(sim.setup).parameters
    assert list(params)[:5] == ["timestep", "min_delay", "max_delay", "threads", "rng_seed"]
    assert params["threads"].default == 1 and params["rng_seed"].default == 1


def test_hooks(sim):
    d = derive(0.3, indegree_scale=0.03, dc_rate=0.0)      # the teaching preset
    fits = backends.hook(sim, "check_fits")
    if fits is None:
        assert sim.__name__.rsplit(".", 1)[-1] in COSTS     # the host-memory check applies
    else:
        assert isinstance(fits(d, 1, options={"lambda": 0.1, "alpha": 0.0513, "mu": 0.4,
                                              "w0": 0.001}), dict)
    assert isinstance(backends.hook(sim, "produces_data")(), bool)
    assert isinstance(backends.hook(sim, "CHUNKED_RUN"), bool)
    report = backends.hook(sim, "port_report")
    assert report is None or list(inspect.signature(report).parameters)[:2] == ["projections", "d"]


def test_weight_dependence_refuses_as_the_model(sim):
    for bad in ({"mu": 1.5}, {"w0": 0.0}):
        with pytest.raises(ValueError) as model:
            std.PowerLawWeightDependence(**bad)
        with pytest.raises(ValueError) as backend:
            sim.PowerLawWeightDependence(**bad)
        assert str(backend.value) == str(model.value)


def test_spike_pair_rule_refuses_as_the_model(sim):
    with pytest.raises(ValueError, match="A_plus"):
        sim.SpikePairRule(tau_plus=15.0, tau_minus=30.0, A_plus=0.0, A_minus=0.01)
    with pytest.raises(ValueError, match="tau_minus"):
        sim.SpikePairRule(tau_plus=15.0, tau_minus=-1.0, A_plus=0.1, A_minus=0.01)


def test_replay(sim):
    d = derive(1)
    times, weights, pre, post = sim.replay(np.array([10.0, 50.0]), np.arange(12.0, 17.0),
                                           stdp_synapse(sim, d.JE, 1.5), 0.1)
    assert len(weights) == 2 and len(times) == 2
    assert weights[0] == pytest.approx(d.JE, rel=0.01)     # nA; no post spike before the first
    assert weights[1] > weights[0] + 0.001                  # five post spikes: + ~2 pA


def test_sample_size_and_drive(sim):
    sim_, d, E, I, recorded, drive, prj = small_network(sim, threads=1)
    assert sum(p.size(gather=True) for p in prj.values()) == d.n_connections
    # sample: the neurons sample_indices draws, with the same RNG calls on every backend
    rng, same = np.random.default_rng(7), np.random.default_rng(7)
    pre, post = backends.sample_indices(d.NE, d.NE, 5, 3, same)
    got = prj["EE"].sample("weight", n_pre=5, n_post=3, rng=rng)["weight"]
    assert rng.random() == same.random()
    if backends.hook(sim, "produces_data")():
        listed = np.array(prj["EE"].get("weight", format="list"))
        keep = np.isin(listed[:, 0], pre) & np.isin(listed[:, 1], post)
        assert sorted(got) == pytest.approx(sorted(listed[keep, 2]))
    # one source per target: any other connector from a drive is refused
    with pytest.raises(NotImplementedError):
        sim.Projection(drive["I"], I, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=d.J_drive, delay=d.delay))
    sim.end()
