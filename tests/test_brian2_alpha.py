"""IF_curr_alpha on Brian2 against NEST's iaf_psc_alpha, one neuron, same inputs.

The inputs, the NEST run and the comparison are tests/test_neuron_alpha.py's (imported, not
copied): Poisson trains on the 0.1 ms grid, excitatory at J_drive and inhibitory at JI
(delay 1.5 ms), at the network's drive rate (20.9 kHz) and at twice the network's peak
input rate, with inhibition that holds the mean free membrane potential at the threshold.
On Brian2 they go through the backend's PyNN API (one SpikeSourceArray per spike of a
step).  The membrane potentials on the grid must agree within 1e-3 mV (outside the spike
steps) and the spike times exactly.  Brian2's compiled target (Cython) and its numpy target
run the same code: each is checked once.
"""
import numpy as np
import pytest

from test_neuron_alpha import (DELAY, DRIVE, DT, N, T_STOP, TWICE_PEAK, V0, compare,
                               inputs_at, run_nest)

TOLERANCE_MV = 1e-3


def run_brian2(sim, inputs, t_stop=T_STOP, record=("v", "spikes"), codegen="cython"):
    sim.setup(timestep=DT, min_delay=DT, max_delay=DELAY, codegen=codegen)
    cell = sim.Population(1, sim.IF_curr_alpha(**N), initial_values={"v": V0})
    cell.record(list(record))
    for steps, counts, weight in inputs:
        trains = [list(steps[counts > m] * DT) for m in range(counts.max())]
        sources = sim.Population(len(trains), sim.SpikeSourceArray(spike_times=trains))
        sim.Projection(sources, cell, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=weight, delay=DELAY),
                       receptor_type="excitatory" if weight > 0 else "inhibitory")
    sim.run(t_stop)
    segment = cell.get_data().segments[0]
    signals = {s.name: s for s in segment.analogsignals}
    spikes = segment.spiketrains[0].magnitude if "spikes" in record else []
    return signals, np.asarray(spikes)


@pytest.mark.parametrize("rate_e, seed, codegen", [(DRIVE, 1, "cython"), (TWICE_PEAK, 2, "numpy")],
                         ids=["drive-cython", "twice-peak-numpy"])
def test_membrane_and_spikes_match_nest(nest_sim, brian2_sim, rate_e, seed, codegen):
    inputs = inputs_at(rate_e, seed)
    signals, spikes = run_brian2(brian2_sim, inputs, codegen=codegen)
    v = signals["v"]
    on_brian2 = (np.asarray(v.times.magnitude), np.asarray(v.magnitude).ravel(), spikes)
    dv, spikes_nest, spikes_brian2 = compare(run_nest(inputs), on_brian2)
    assert len(spikes_nest) >= 5                       # the neuron fires: thresholds are tested
    assert dv < TOLERANCE_MV, f"membrane potentials differ by up to {dv:.3g} mV"
    assert len(spikes_brian2) == len(spikes_nest)
    np.testing.assert_allclose(spikes_brian2, spikes_nest, atol=DT / 2)


def test_alpha_current_peaks_at_the_weight(brian2_sim):
    """One input of weight w at t0: i(t) = w e (t - t0)/tau exp(-(t - t0)/tau) on the grid."""
    w, tau, t_in = 0.5, N["tau_syn_E"], 5.0 + DELAY
    signals, _ = run_brian2(brian2_sim, [(np.array([50]), np.array([1]), w)], t_stop=10.0,
                            record=("isyn_exc",))
    i = signals["isyn_exc"]
    t = np.asarray(i.times.magnitude) - t_in
    s = np.clip(t, 0, None) / tau
    np.testing.assert_allclose(np.asarray(i.magnitude).ravel(), w * np.e * s * np.exp(-s),
                               rtol=1e-9, atol=1e-12)
    # the continuous peak (at tau, between grid points) is w: the grid's maximum is just below
    assert w * 0.995 < np.max(i.magnitude) <= w


@pytest.mark.parametrize("tau_syn", [0.32582722403722841, 2.0, 10.0 * (1 - 1e-7), 10.0, 10.0 + 1e-3])
def test_propagators_are_the_exponential_of_the_system(brian2_sim, tau_syn):
    """P11, P21, P31, P32 are entries of exp(A h) for the state (x, i, V - v_rest), also where
    tau_syn is tau_m or close to it (the series branch)."""
    from scipy.linalg import expm
    from pynn_hpc.backends.brian2.celltypes import propagators
    h, tau_m, c_m = 1e-4, 1e-2, 2.5e-10                  # SI units, as in the group
    ts = tau_syn * 1e-3
    a = np.array([[-1 / ts, 0, 0], [np.e / ts, -1 / ts, 0], [0, 1 / c_m, -1 / tau_m]])
    exact = expm(a * h)
    p11, p21, p31, p32 = propagators(h, tau_m, c_m, ts)
    np.testing.assert_allclose([p11, p21, p31, p32],
                               [exact[0, 0], exact[1, 0], exact[2, 0], exact[2, 1]], rtol=1e-9)
