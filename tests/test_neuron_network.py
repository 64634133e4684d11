"""The network built through PyNN on NEURON: connectivity, models, parameters, get/set,
threads (the plastic weights of a running network: test_network_weights.py)."""
import math

import numpy as np
import pytest
from neuron import h

from pynn_hpc import parameters as P
from pynn_hpc.network import spike_pair_parameters

from conftest import check_projection_get_set_sample, small_network


@pytest.fixture(scope="module")
def net(neuron_sim):
    return small_network(neuron_sim, threads=1)


def indices(prj):
    pre, post = prj._indices()
    return pre, post


def test_indegrees_are_exact_with_multapses_and_no_autapses(net):
    sim, d, E, I, recorded, drive, prj = net
    for key, pre_pop, post_pop, k in (("EE", E, E, d.CE), ("IE", I, E, d.CI),
                                      ("EI", E, I, d.CE), ("II", I, I, d.CI)):
        pre, post = indices(prj[key])
        assert len(prj[key]) == len(pre) == post_pop.size * k, key
        assert sum(int(m.count()) for m in prj[key]._matrices) == len(pre), key
        np.testing.assert_array_equal(np.bincount(post, minlength=post_pop.size), k, err_msg=key)
        assert pre.min() >= 0 and pre.max() < pre_pop.size
        if pre_pop is post_pop:
            assert not np.any(pre == post), f"autapse in {key}"
        assert np.max(np.unique(pre * post_pop.size + post, return_counts=True)[1]) > 1, key
        # one NetCon per presynaptic neuron, from its gid, weight = its row
        rows = prj[key]._row_netcons
        assert len(rows) == len(np.unique(pre)), key
        for nc in rows[:50]:
            assert int(nc.srcgid()) == int(pre_pop.all_cells[int(nc.weight[0])]), key
    total = sum(len(p) for p in prj.values())
    assert total == d.n_connections


def test_presynaptic_draws_are_uniform(net):
    sim, d, E, I, recorded, drive, prj = net
    pre, post = indices(prj["EE"])
    for j in range(E.size):
        counts = np.bincount(pre[post == j], minlength=E.size)
        assert counts[j] == 0
        expected = d.CE / (E.size - 1)
        chi2 = np.sum((np.delete(counts, j) - expected) ** 2 / expected)
        assert chi2 < E.size - 2 + 6 * math.sqrt(2 * (E.size - 2))       # ~ chi2(E.size - 2)


def test_one_independent_poisson_train_per_neuron(net):
    sim, d, E, I, recorded, drive, prj = net
    streams = set()
    for key, pop in (("driveE", E), ("driveI", I)):
        pre, post = indices(prj[key])
        np.testing.assert_array_equal(np.sort(post), np.arange(pop.size))
        np.testing.assert_array_equal(pre, post)
        for syn, j in zip(prj[key]._drives, post):
            assert syn.same(pop[int(j)]._cell.esyn)              # drawn inside the target's synapse
            assert syn.drive_rate == pytest.approx(d.rate_ext)
            assert syn.drive_weight == pytest.approx(d.J_drive)
            assert syn.drive_start == pytest.approx(d.delay)
            streams.add(tuple(syn.drive_stream.get_ids()))
    assert len(streams) == d.n_neurons                             # independent trains


def test_poisson_sources_refuse_shared_trains(net):
    sim = net[0]
    with pytest.raises(NotImplementedError, match="OneToOneConnector"):
        sim.Projection(net[5]["E"], net[2], sim.AllToAllConnector(), sim.StaticSynapse(weight=0.01))


