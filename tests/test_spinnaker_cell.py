"""sPyNNaker's IF_curr_alpha as a NEURON cell (spinnaker_emulated's SpiNNakerIF_curr_alpha and
nmodl/SpiNNakerLIFAlpha.mod)
against the host harness (pynn_hpc.backends.spinnaker.neuron_numerics.run): the same C, so the same
bits.

One cell on the NEURON backend, its inputs through the backend's own projections (synaptic
matrices, delay 1.5 ms) from SpikeSourceArrays, or through NetCons into the mechanism, or its
Poisson drive; the harness gets the same stored units per step.  V_m after each step (as s16.15
bits) and the spike steps must be identical: a spike arrival at t_n is the harness's input of
step n, V_m recorded at t_n+1 its V after step n, a spike at t_n+1 its spike step n.
"""
import math

import numpy as np
import pytest

from pynn_hpc import parameters as P
from pynn_hpc.derived import derive
from pynn_hpc.errors import ParameterError

DT, DELAY = 0.1, 1.5
LAG = int(round(DELAY / DT))        # steps from a source's spike to its arrival
STEPS = 5000                        # 0.5 s
START = 20                          # no input before this step
ONE = 32768.0                       # s16.15


@pytest.fixture(scope="module")
def sim(neuron_sim):
    return neuron_sim


@pytest.fixture(scope="module")
def N():
    from pynn_hpc.backends.spinnaker import neuron_numerics
    return neuron_numerics


@pytest.fixture(scope="module")
def scales():
    from pynn_hpc.backends.spinnaker import fixedpoint
    return fixedpoint.weight_scales()


def celltype(sim, **extra):
    from pynn_hpc.backends.spinnaker_emulated.cell import SpiNNakerIF_curr_alpha
    return SpiNNakerIF_curr_alpha(**dict(P.NEURON, **extra))


def run_cell(sim, inputs, shifts, steps=STEPS, v0=5.7, netcon=False, setup=None, **extra):
    """One cell; ``inputs``: (counts per arrival step, units per spike, receptor) triples.
    Returns V_m after each step (bits), the current each step used (bits), spike steps, the cell."""
    from neuron import h
    sim.setup(timestep=DT, min_delay=DT, max_delay=DELAY)
    cell = sim.Population(1, celltype(sim, shift_E=shifts[0], shift_I=shifts[1], **extra),
                          initial_values={"v": v0})
    cell.record(["v", "spikes", "i_syn"])
    keep = []
    for counts, units, receptor in inputs:
        shift = shifts[0] if receptor == "excitatory" else shifts[1]
        weight = units * 2.0 ** shift / ONE * (1 if receptor == "excitatory" else -1)
        arrivals = np.flatnonzero(counts)
        assert arrivals.min() >= LAG
        trains = [np.round((arrivals[counts[arrivals] > m] - LAG) * DT, 10)
                  for m in range(counts.max())]
        if netcon:
            mechanism = cell[0]._cell.mechanism
            for train in trains:
                stim = h.VecStim()
                vec = h.Vector(train)
                stim.play(vec)
                nc = h.NetCon(stim, mechanism)
                nc.weight[0] = weight           # > 0 excitatory, < 0 inhibitory
                nc.delay = DELAY
                keep += [stim, vec, nc]
        else:
            sources = sim.Population(len(trains), sim.SpikeSourceArray(
                spike_times=[list(train) for train in trains]))
            sim.Projection(sources, cell, sim.AllToAllConnector(),
                           sim.StaticSynapse(weight=weight, delay=DELAY), receptor_type=receptor)
    if setup is not None:
        keep.append(setup(cell[0]._cell))
    sim.run(steps * DT)
    segment = cell.get_data().segments[0]
    v = np.asarray(segment.filter(name="v")[0].magnitude).ravel()
    i = np.asarray(segment.filter(name="i_syn")[0].magnitude).ravel()
    spikes = np.asarray(segment.spiketrains[0].magnitude)
    assert v.size == steps + 1
    return (np.rint(v[1:] * ONE).astype(np.int64), np.rint(i[1:] * ONE).astype(np.int64),
            np.rint(spikes / DT).astype(np.int64) - 1, cell[0]._cell)


