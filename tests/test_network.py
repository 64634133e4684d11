"""The network built through PyNN on NEST: exact connectivity, models, parameters, get/set;
and what the backends' projections share (dense arrays, nothing per connection in Python)."""
import sys

import nest
import numpy as np
import pytest
from pyNN import common

from pynn_hpc import parameters as P
from pynn_hpc.backends.projections import _combine

from conftest import check_projection_get_set_sample, small_network


@pytest.fixture(scope="module")
def net(nest_sim):
    return small_network(nest_sim, threads=2)


def edges(prj):
    conns = prj.nest_connections
    return (np.fromiter(conns.sources(), int, len(conns)),
            np.fromiter(conns.targets(), int, len(conns)))


def repeated_pairs(pre, post, n_post):
    """How many connections repeat an earlier (pre, post) pair: multapses."""
    return len(pre) - len(np.unique(np.asarray(pre, np.int64) * n_post + post))


def test_repeated_pairs_counts_multapses_only():
    """The control: a connectivity without multapses has none (the out-degree could not tell)."""
    pre, post = np.array([0, 1, 0, 1, 2]), np.array([0, 0, 1, 1, 1])
    assert repeated_pairs(pre, post, 3) == 0 and np.bincount(pre).max() > 1
    assert repeated_pairs(np.append(pre, 2), np.append(post, 1), 3) == 1


def test_indegrees_are_exact_with_multapses_and_no_autapses(net):
    sim, d, E, I, recorded, drive, prj = net
    for key, pre, post, k in (("EE", E, E, d.CE), ("IE", I, E, d.CI),
                              ("EI", E, I, d.CE), ("II", I, I, d.CI)):
        src, tgt = edges(prj[key])
        assert len(prj[key]) == len(src) == post.size * k, key
        np.testing.assert_array_equal(np.bincount(post.id_to_index(tgt), minlength=post.size),
                                      k, err_msg=key)
        assert set(pre.id_to_index(src)) <= set(range(pre.size))
        if pre is post:
            assert not np.any(src == tgt), f"autapse in {key}"
        assert repeated_pairs(pre.id_to_index(src), post.id_to_index(tgt), post.size) > 0, \
            f"{key}: multapses expected (indegree {k} from {pre.size} neurons)"
    total = sum(len(p) for p in prj.values())
    assert total == d.n_connections
    assert nest.GetKernelStatus("num_connections") == total   # PyNN adds its recorder at run()


def test_one_independent_poisson_train_per_neuron(net):
    """As the seed: one poisson_generator connected to every neuron, which draws a train per target."""
    sim, d, E, I, recorded, drive, prj = net
    generators = set()
    for key, pop in (("driveE", E), ("driveI", I)):
        src, tgt = edges(prj[key])
        assert len(prj[key]) == len(src) == pop.size
        np.testing.assert_array_equal(np.sort(pop.id_to_index(tgt)), np.arange(pop.size))
        generators |= set(src.tolist())
    assert len(generators) == 1
    generator = nest.NodeCollection(sorted(generators))
    assert generator.get("model") == "poisson_generator"     # no parrot: trains are independent
    np.testing.assert_allclose(generator.get("rate"), d.rate_ext)
    assert nest.GetConnections(source=generator).get("synapse_model")[0] == \
        prj["driveE"].nest_synapse_model == prj["driveI"].nest_synapse_model


def test_poisson_sources_refuse_shared_trains(net):
    sim = net[0]
    with pytest.raises(NotImplementedError, match="OneToOneConnector"):
        sim.Projection(net[5]["E"], net[2], sim.AllToAllConnector(), sim.StaticSynapse(weight=0.01))


def test_plastic_only_E_to_E_with_hpc_synapses(net):
    sim, d, E, I, recorded, drive, prj = net
    for key, p in prj.items():
        defaults = nest.GetDefaults(p.nest_synapse_model)
        plastic = "lambda" in defaults
        assert plastic == (key == "EE"), key
        assert defaults["sizeof"] == (32 if plastic else 16), f"{key} is not an _hpc synapse"
    ee = nest.GetDefaults(prj["EE"].nest_synapse_model)
    for name in ("lambda", "alpha", "mu", "tau_plus"):
        assert ee[name] == pytest.approx(P.STDP[name], rel=1e-12), name   # w0 = 1 pA: no rescaling
    assert set(E.node_collection.get("tau_minus")) == {P.STDP["tau_minus"]}