def test_plastic_only_E_to_E_and_exact_alpha_synapses(net):
    sim, d, E, I, recorded, drive, prj = net
    for key, p in prj.items():
        if key.startswith("drive"):
            continue
        assert [m.plastic for m in p._matrices] == [float(key == "EE")], key
    for cell in [c._cell for c in list(E) + list(I)]:              # receptors take the input
        assert cell.esyn.slot >= 0 and cell.isyn.slot >= 0
    ee = prj["EE"]
    assert len(ee._post_netcons) == E.size
    rule = spike_pair_parameters()
    for syn in ee._matrices:
        for name in ("A_plus", "A_minus", "tau_plus", "tau_minus"):
            assert getattr(syn, name) == pytest.approx(rule[name], rel=1e-12), name
        assert syn.mu == P.STDP["mu"] and syn.w0 == pytest.approx(d.w0)
        assert syn.delay == pytest.approx(d.delay)
    for k, nc in enumerate(ee._post_netcons):              # the post spikes, kept d before use
        assert nc.weight[0] == -1 - k and nc.delay == pytest.approx(d.delay)
        assert nc.pre().same(E[k]._cell.source)
    assert h.secondorder == 2


def test_weights_delays_and_neuron_parameters(net):
    sim, d, E, I, recorded, drive, prj = net
    expected = {"EE": d.JE, "EI": d.JE, "IE": d.JI, "II": d.JI, "driveE": d.J_drive,
                "driveI": d.J_drive}
    for key, p in prj.items():
        w, delay = np.array(p.get(["weight", "delay"], format="list", with_address=False)).T
        np.testing.assert_allclose(w, expected[key], rtol=1e-12, err_msg=key)
        np.testing.assert_allclose(delay, 1.5, err_msg=key)
    cell = E[0]._cell
    assert cell.c_m == pytest.approx(0.25) and cell.tau_m == pytest.approx(10.0)
    assert cell.t_refrac == 0.5 and cell.v_thresh == 20.0 and cell.v_reset == 0.0
    assert cell.esyn.tau == P.NEURON["tau_syn_E"] and cell.esyn.tau_m == pytest.approx(10.0)
    v = [c._cell.initial_values["v"] for c in list(E) + list(I)]
    assert len(set(v)) == d.n_neurons
    assert recorded.size == d.n_record == d.NE


def test_projection_get_set_and_sample(net):
    ee = check_projection_get_set_sample(net)
    with pytest.raises(ValueError, match=">= 0"):
        ee.set(weight=-0.01)
    ee.set(weight=net[1].JE)
    ee.set(tau_plus=20.0)
    assert {m.tau_plus for m in ee._matrices} == {20.0}
    ee.set(tau_plus=P.STDP["tau_plus"])


def test_other_connectors(neuron_sim):
    """One-to-one, all-to-all without autapses, and a PyNN connector through _convergent_connect."""
    sim = neuron_sim
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=1.5)
    a = sim.Population(5, sim.IF_curr_alpha(**P.NEURON))
    b = sim.Population(5, sim.IF_curr_alpha(**P.NEURON))
    one = sim.Projection(a, b, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.01, delay=1.0))
    pre, post = indices(one)
    np.testing.assert_array_equal(pre, post)
    assert len(one) == 5
    full = sim.Projection(a, a, sim.AllToAllConnector(allow_self_connections=False),
                          sim.StaticSynapse(weight=-0.02, delay=0.5), receptor_type="inhibitory")
    pre, post = indices(full)
    assert len(full) == 20 and not np.any(pre == post)
    assert a[int(post[0])]._cell.isyn.slot >= 0 and a[int(post[0])]._cell.esyn.slot < 0
    prob = sim.Projection(a, b, sim.FixedProbabilityConnector(0.5, rng=sim.NumpyRNG(2)),
                          sim.StaticSynapse(weight=0.03, delay=1.0))
    w = prob.get("weight", format="array")
    assert 0 < len(prob) < 25 and np.nansum(w) == pytest.approx(0.03 * len(prob))


