"""The power-law rule on Brian2 (Synapses code) against the reference and against NEST.

Same trains as tests/test_stdp_rule.py (imported, not copied): hand-made trains with exact
pre/post coincidences at the synapse for every delay, and Poisson trains; the weight is
compared right after every presynaptic spike.  Most tests run Brian2's numpy target (no
compilation: the same abstract code); the compiled target (Cython) is checked once.
"""
import math

import numpy as np
import pytest
from pyNN.random import NumpyRNG, RandomDistribution

from pynn_hpc.replay import replay
from test_stdp_rule import HAND_POST, HAND_PRE, SPIKE_PAIR, STDP, poisson_train

RTOL = 1e-6


@pytest.fixture(params=["numpy"])
def b2(brian2_sim, request):
    """The backend with its code generation target set (setup's ``codegen`` stays)."""
    brian2_sim.setup(timestep=0.1, min_delay=0.1, max_delay=0.1, codegen=request.param)
    yield brian2_sim
    brian2_sim.setup(timestep=0.1, min_delay=0.1, max_delay=0.1, codegen="cython")


@pytest.mark.parametrize("delay", [0.1, 0.5, 1.5, 3.0])
def test_brian2_matches_reference_and_nest_on_hand_made_trains(nest_sim, b2, delay):
    on_nest = replay(nest_sim, HAND_PRE, HAND_POST, delay=delay)
    r = replay(b2, HAND_PRE, HAND_POST, delay=delay)
    np.testing.assert_allclose(r["pre"], HAND_PRE, atol=1e-9)
    np.testing.assert_allclose(r["post"], HAND_POST, atol=1e-9)
    np.testing.assert_allclose(r["weights"], r["reference"], rtol=RTOL)
    np.testing.assert_allclose(r["weights"], on_nest["weights"], rtol=RTOL)
    assert np.ptp(r["weights"]) > 1e-4 * r["weights"][0]     # the rule did something


def test_compiled_target_matches_reference(brian2_sim):
    brian2_sim.setup(timestep=0.1, min_delay=0.1, max_delay=0.1, codegen="cython")
    for delay in (0.1, 1.5, 3.0):
        r = replay(brian2_sim, HAND_PRE, HAND_POST, delay=delay)
        np.testing.assert_allclose(r["weights"], r["reference"], rtol=RTOL)


def test_coincident_pair_does_nothing_on_brian2(b2):
    """post 10 is seen at 10 + d = 11, exactly at the second pre spike: it pairs with the
    pre spike at 5 (potentiation) but neither potentiates nor depresses with the one at 11."""
    w, mu, w0 = 0.05, STDP["mu"], STDP["w0"]
    r = replay(b2, [5.0, 11.0], [10.0], delay=1.0, weight=w)
    k_plus = math.exp(-6.0 / STDP["tau_plus"])
    expected = w + SPIKE_PAIR["A_plus"] * w0 ** (1 - mu) * w ** mu * k_plus
    assert r["weights"][0] == w
    assert r["weights"][1] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("delay, seed", [(0.1, 1), (1.5, 2), (3.0, 3)])
def test_brian2_matches_reference_on_poisson_trains(b2, delay, seed):
    rng = np.random.default_rng(seed)
    pre, post = poisson_train(rng, 60.0, 2000.0), poisson_train(rng, 60.0, 2000.0)
    r = replay(b2, pre, post, delay=delay)
    assert len(r["weights"]) == len(pre) > 50
    np.testing.assert_allclose(r["weights"], r["reference"], rtol=RTOL)


def test_weights_clip_at_zero_on_brian2(b2):
    strong = dict(STDP, alpha=500.0)             # A_minus = lambda alpha = 50: one pair clips
    r = replay(b2, [20.0, 40.0], [10.0, 15.0], delay=1.0, stdp=strong)
    assert r["weights"][0] == 0.0 and r["reference"][0] == 0.0
    assert r["weights"][1] == 0.0                # w^mu with w = 0: stays at 0


def test_per_synapse_lambda_is_refused_on_brian2(brian2_sim):
    sim = brian2_sim
    per_synapse = RandomDistribution("uniform", (0.05, 0.15), rng=NumpyRNG(1))
    rule = sim.SpikePairRule(**dict(SPIKE_PAIR, A_plus=per_synapse))
    with pytest.raises(ValueError, match="shares 'A_plus'"):
        sim.STDPMechanism(timing_dependence=rule, weight_dependence=sim.PowerLawWeightDependence(),
                          weight=0.05, delay=1.5)
    with pytest.raises(ValueError, match="dendritic"):
        sim.STDPMechanism(timing_dependence=sim.SpikePairRule(**SPIKE_PAIR),
                          weight_dependence=sim.PowerLawWeightDependence(),
                          dendritic_delay_fraction=0.5, weight=0.05, delay=1.5)