def harness(N, inputs, shifts, steps=STEPS, v0=5.7, v_thresh=None, current=None,
            exact_alpha=False):
    exc = np.zeros(steps, dtype=np.int64)
    inh = np.zeros(steps, dtype=np.int64)
    for counts, units, receptor in inputs:
        (exc if receptor == "excitatory" else inh)[:] += counts[:steps] * units
    words = N.parameter_words(DT, v_init=v0, v_thresh=v_thresh)
    tr = N.run(exc, inh, shifts=shifts, words=words, current=current, exact_alpha=exact_alpha)
    return (np.rint(tr.v * ONE).astype(np.int64), np.rint(tr.current * ONE).astype(np.int64),
            tr.spikes)


def assert_same(cell_run, harness_run, min_spikes=0):
    (v, i, s, _), (hv, hi, hs) = cell_run, harness_run
    assert len(hs) >= min_spikes
    np.testing.assert_array_equal(i, hi, err_msg="current (s16.15 bits) differs")
    np.testing.assert_array_equal(v, hv, err_msg="V_m (s16.15 bits) differs")
    np.testing.assert_array_equal(s, hs, err_msg="spike steps differ")


def sparse(steps_counts, steps=STEPS):
    counts = np.zeros(steps, dtype=np.int64)
    for k, c in steps_counts:
        counts[k] += c
    return counts


def poisson(mean, rng, steps=STEPS):
    counts = rng.poisson(mean, steps)
    counts[:START] = 0
    return counts


# ---------------------------------------------------------------- bit for bit with the harness

def test_start_up_constants_are_the_harness(sim, N):
    _, _, _, cell = run_cell(sim, [], (3, 6), steps=10)
    m = cell.mechanism
    raw = N.constants(N.parameter_words(DT, v_init=5.7))["raw"].astype(np.int64)
    got = [m.R_word, m.exp_TC_word, m.T_refract_steps, m.init_E_word, m.decay_E_word,
           m.init_I_word, m.decay_I_word]
    assert [int(g) for g in got] == [int(r) % 2 ** 32 if k in (4, 6) else int(r)
                                     for k, r in enumerate(raw)]


@pytest.mark.parametrize("netcon", [False, True], ids=["projection", "netcon"])
def test_single_spikes(sim, N, netcon):
    """Isolated spikes on each receptor, large enough to move V_m by millivolts."""
    inputs = [(sparse([(100, 1), (400, 1), (1200, 1)]), 2000, "excitatory"),
              (sparse([(700, 1), (1500, 1)]), 500, "inhibitory")]
    assert_same(run_cell(sim, inputs, (3, 6), netcon=netcon, steps=2000),
                harness(N, inputs, (3, 6), steps=2000))


def test_bursts_and_saturation(sim, N):
    """Bursts of several spikes per step on consecutive steps, and a step whose sum exceeds the
    ring buffer's 16 bits (saturated at 0xffff units), at shift 0."""
    exc = sparse([(k, 1 + k % 3) for k in range(100, 110)] + [(300, 3)] +
                 [(k, 2) for k in range(600, 640, 2)])
    inh = sparse([(k, 2) for k in range(105, 112)] + [(800, 5)])
    inputs = [(exc, 30000, "excitatory"), (inh, 9000, "inhibitory")]
    run = run_cell(sim, inputs, (0, 0), steps=1500)
    assert_same(run, harness(N, inputs, (0, 0), steps=1500), min_spikes=1)


def test_poisson_drive_load_threshold_and_refractoriness(sim, N, scales):
    """Poisson input at J_drive, 3 spikes per step (the drive's 2.09 and recurrent input), and
    inhibition, at the seed's LSBs: the neuron fires (23 spikes), so threshold, reset and the 5
    refractory steps are exercised."""
    d = derive(1)
    rng = np.random.default_rng(7)
    se, si = scales["excitatory"], scales["inhibitory"]
    inputs = [(poisson(3.0, rng), int(np.rint(d.J_drive / se.lsb)), "excitatory"),
              (poisson(0.05, rng), int(np.rint(abs(d.JI) / si.lsb)), "inhibitory")]
    cell_run = run_cell(sim, inputs, (se.shift, si.shift))
    h_run = harness(N, inputs, (se.shift, si.shift))
    assert_same(cell_run, h_run, min_spikes=20)
    spikes = h_run[2]
    v_after = h_run[0][spikes[:-1, None] + np.arange(1, 6)]
    assert np.all(v_after == 0)        # held at V_reset for the refractory steps