@pytest.mark.parametrize("threads, block", [(1, None), (2, None), (2, 1000)])
def test_fixed_indegree_computed_in_c_is_the_shared_draws(neuron_sim, threads, block,
                                                          monkeypatch):
    """The matrices compute the indices from the uniforms in C: the same connections as
    fixed_indegree_draws (Brian2's), with and without autapses, on 1 and 2 threads, and over
    blocks of draws (block: random numbers per block, 1000 = 20 neurons), later projections
    drawing on from the same stream."""
    from pynn_hpc.backends import projections
    if block is not None:
        monkeypatch.setattr(projections, "BLOCK", block)
    sim = neuron_sim
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=1.5, threads=threads)
    a = sim.Population(300, sim.IF_curr_alpha(**P.NEURON))
    b = sim.Population(130, sim.IF_curr_alpha(**P.NEURON))
    rng, state = sim.NumpyRNG(seed=5), np.random.RandomState(5)
    for pre_pop, post_pop, n, autapses in ((a, a, 50, False), (a[100:], b, 7, True),
                                           (b, a[:40], 130, False), (b, b, 1, False)):
        prj = sim.Projection(pre_pop, post_pop, sim.FixedNumberPreConnector(
            n, allow_self_connections=autapses, with_replacement=True, rng=rng),
            sim.StaticSynapse(weight=0.01, delay=1.0))
        own = projections.self_positions(pre_pop, post_pop) if not autapses else \
            np.full(post_pop.size, -1)
        drawn = [(idx.ravel(), np.repeat(posts, n)) for posts, idx in
                 projections.fixed_indegree_draws(n, pre_pop.size, own, state)]
        pre, post = (np.concatenate(x).astype(np.int64) for x in zip(*drawn))
        got_pre, got_post = prj._indices()
        np.testing.assert_array_equal(np.sort(got_pre * post_pop.size + got_post),
                                      np.sort(pre * post_pop.size + post))
        if not autapses and pre_pop is post_pop:
            assert not np.any(got_pre == got_post)


def test_fixed_indegree_without_candidates_is_refused_before_building(neuron_sim):
    """One neuron, no autapses: nothing to draw from; refused before any matrix is made."""
    sim = neuron_sim
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=1.5)
    a = sim.Population(1, sim.IF_curr_alpha(**P.NEURON))
    with pytest.raises(ValueError, match="no presynaptic neuron to choose from"):
        sim.Projection(a, a, sim.FixedNumberPreConnector(
            2, allow_self_connections=False, with_replacement=True, rng=sim.NumpyRNG(1)),
            sim.StaticSynapse(weight=0.01, delay=1.0))
    assert a[0]._cell.esyn.slot < 0                 # no receptor slot claimed


def test_a_second_network_on_threads_gets_a_partition_of_its_own(neuron_sim):
    """setup() gives each network NEURON's default thread partition: a second network on 2
    threads in one process connected its cells to none (the first one's partition)."""
    from pyNN.neuron import simulator
    sim = neuron_sim
    for _ in range(2):
        sim.setup(timestep=0.1, min_delay=0.1, max_delay=1.5, threads=2)
        a = sim.Population(10, sim.IF_curr_alpha(**P.NEURON))
        prj = sim.Projection(a, a, sim.AllToAllConnector(allow_self_connections=False),
                             sim.StaticSynapse(weight=0.01, delay=1.0))
        pc = simulator.state.parallel_context
        partition = [sec for t in range(2) for sec in pc.get_partition(t)]
        assert all(cell._cell in partition for cell in a.all_cells)
        assert len(prj._matrices) == 2 and len(prj) == 90