def test_weights_delays_and_neuron_parameters(net):
    sim, d, E, I, recorded, drive, prj = net
    expected = {"EE": d.JE, "EI": d.JE, "IE": d.JI, "II": d.JI, "driveE": d.JE, "driveI": d.JE}
    for key, p in prj.items():
        w, delay = p.get(["weight", "delay"], format="list", with_address=False)[0]
        assert w == pytest.approx(expected[key], rel=1e-12) and delay == 1.5, key
    status = E.node_collection.get(["C_m", "tau_m", "t_ref", "V_th", "V_reset", "E_L",
                                    "tau_syn_ex", "tau_syn_in"])
    assert status["C_m"][0] == 250.0 and status["t_ref"][0] == 0.5 and status["V_th"][0] == 20.0
    assert status["tau_syn_ex"][0] == P.NEURON["tau_syn_E"]
    v = np.concatenate([E.node_collection.get("V_m"), I.node_collection.get("V_m")])
    assert len(set(v)) == d.n_neurons                  # drawn per neuron, from N(5.7, 7.2)
    assert recorded.size == d.n_record == d.NE


def test_projection_get_set_and_sample(net):
    ee = check_projection_get_set_sample(net)
    ee.set(weight=net[1].JE)


# -- dense arrays (backends/projections.py), shared by the backends --------------------

@pytest.mark.parametrize("how", sorted(common.Projection.MULTI_SYNAPSE_OPERATIONS))
def test_dense_arrays_combine_multapses_as_pynn_defines(how):
    """Against PyNN's definition, applied one connection at a time (the former loop)."""
    rng = np.random.default_rng(1)
    pre, post, values = rng.integers(0, 4, 30), rng.integers(0, 5, 30), rng.normal(size=30)
    op = common.Projection.MULTI_SYNAPSE_OPERATIONS[how]
    expected = np.full((4, 5), np.nan)
    for i, j, v in zip(pre, post, values):
        expected[i, j] = v if np.isnan(expected[i, j]) else op(expected[i, j], v)
    assert np.isnan(expected).any() and len(set(zip(pre, post))) < len(pre)   # empty and multiple
    np.testing.assert_allclose(_combine(pre * 5 + post, values, (4, 5), how), expected, rtol=1e-12)


def test_dense_arrays_without_a_python_step_per_connection(neuron_sim):
    """``get(format="array")`` in numpy: a few hundred Python calls for 162,000 connections,
    not one per connection (81 M at scale 1).  On NEURON, whose reading is numpy throughout
    (NEST's own SynapseCollection.get builds a dict per connection)."""
    ee = small_network(neuron_sim, threads=1)[6]["EE"]
    for how in ("sum", "last"):
        calls = []
        sys.setprofile(lambda frame, event, arg: calls.append(event))
        try:
            arr = ee.get("weight", format="array", multiple_synapses=how)
        finally:
            sys.setprofile(None)
        assert len(ee) > 100_000 and len(calls) < 2000, (how, len(calls))
        assert np.count_nonzero(~np.isnan(arr)) == len(set(zip(*ee._indices())))


def numpy_bytes(obj):
    """Bytes of the numpy arrays an object holds in its attributes (and lists of them)."""
    total = 0
    for value in vars(obj).values():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            total += item.nbytes if isinstance(item, np.ndarray) else 0
    return total


def test_neuron_keeps_no_index_arrays_in_python(neuron_sim):
    """The synaptic matrices hold every connection in C; the indices are read back from them
    (they were also kept in Python, 8 B per connection).  sample() reads the same synapses
    as selecting them from all the indices."""
    sim, d, E, I, recorded, drive, prj = small_network(neuron_sim, threads=2)
    for key in ("EE", "IE", "EI", "II"):
        p = prj[key]
        assert len(p) == p.post.size * (d.CE if p.pre is E else d.CI), key
        assert numpy_bytes(p) < 0.1 * len(p), key
        pre, post = p._indices()
        assert len(pre) == len(p), key
        rng = np.random.default_rng(4)
        chosen_pre, chosen_post = rng.choice(p.pre.size, 3, replace=False), \
            rng.choice(p.post.size, 2, replace=False)
        selected = np.isin(pre, chosen_pre) & np.isin(post, chosen_post)
        weights = p.get("weight", format="list", with_address=False)
        sample = p.sample("weight", n_pre=3, n_post=2, rng=np.random.default_rng(4))["weight"]
        assert 0 < len(sample) == np.count_nonzero(selected), key
        np.testing.assert_array_equal(sample, np.asarray(weights)[selected])