def test_drive_is_alphaisynexacts_train(sim, N, scales):
    """The cell's own Poisson drive draws AlphaISynExact's train (same Random123 ids) and feeds it
    to the synapse as the harness does."""
    from neuron import h
    d = derive(1)
    se = scales["excitatory"]
    units = int(np.rint(d.J_drive / se.lsb))
    weight = units * se.lsb
    records = {}

    def drive(cell):
        exact = h.AlphaISynExact(0.5, sec=cell)
        exact.tau, exact.tau_m = P.NEURON["tau_syn_E"], P.NEURON["tau_m"]
        for syn in (exact, cell.excitatory):
            syn.drive_rate, syn.drive_weight = d.rate_ext, weight
            syn.drive_start, syn.drive_stop = 1.0, 1e9
            syn.drive_stream.set_ids(5, 11, 17)
        records["exact"] = h.Vector().record(exact._ref_I)
        records["b"] = h.Vector().record(cell.mechanism._ref_b_E)
        records["a"] = h.Vector().record(cell.mechanism._ref_a_E)
        return exact

    # PyNN's alpha in the cell: its current is AlphaISynExact's, step for step
    run_cell(sim, [], (se.shift, 6), setup=drive, spinnaker_alpha=0)
    b = np.asarray(records["b"])
    np.testing.assert_allclose(np.asarray(records["a"]), np.asarray(records["exact"]),
                               rtol=1e-12, atol=1e-15)
    # the counts of that train (each update adds counts e w / tau to b, then decays it) ...
    decay = math.exp(-DT / P.NEURON["tau_syn_E"])
    per_spike = weight * math.e / P.NEURON["tau_syn_E"]
    counts = np.rint((b[1:] / decay - b[:-1]) / per_spike).astype(np.int64)
    assert abs(counts.sum() / (d.rate_ext * (STEPS * DT - 1.0) / 1000.0) - 1) < 0.05
    # ... are what sPyNNaker's synapse in the cell gets: the harness on them is the same
    assert_same(run_cell(sim, [], (se.shift, 6), setup=drive),
                harness(N, [(counts, units, "excitatory")], (se.shift, 6)), min_spikes=3)


# ---------------------------------------------------------------- each deviation alone

def exact_alpha_current(inputs, shifts, steps=STEPS):
    """PyNN's alpha current (peak = weight) at each step's start t_n (inputs of t_n not yet in)."""
    t = np.arange(steps) * DT
    total = np.zeros(steps)
    for counts, units, receptor in inputs:
        shift = shifts[0] if receptor == "excitatory" else shifts[1]
        tau = P.NEURON["tau_syn_E" if receptor == "excitatory" else "tau_syn_I"]
        w = units * 2.0 ** shift / ONE * (1 if receptor == "excitatory" else -1)
        for k in np.flatnonzero(counts):
            s = t[k + 1:] - k * DT
            total[k + 1:] += counts[k] * w * math.e * s / tau * np.exp(-s / tau)
    return total


def test_membrane_alone(sim, N, scales):
    """spinnaker_alpha = 0: PyNN's exact alpha current (sampled at each step's start, in s16.15)
    into sPyNNaker's LIF; the harness's membrane on that current (synapses bypassed) is the same."""
    rng = np.random.default_rng(3)
    se, si = scales["excitatory"], scales["inhibitory"]
    d = derive(1)
    inputs = [(poisson(2.2, rng), int(np.rint(d.J_drive / se.lsb)), "excitatory"),
              (poisson(0.05, rng), int(np.rint(abs(d.JI) / si.lsb)), "inhibitory")]
    v, i, s, _ = run_cell(sim, inputs, (se.shift, si.shift), spinnaker_alpha=0)
    assert np.max(np.abs(i / ONE - exact_alpha_current(inputs, (se.shift, si.shift)))) <= 1.5 / ONE
    assert_same((v, i, s, None), harness(N, [], (0, 0), current=i / ONE), min_spikes=5)