def test_targets_split_between_threads_are_caught(neuron_sim, capfd):
    """A partition changed after connecting can split a matrix's targets between NEURON
    threads (a matrix lives on its first target's section, so moving all of them is fine);
    the run must stop before it delivers across threads."""
    from pyNN.neuron import simulator
    sim = neuron_sim
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=1.5, threads=2)
    a = sim.Population(4, sim.IF_curr_alpha(**dict(P.NEURON, i_offset=1.0)))
    prj = sim.Projection(a, a, sim.AllToAllConnector(allow_self_connections=False),
                         sim.StaticSynapse(weight=0.01, delay=1.0))
    before = prj._threads_of(range(4))
    pc = simulator.state.parallel_context
    roots = [list(pc.get_partition(0)), list(pc.get_partition(1))]
    moved = a[1]._cell                                      # only a[1] changes thread
    roots[before[1]].remove(moved)
    roots[1 - before[1]].append(moved)
    for t, secs in enumerate(roots):
        sections = h.SectionList()
        for sec in secs:
            sections.append(sec=sec)
        pc.partition(t, sections)
    assert prj._threads_of([1])[0] == 1 - before[1]
    with pytest.raises(RuntimeError):
        sim.run(100.0)
    assert "split a synaptic matrix's targets between threads" in capfd.readouterr().err


def test_i_offset_set_after_creation_drives_the_cell(neuron_sim):
    """A cell made with i_offset 0 has no IClamp (it would cost every step); setting i_offset
    later makes one, and the cell then follows the same voltage as one made with it."""
    sim = neuron_sim
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=1.0)
    later = sim.Population(1, sim.IF_curr_alpha(**dict(P.NEURON, i_offset=0.0)))
    made = sim.Population(1, sim.IF_curr_alpha(**dict(P.NEURON, i_offset=0.5)))
    assert later[0]._cell.stim is None and made[0]._cell.stim is not None
    later.set(i_offset=0.5)
    assert later.get("i_offset") == pytest.approx(0.5)
    for pop in (later, made):
        pop.record("v")
    sim.run(20.0)
    v = [pop.get_data().segments[0].analogsignals[0].magnitude.ravel() for pop in (later, made)]
    assert np.ptp(v[1]) > 1.0 and np.array_equal(v[0], v[1])


@pytest.mark.parametrize("v_init", [-70.0, -45.0], ids=["below", "above-threshold"])
def test_threshold_reset_is_pynns_reset_refrac(neuron_sim, v_init):
    """ThresholdReset (the check in the step) against PyNN's ResetRefrac (a WATCH): the same
    spike times and the same membrane potential at every step, a cell that starts above the
    threshold included (it fires only after it has gone below, as with the WATCH), except at
    the spike's own time, where ThresholdReset records the reset (as NEST)."""
    from neuron import h
    neuron_sim.setup(timestep=0.1, min_delay=0.1, max_delay=1.0)
    results = []
    for mechanism in (h.ResetRefrac, h.ThresholdReset):
        sec = h.Section(name=mechanism.hname())
        sec.L, sec.diam = 100, 1000 / np.pi
        sec.insert("pas")
        sec(0.5).pas.g, sec(0.5).pas.e = 1e-4, -65.0
        reset = mechanism(sec(0.5))
        reset.vthresh, reset.vreset, reset.trefrac = -50.0, -60.0, 2.0
        stim = h.IClamp(sec(0.5))
        stim.delay, stim.dur = 0, 1e9
        amps = h.Vector(np.repeat([0.0, 4.0, 0.5, 8.0], 100))      # nA, 10 ms each
        amps.play(stim._ref_amp, 0.1)
        spikes, v = h.Vector(), h.Vector()
        nc = h.NetCon(reset, None)
        nc.record(spikes)
        v.record(sec(0.5)._ref_v)
        h.finitialize(v_init)
        while h.t < 40.0 - 1e-9:
            h.fadvance()
        results.append((spikes.as_numpy().copy(), v.as_numpy().copy()))
        del nc, amps, stim, reset, sec
    (s_a, v_a), (s_b, v_b) = results
    assert len(s_a) > 3 and np.array_equal(s_a, s_b)
    at_spike = np.isin(np.round(np.arange(len(v_a)) * 0.1, 6), np.round(s_a, 6))
    assert at_spike.sum() == len(s_a) and np.all(v_b[at_spike] == -60.0)
    np.testing.assert_allclose(v_b[~at_spike], v_a[~at_spike], rtol=0, atol=1e-9)
