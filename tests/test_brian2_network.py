"""The network built through PyNN on Brian2: connectivity, the drive, models, get/set.

The network is the model at conftest's SMALL_SCALE (full indegree); the drive's statistics
and its seed are checked on a few neurons run for a second of simulated time.
"""
import math

import numpy as np
import pytest

from pynn_hpc import parameters as P
from pynn_hpc.network import spike_pair_parameters

from conftest import check_projection_get_set_sample, small_network


@pytest.fixture(scope="module")
def net(brian2_sim):
    return small_network(brian2_sim, threads=1)


def test_indegrees_are_exact_with_multapses_and_no_autapses(net):
    sim, d, E, I, recorded, drive, prj = net
    for key, pre_pop, post_pop, k in (("EE", E, E, d.CE), ("IE", I, E, d.CI),
                                      ("EI", E, I, d.CE), ("II", I, I, d.CI)):
        pre, post = prj[key]._indices()
        assert len(prj[key]) == len(pre) == post_pop.size * k == len(prj[key]._syn), key
        np.testing.assert_array_equal(np.bincount(post, minlength=post_pop.size), k, err_msg=key)
        assert pre.min() >= 0 and pre.max() < pre_pop.size
        if pre_pop is post_pop:
            assert not np.any(pre == post), f"autapse in {key}"
        assert np.max(np.unique(pre * post_pop.size + post, return_counts=True)[1]) > 1, key
    assert sum(len(p) for p in prj.values()) == d.n_connections


def test_presynaptic_draws_are_uniform(net):
    sim, d, E, I, recorded, drive, prj = net
    pre, post = prj["EE"]._indices()
    for j in range(E.size):
        counts = np.bincount(pre[post == j], minlength=E.size)
        assert counts[j] == 0
        expected = d.CE / (E.size - 1)
        chi2 = np.sum((np.delete(counts, j) - expected) ** 2 / expected)
        assert chi2 < E.size - 2 + 6 * math.sqrt(2 * (E.size - 2))       # ~ chi2(E.size - 2)


def test_one_poisson_drive_per_neuron_inside_the_neuron(net):
    sim, d, E, I, recorded, drive, prj = net
    for key, pop in (("driveE", E), ("driveI", I)):
        pre, post = prj[key]._indices()
        np.testing.assert_array_equal(pre, np.arange(pop.size))
        np.testing.assert_array_equal(post, np.arange(pop.size))
        group = pop.brian2_group
        np.testing.assert_allclose(group.drive_rate_E_[:], d.rate_ext)
        np.testing.assert_allclose(group.drive_weight_E_[:], d.J_drive * 1e-9)
        np.testing.assert_allclose(group.drive_start_E_[:], d.delay * 1e-3)
        np.testing.assert_array_equal(group.drive_rate_I_[:], 0)
        assert prj[key]._syn is None                     # no synapses, no spike events
    with pytest.raises(NotImplementedError, match="OneToOneConnector"):
        sim.Projection(drive["E"], E, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.01))


def test_plastic_only_E_to_E(net):
    sim, d, E, I, recorded, drive, prj = net
    for key in ("EE", "EI", "IE", "II"):
        syn = prj[key]._syn
        assert ("Kplus" in syn.variables) == (key == "EE"), key
        assert float(syn.pre.delay_[:]) * 1e3 == pytest.approx(d.delay), key
    ee = prj["EE"]._syn
    assert float(ee.post.delay_[:]) * 1e3 == pytest.approx(2 * d.delay)
    assert ee.post.order < ee.pre.order                  # a same-step post spike first
    for name, value in spike_pair_parameters().items():
        assert float(getattr(ee, name)[:]) == pytest.approx(value, rel=1e-12), name
    assert float(ee.mu[:]) == P.STDP["mu"] and float(ee.w0[:]) == pytest.approx(d.w0)


def test_weights_delays_and_neuron_parameters(net):
    sim, d, E, I, recorded, drive, prj = net
    expected = {"EE": d.JE, "EI": d.JE, "IE": d.JI, "II": d.JI, "driveE": d.J_drive,
                "driveI": d.J_drive}
    for key, p in prj.items():
        w, delay = np.array(p.get(["weight", "delay"], format="list", with_address=False)).T
        np.testing.assert_allclose(w, expected[key], rtol=1e-12, err_msg=key)
        np.testing.assert_allclose(delay, 1.5, err_msg=key)
    for name in ("cm", "tau_m", "tau_refrac", "v_thresh", "v_reset", "tau_syn_E"):
        np.testing.assert_allclose(E.get(name), P.NEURON[name], rtol=1e-12, err_msg=name)
    v = np.concatenate([E.brian2_group.v_[:], I.brian2_group.v_[:]])
    assert len(set(v)) == d.n_neurons
    assert recorded.size == d.n_record == d.NE


def test_projection_get_set_and_sample(net):
    ee = check_projection_get_set_sample(net)
    with pytest.raises(ValueError, match=">= 0"):
        ee.set(weight=-0.01)
    ee.set(weight=net[1].JE)
    ee.set(tau_plus=20.0)
    assert float(ee._syn.tau_plus[:]) == 20.0
    ee.set(tau_plus=P.STDP["tau_plus"])


def free_drive(sim, seed, n=20, t_stop=1000.0):
    """``n`` neurons that never fire, driven by the network's Poisson drive: i_E (nA)."""
    from pynn_hpc.derived import derive
    d = derive(1)
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=d.delay, rng_seed=seed)
    cells = sim.Population(n, sim.IF_curr_alpha(**dict(P.NEURON, v_thresh=1e9)))
    sources = sim.Population(n, sim.SpikeSourcePoisson(rate=d.rate_ext))
    sim.Projection(sources, cells, sim.OneToOneConnector(),
                   sim.StaticSynapse(weight=d.J_drive, delay=d.delay))
    cells.record("isyn_exc")
    sim.run(t_stop)
    i = cells.get_data().segments[0].filter(name="isyn_exc")[0]
    return d, np.asarray(i.magnitude)


def test_poisson_drive_rate_and_its_seed(brian2_sim):
    """The mean alpha current is rate x weight x e tau_syn; the seed names the stream."""
    d, i = free_drive(brian2_sim, seed=5)
    after = i[int(10.0 / 0.1):]                         # after the delay and the rise
    expected = d.rate_ext / 1000.0 * d.J_drive * math.e * P.NEURON["tau_syn_E"]
    per_neuron = after.mean(axis=0)
    assert per_neuron.mean() == pytest.approx(expected, rel=0.01)
    assert np.std(per_neuron) > 0                        # each neuron its own train
    np.testing.assert_array_equal(i[: int(d.delay / 0.1)], 0)      # nothing before the delay
    _, again = free_drive(brian2_sim, seed=5)
    _, other = free_drive(brian2_sim, seed=6)
    np.testing.assert_array_equal(again, i)
    assert not np.array_equal(other, i)