def test_synapse_alone(sim, N, scales):
    """spinnaker_lif = 0: sPyNNaker's synapse (the harness's current, bit for bit) into a
    membrane in double: V = a - exp(-dt/tau_m)(a - V); it stays within 0.002 mV of the integer
    membrane on the free drive (docs, porting measurements: the fixed point adds < 0.001 mV)."""
    d = derive(1)
    rng = np.random.default_rng(4)
    se = scales["excitatory"]
    inputs = [(poisson(d.rate_ext * DT / 1000.0, rng), int(np.rint(d.J_drive / se.lsb)),
               "excitatory")]
    free = {"v_thresh": N.UNREACHABLE}
    v, i, s, _ = run_cell(sim, inputs, (se.shift, 6), v0=0.0, spinnaker_lif=0, **free)
    hv, hi, _ = harness(N, inputs, (se.shift, 6), v0=0.0, v_thresh=N.UNREACHABLE)
    np.testing.assert_array_equal(i, hi)
    n = P.NEURON
    vd = np.empty(STEPS)
    x = 0.0
    for k in range(STEPS):
        a = (i[k] / ONE + n["i_offset"]) * n["tau_m"] / n["cm"] + n["v_rest"]
        x = a - math.exp(-DT / n["tau_m"]) * (a - x)
        vd[k] = x
    assert np.max(np.abs(v / ONE - vd)) < 1e-4       # recorded V_m passes through s16.15 here
    gap = np.max(np.abs(vd - hv / ONE))
    assert 0 < gap < 0.002
    assert len(s) == 0


def test_bad_parameter_is_refused(sim):
    with pytest.raises(ParameterError, match="does not fit S1615"):
        sim.setup(timestep=DT, min_delay=DT, max_delay=DELAY)
        sim.Population(1, celltype(sim, v_thresh=1e6))


def test_a_header_change_rebuilds_the_mechanisms(tmp_path):
    """The SpiNNaker headers the cell includes are part of its library's hash (cache key)."""
    import shutil
    from pynn_hpc.backends.neuron.mechanisms import digest, folder_sources, headers
    from pynn_hpc.backends.spinnaker_emulated import mechanisms
    files = folder_sources(mechanisms.NMODL)
    assert "SpiNNakerLIFAlpha.mod" in {f.name for f in files}
    before = digest("9.0", "0.13", files, mechanisms.INCLUDE_DIRS)
    copy = tmp_path / "c"
    shutil.copytree(mechanisms.SPINNAKER_C, copy)
    include_dirs = (copy,) + mechanisms.INCLUDE_DIRS[1:]
    assert {"s1615.h", "alpha_synapse.h", "lif_neuron.h"} <= set(headers(include_dirs)[0])
    assert digest("9.0", "0.13", files, include_dirs) == before
    with open(copy / "lif_neuron.h", "a") as f:
        f.write("\n")
    assert digest("9.0", "0.13", files, include_dirs) != before


def test_exact_alpha_synapse(sim, N, scales):
    """spinnaker_alpha = 2, the correction: c/alpha_exact_synapse.h in the cell is the harness's,
    bit for bit (bursts of 3 spikes per step, both receptors, threshold crossed), and its current
    is PyNN's alpha current in double on the same weights within 4 raw units (0.12 pA), off on
    average by what dt / tau as S1615 words (+3.4e-5) make of it (-3.5e-5 of the current)."""
    rng = np.random.default_rng(5)
    se, si = scales["excitatory"], scales["inhibitory"]
    d = derive(1)
    inputs = [(poisson(3.0, rng), int(np.rint(d.J_drive / se.lsb)), "excitatory"),
              (poisson(0.3, rng), int(np.rint(abs(d.JI) / si.lsb)), "inhibitory")]
    shifts = (se.shift, si.shift)
    run = run_cell(sim, inputs, shifts, spinnaker_alpha=2)
    assert_same(run, harness(N, inputs, shifts, exact_alpha=True), min_spikes=5)
    exact = exact_alpha_current(inputs, shifts)
    gap = run[1] - exact * ONE
    assert np.max(np.abs(gap)) <= 4, np.abs(gap).max()
    assert abs(gap.mean() / (exact.mean() * ONE) + 3.5e-5) < 2e-5, gap.mean() / (exact.mean() * ONE)

