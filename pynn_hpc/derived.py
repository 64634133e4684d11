"""Quantities derived from the seed's parameters, computed as the seed computes them.

* ``JE``: the synaptic current amplitude whose EPSP, for a neuron at rest,
  peaks at ``EPSP_peak`` = 0.14 mV (seed ``convert_synapse_weight``).  For an
  alpha current  I(t) = J e t/tau_s exp(-t/tau_s)  into a leaky membrane,
  the voltage peaks at

      t_max = 1/b [ -W_{-1}(-exp(-1/a)/a) - 1/a ],   a = tau_m/tau_s,
                                                     b = 1/tau_s - 1/tau_m

      V_max = J e / (tau_s C b) [ (exp(-t_max/tau_m) - exp(-t_max/tau_s))/b
                                   - t_max exp(-t_max/tau_s) ]

  with W_{-1} the lower branch of Lambert's W (``scipy.special.lambertw``).
  JE = EPSP_peak / V_max(J=1) = 45.6096 pA = 0.0456096 nA.
* ``JI = g JE`` = -228.05 pA.
* ``nu_thresh = V_th / (CE tau_m/C_m JE e tau_s)``: the rate per excitatory
  synapse that brings the mean free membrane potential to threshold;
  ``nu_ext = eta nu_thresh``; each neuron gets ``nu_ext CE`` = 20,856 Hz.
* ``NE = int(9000 scale)``, ``NI = int(2250 scale)``; the indegree
  ``CE = 9000``, ``CI = 2250`` whatever the scale (the seed's
  ``int(NE / scale)``, computed here without its floating-point truncation).
"""
from dataclasses import dataclass, asdict

import numpy as np
from scipy.special import lambertw

from . import parameters as P


def psc_per_psp(tau_m, tau_syn, cm):
    """Current amplitude (nA) of an alpha PSC whose PSP peaks at 1 mV.

    Units: ms, nF -> nA/mV (equivalently ms, pF -> pA/mV).
    """
    a = tau_m / tau_syn
    b = 1.0 / tau_syn - 1.0 / tau_m
    t_max = 1.0 / b * (-lambertw(-np.exp(-1.0 / a) / a, k=-1).real - 1.0 / a)
    v_max = np.exp(1.0) / (tau_syn * cm * b) * (
        (np.exp(-t_max / tau_m) - np.exp(-t_max / tau_syn)) / b
        - t_max * np.exp(-t_max / tau_syn))
    return 1.0 / v_max


@dataclass(frozen=True)
class Derived:
    """Every number the network is built from, for one run."""
    scale: float
    NE: int
    NI: int
    CE: int
    CI: int
    JE: float            # nA
    JI: float            # nA
    nu_thresh: float     # Hz per excitatory synapse
    nu_ext: float        # Hz per excitatory synapse
    rate_ext: float      # Hz of the Poisson train into each neuron
    w0: float            # nA, reference weight of the power-law rule
    n_record: int        # recorded E neurons
    delay: float         # ms

    @property
    def n_neurons(self):
        return self.NE + self.NI

    @property
    def n_connections(self):
        """Recurrent synapses plus one drive synapse per neuron (as NEST counts them)."""
        return self.n_neurons * (self.CE + self.CI) + self.n_neurons

    @property
    def n_plastic(self):
        return self.NE * self.CE

    def as_dict(self):
        d = asdict(self)
        d.update(n_neurons=self.n_neurons, n_connections=self.n_connections,
                 n_plastic=self.n_plastic)
        return d


class ParameterError(ValueError):
    """A user-supplied value that cannot describe a network; the message says what to do."""


def derive(scale=P.RUN["scale"], w0=P.STDP["w0"]):
    """Compute the network's numbers at ``scale`` (NE + NI = 11,250 x scale)."""
    if not scale > 0:
        raise ParameterError(f"--scale must be > 0 (got {scale})")
    NE = int(P.NETWORK["NE"] * scale)
    NI = int(P.NETWORK["NI"] * scale)
    if NI < 2:
        smallest = 2 / P.NETWORK["NI"]
        raise ParameterError(
            f"--scale {scale} gives {NI} inhibitory neuron(s); the fixed indegree without "
            f"autapses needs at least 2: use --scale >= {smallest:.4g}")
    CE, CI = P.NETWORK["NE"], P.NETWORK["NI"]
    n = P.NEURON
    JE = psc_per_psp(n["tau_m"], n["tau_syn_E"], n["cm"]) * P.NETWORK["EPSP_peak"]
    JI = P.NETWORK["g"] * JE
    nu_thresh = 1000.0 * n["v_thresh"] / (CE * n["tau_m"] / n["cm"] * JE * np.e * n["tau_syn_E"])
    nu_ext = P.DRIVE["eta"] * nu_thresh
    return Derived(scale=float(scale), NE=NE, NI=NI, CE=CE, CI=CI, JE=float(JE), JI=float(JI),
                   nu_thresh=float(nu_thresh), nu_ext=float(nu_ext),
                   rate_ext=float(nu_ext * CE), w0=float(w0),
                   n_record=min(P.NETWORK["n_record"], NE), delay=P.NETWORK["delay"])
