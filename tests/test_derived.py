"""Derived quantities against the seed's numbers and an independent numerical check."""
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from pynn_hpc import parameters as P
from pynn_hpc.derived import derive, psc_per_psp
from pynn_hpc.errors import ParameterError


def test_seed_numbers_at_scale_1():
    d = derive(1.0)
    assert d.JE * 1000 == pytest.approx(45.6096, abs=5e-5)        # pA: the seed's 0.14 mV EPSP
    assert d.JI == pytest.approx(-5 * d.JE)
    assert d.JI * 1000 == pytest.approx(-228.05, abs=5e-3)
    assert d.rate_ext == pytest.approx(20856, abs=0.5)             # Hz per neuron
    assert (d.NE, d.NI, d.CE, d.CI) == (9000, 2250, 9000, 2250)
    assert d.n_neurons == 11250
    assert d.n_neurons * (d.CE + d.CI) == 126_562_500               # recurrent synapses
    assert d.n_plastic == 81_000_000
    assert d.n_record == 1000 and d.delay == 1.5 and d.w0 == 0.001


@pytest.mark.parametrize("scale, NE, NI", [(0.1, 900, 225), (10, 90000, 22500), (0.02, 180, 45)])
def test_scaling_keeps_the_indegree(scale, NE, NI):
    d = derive(scale)
    assert (d.NE, d.NI) == (NE, NI)
    assert (d.CE, d.CI) == (9000, 2250)
    assert d.JE == derive(1).JE and d.rate_ext == derive(1).rate_ext
    assert d.n_record == min(1000, NE)


def test_epsp_peak_by_integrating_the_membrane():
    """Integrate tau_m dV/dt = -V + R I(t) for the alpha current JE: the peak must be 0.14 mV."""
    n = P.NEURON
    J = psc_per_psp(n["tau_m"], n["tau_syn_E"], n["cm"]) * P.NETWORK["EPSP_peak"]
    tau_s = n["tau_syn_E"]

    def rhs(t, v):
        current = J * np.e * t / tau_s * np.exp(-t / tau_s)          # nA, peak J at t = tau_s
        return -v / n["tau_m"] + current / n["cm"]                   # mV/ms

    sol = solve_ivp(rhs, (0, 10), [0.0], max_step=1e-3, rtol=1e-10, atol=1e-12)
    assert sol.y[0].max() == pytest.approx(P.NETWORK["EPSP_peak"], rel=1e-5)


@pytest.mark.parametrize("scale", [0, -1, 0.0005])
def test_impossible_scales_are_refused(scale):
    with pytest.raises(ParameterError, match="--scale"):
        derive(scale)
