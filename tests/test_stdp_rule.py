"""The power-law rule on NEST against the independent reference, at every presynaptic spike."""
import math

import numpy as np
import pytest
from pyNN.random import NumpyRNG, RandomDistribution

from pynn_hpc import backends, parameters as P
from pynn_hpc.reference import power_law_weights
from pynn_hpc.replay import replay

from conftest import in_fresh_process

STDP = dict(P.STDP)
SPIKE_PAIR = dict(A_plus=STDP["lambda"], A_minus=STDP["lambda"] * STDP["alpha"],
                  tau_plus=STDP["tau_plus"], tau_minus=STDP["tau_minus"])

# hand-made trains: post before pre, pre before post, bursts, and pairs that coincide at the
# synapse (t_pre == t_post + d) for d = 0.1, 0.5, 1, 1.5 and 3 ms
HAND_PRE = np.array([2.0, 6.0, 7.0, 8.0, 10.0, 12.1, 13.0, 14.5, 16.0, 20.0, 23.0, 26.0, 27.5,
                     40.0, 40.5, 41.0, 60.0])
HAND_POST = np.array([3.0, 4.0, 5.9, 8.0, 9.0, 11.6, 12.0, 14.0, 15.5, 19.0, 19.9, 22.0, 24.5,
                      26.0, 39.0, 39.5, 50.0])


def poisson_train(rng, rate_hz, t_stop, dt=P.RUN["dt"]):
    """A Poisson train on the time grid (at most one spike per step), after 1 ms."""
    steps = np.arange(int(1.0 / dt) + 1, int(t_stop / dt))
    return steps[rng.random(steps.size) < rate_hz * dt / 1000.0] * dt


def test_reference_on_one_pair_by_hand():
    """pre 10, post 20, pre 30, d = 1: one potentiation, then one depression."""
    w, d, mu, w0 = 0.05, 1.0, STDP["mu"], STDP["w0"]
    k_plus = math.exp(-(21.0 - 10.0) / STDP["tau_plus"])
    w1 = w + SPIKE_PAIR["A_plus"] * w0 ** (1 - mu) * w ** mu * k_plus
    w2 = w1 - SPIKE_PAIR["A_minus"] * w1 * math.exp(-(30.0 - 21.0) / STDP["tau_minus"])
    got = power_law_weights([10.0, 30.0], [20.0], w, d, mu=mu, w0=w0, **SPIKE_PAIR)
    np.testing.assert_allclose(got, [w, w2], rtol=1e-14)


def test_reference_ignores_coincident_pairs_and_clips_at_zero():
    # post seen at 10 + 1 = 11 = the pre spike: neither depression nor potentiation by that pair
    got = power_law_weights([11.0], [10.0], 0.05, 1.0, mu=0.4, w0=0.001, **SPIKE_PAIR)
    assert got[0] == 0.05
    strong = dict(SPIKE_PAIR, A_minus=50.0)
    assert power_law_weights([12.0], [10.0], 0.05, 1.0, mu=0.4, w0=0.001, **strong)[0] == 0.0


@pytest.mark.parametrize("delay", [0.1, 0.5, 1.0, 1.5, 3.0])
def test_nest_matches_reference_on_hand_made_trains(nest_sim, delay):
    r = replay(nest_sim, HAND_PRE, HAND_POST, delay=delay)
    np.testing.assert_allclose(r["pre"], HAND_PRE, atol=1e-9)
    np.testing.assert_allclose(r["post"], HAND_POST, atol=1e-9)
    np.testing.assert_allclose(r["times"], HAND_PRE, atol=1e-9)
    np.testing.assert_allclose(r["weights"], r["reference"], rtol=1e-7)
    assert np.ptp(r["weights"]) > 1e-4 * r["weights"][0]     # the rule did something


@pytest.mark.parametrize("delay, seed", [(0.1, 1), (1.5, 2), (3.0, 3)])
def test_nest_matches_reference_on_poisson_trains(nest_sim, delay, seed):
    rng = np.random.default_rng(seed)
    pre, post = poisson_train(rng, 60.0, 2000.0), poisson_train(rng, 60.0, 2000.0)
    r = replay(nest_sim, pre, post, delay=delay)
    assert len(r["weights"]) == len(pre) > 50
    np.testing.assert_allclose(r["weights"], r["reference"], rtol=1e-7)


def w0_replays(backend, c):
    """The same trains replayed with weight 0.05 nA and w0, then with both x c."""
    sim = backends.load(backend)
    rng = np.random.default_rng(7)
    pre, post = poisson_train(rng, 40.0, 1000.0), poisson_train(rng, 40.0, 1000.0)
    return (replay(sim, pre, post, weight=0.05),
            replay(sim, pre, post, weight=0.05 * c, stdp=dict(STDP, w0=STDP["w0"] * c)))


@pytest.mark.parametrize("backend, rtol", [("nest", 1e-7), ("neuron", 1e-6)])
def test_w0_keeps_the_fixed_point_in_proportion(backend, rtol):
    """Weights c w with w0' = c w0 evolve as c times the weights with w0 (w0 != 1 pA)."""
    c = 3.5
    base, scaled = in_fresh_process("test_stdp_rule", "w0_replays", backend, c)
    np.testing.assert_allclose(scaled["weights"], c * base["weights"], rtol=rtol)
    np.testing.assert_allclose(scaled["weights"], scaled["reference"], rtol=rtol)


@pytest.mark.parametrize("bad", [dict(mu=1.5), dict(mu=-0.1), dict(w0=-0.001), dict(w0=0.0)])
def test_out_of_range_weight_dependence_is_refused(nest_sim, bad):
    args = {**dict(w0=0.001, mu=0.4), **bad}
    with pytest.raises(ValueError, match="mu|w0"):
        nest_sim.PowerLawWeightDependence(**args)


@pytest.mark.parametrize("bad", [dict(A_plus=-0.1), dict(A_minus=-0.01)])
def test_negative_amplitudes_are_refused(nest_sim, bad):
    with pytest.raises(ValueError, match="A_plus|A_minus"):
        nest_sim.SpikePairRule(**dict(SPIKE_PAIR, **bad))


def test_per_synapse_lambda_is_refused_on_nest(nest_sim):
    """stdp_pl_synapse_hom shares lambda among all synapses: heterogeneous values must not be dropped."""
    nest_sim.setup(timestep=0.1, min_delay=1.5, max_delay=1.5)
    a = nest_sim.Population(3, nest_sim.IF_curr_alpha())
    per_synapse = RandomDistribution("uniform", (0.05, 0.15), rng=NumpyRNG(1))
    rule = nest_sim.SpikePairRule(**dict(SPIKE_PAIR, A_plus=per_synapse))
    with pytest.raises(ValueError, match="shares 'A_plus'"):
        syn = nest_sim.STDPMechanism(timing_dependence=rule,
                                     weight_dependence=nest_sim.PowerLawWeightDependence(),
                                     weight=0.05, delay=1.5)
        nest_sim.Projection(a, a, nest_sim.AllToAllConnector(), syn)
