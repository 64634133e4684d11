"""The power-law rule on NEURON (a plastic SynapticMatrix) against the reference and against NEST.

Same trains as tests/test_stdp_rule.py (imported, not copied): hand-made trains with exact
pre/post coincidences at the synapse for every delay, and Poisson trains; the weight is
compared right after every presynaptic spike.
"""
import math

import numpy as np
import pytest
from pyNN.random import NumpyRNG, RandomDistribution

from pynn_hpc.reference import power_law_weights
from pynn_hpc.replay import replay
from test_stdp_rule import HAND_POST, HAND_PRE, SPIKE_PAIR, STDP, poisson_train

RTOL = 1e-6


def both(nest_sim, neuron_sim, pre, post, **kw):
    return replay(nest_sim, pre, post, **kw), replay(neuron_sim, pre, post, **kw)


@pytest.mark.parametrize("delay", [0.1, 0.5, 1.0, 1.5, 3.0])
def test_neuron_matches_reference_and_nest_on_hand_made_trains(nest_sim, neuron_sim, delay):
    on_nest, on_neuron = both(nest_sim, neuron_sim, HAND_PRE, HAND_POST, delay=delay)
    np.testing.assert_allclose(on_neuron["pre"], HAND_PRE, atol=1e-9)
    np.testing.assert_allclose(on_neuron["post"], HAND_POST, atol=1e-9)
    np.testing.assert_allclose(on_neuron["times"], on_nest["times"], atol=1e-9)
    np.testing.assert_allclose(on_neuron["weights"], on_neuron["reference"], rtol=RTOL)
    np.testing.assert_allclose(on_neuron["weights"], on_nest["weights"], rtol=RTOL)
    assert np.ptp(on_neuron["weights"]) > 1e-4 * on_neuron["weights"][0]   # the rule did something


def test_coincident_pair_does_nothing_on_neuron(neuron_sim):
    """post 10 is seen at 10 + d = 11, exactly at the second pre spike: it pairs with the
    pre spike at 5 (potentiation) but neither potentiates nor depresses with the one at 11."""
    w, mu, w0 = 0.05, STDP["mu"], STDP["w0"]
    r = replay(neuron_sim, [5.0, 11.0], [10.0], delay=1.0, weight=w)
    expected = w + SPIKE_PAIR["A_plus"] * w0 ** (1 - mu) * w ** mu * math.exp(-6.0 / STDP["tau_plus"])
    assert r["weights"][0] == w
    assert r["weights"][1] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("delay, seed", [(0.1, 1), (1.5, 2), (3.0, 3)])
def test_neuron_matches_reference_and_nest_on_poisson_trains(nest_sim, neuron_sim, delay, seed):
    rng = np.random.default_rng(seed)
    pre, post = poisson_train(rng, 60.0, 2000.0), poisson_train(rng, 60.0, 2000.0)
    on_nest, on_neuron = both(nest_sim, neuron_sim, pre, post, delay=delay)
    assert len(on_neuron["weights"]) == len(pre) > 50
    np.testing.assert_allclose(on_neuron["weights"], on_neuron["reference"], rtol=RTOL)
    np.testing.assert_allclose(on_neuron["weights"], on_nest["weights"], rtol=RTOL)


def test_weights_clip_at_zero_on_neuron(neuron_sim):
    strong = dict(STDP, alpha=500.0)             # A_minus = lambda alpha = 50: one pair clips
    r = replay(neuron_sim, [20.0, 40.0], [10.0, 15.0], delay=1.0, stdp=strong)
    assert r["weights"][0] == 0.0 and r["reference"][0] == 0.0
    assert r["weights"][1] == 0.0                # w^mu with w = 0: stays at 0


def test_per_synapse_lambda_is_refused_on_neuron(neuron_sim):
    sim = neuron_sim
    sim.setup(timestep=0.1, min_delay=1.5, max_delay=1.5)
    per_synapse = RandomDistribution("uniform", (0.05, 0.15), rng=NumpyRNG(1))
    rule = sim.SpikePairRule(**dict(SPIKE_PAIR, A_plus=per_synapse))
    with pytest.raises(ValueError, match="shares 'A_plus'"):
        sim.STDPMechanism(timing_dependence=rule, weight_dependence=sim.PowerLawWeightDependence(),
                          weight=0.05, delay=1.5)


@pytest.mark.parametrize("bin_queue", [0, 1], ids=["time-queue", "bin-queue"])
def test_same_time_events_in_either_order_give_nests_result(neuron_sim, bin_queue):
    """A plastic SynapticMatrix receives a postsynaptic spike (delay d) at the same time as a
    presynaptic arrival, queued in both orders (and with NEURON's fixed-step bin queue on and
    off): the same weights as the reference at every presynaptic spike, and the same current
    sent.  The trains also hold a pair that meets at exactly one time (potentiation first)."""
    from neuron import h
    from pyNN.neuron import simulator
    from pynn_hpc.backends.neuron import synapses
    from pynn_hpc.network import stdp_synapse
    d, w = 1.0, 0.05
    pre_times, post_times = [9.0, 29.0, 39.0], [18.0, 28.0, 29.0]
    results = []
    for order in ("pre-first", "post-first"):
        neuron_sim.setup(timestep=0.1, min_delay=0.1, max_delay=d)
        simulator.state.cvode.queue_mode(bin_queue, 0)
        host = h.Section(name="host")
        receptor = h.AlphaISynExact(host(0.5))
        receptor.claim_slot()
        syn = h.SynapticMatrix(host(0.5))
        synapses.configure(syn, synapses.rule_parameters(stdp_synapse(neuron_sim, w, d)))
        syn.delay = d
        syn.add_pairs(h.Vector([0.0]), h.Vector([0.0]), h.Vector([0.0]), h.Vector([w]))
        syn.build(h.Vector([receptor.slot]))
        pre, post = h.NetCon(None, syn), h.NetCon(None, syn)
        pre.weight[0], post.weight[0] = 0, -1
        # received at t + d: pre 9, 29, 39 -> 10, 30, 40; post 18, 28, 29 -> 19, 29, 30.  The
        # post spike 28 meets pre 29 at 30 (t_post + 2 d = t_pre + d); post 29, received with
        # pre 29 at 30, meets it only at 31 and acts at the pre spike 39
        same = [(pre, 30.0), (post, 30.0)] if order == "pre-first" else [(post, 30.0), (pre, 30.0)]
        schedule = [(pre, 10.0), (post, 19.0), (post, 29.0)] + same + [(pre, 40.0)]

        def queue():
            for nc, t in schedule:
                nc.event(t)

        handler = h.FInitializeHandler(1, queue)
        current = h.Vector()
        current.record(receptor._ref_D)
        weights = []
        for t_stop in (30.3, 40.3):
            simulator.state.run_until(t_stop)
            vec = h.Vector()
            syn.get_weights(vec)
            weights.append(vec[0])
        results.append((weights, current.as_numpy()[int(round(30.3 / 0.1)) - 1]))
        del handler
    ref = power_law_weights(pre_times, post_times, w, d, mu=STDP["mu"], w0=STDP["w0"],
                            **SPIKE_PAIR)
    (w_a, D_a), (w_b, D_b) = results
    assert w_a == pytest.approx(ref[1:], rel=1e-12) and w_b == pytest.approx(ref[1:], rel=1e-12)
    assert D_a == pytest.approx(D_b, rel=1e-12) and D_a != 0


def test_long_silences_keep_what_the_rule_needs_on_neuron(nest_sim, neuron_sim):
    """The matrix keeps a target's spikes only as long as a row that has fired may still need
    them: a presynaptic neuron silent for 3 s while its target fires at 50 Hz, then both
    firing for 3 s more (the history is pruned and compacted on the way); every weight as
    the reference's and NEST's."""
    rng = np.random.default_rng(7)
    post = poisson_train(rng, 50.0, 6000.0)
    pre = np.concatenate([[5.0, 7.0], 3000.0 + poisson_train(rng, 10.0, 3000.0)])
    on_nest, on_neuron = both(nest_sim, neuron_sim, pre, post, delay=1.5)
    assert len(post) > 200 and len(on_neuron["weights"]) == len(pre) > 20
    np.testing.assert_allclose(on_neuron["weights"], on_neuron["reference"], rtol=RTOL)
    np.testing.assert_allclose(on_neuron["weights"], on_nest["weights"], rtol=RTOL)
