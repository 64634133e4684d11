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

Indegree scaling by k (van Albada, Helias & Diesmann 2015), for networks the
full indegree does not fit or does not suit; k = 1 is the seed's network:

* ``CE_k = round(k CE)``, ``CI_k = round(k CI)``, recurrent weights
  ``J_k = J sqrt(C / C_k)`` (= J / sqrt(k) up to the rounding of C_k): the input
  variance  sum_x C_x J_x^2 nu  is unchanged,
  the mean  sum_x C_x J_x nu  shrinks by sqrt(k);
* a DC current restores the mean a neuron's recurrent synapses carry when the
  network fires at ``dc_rate`` nu (alpha PSC of peak J has charge J e tau_s):

      I_dc = [ (CE JE + CI JI) - (CE_k JE_k + CI_k JI_k) ] e tau_s nu

  (negative here: the recurrent input is net inhibitory, CE JE + CI JI = -CE JE / 4);
* the power-law rule's reference weight scales like the E->E weights,
  ``w0_k = w0 sqrt(CE / CE_k)``, so its fixed point stays in proportion;
* the Poisson drive (rate nu_ext CE and weight JE of the full network) is unchanged.

``compensation="weights"`` is the alternative that follows the network's own rate: no DC,
recurrent weights ``J C / C_k`` (= J / k), so the mean recurrent input equals the full
network's at whatever rates E and I fire, while its variance grows by 1/k.
"""
from dataclasses import dataclass, asdict

import numpy as np
from scipy.special import lambertw

from . import parameters as P
from .errors import ParameterError


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
    indegree_scale: float
    NE: int
    NI: int
    CE: int              # recurrent excitatory indegree (k CE_full)
    CI: int              # recurrent inhibitory indegree
    JE: float            # nA, recurrent excitatory weight (JE_full / sqrt(k))
    JI: float            # nA, recurrent inhibitory weight
    J_drive: float       # nA, weight of the Poisson drive (JE_full)
    nu_thresh: float     # Hz per excitatory synapse
    nu_ext: float        # Hz per excitatory synapse
    rate_ext: float      # Hz of the Poisson train into each neuron
    dc_rate: float       # Hz, the recurrent rate the DC compensation assumes
    i_dc: float          # nA, DC current into every neuron (0 at k = 1)
    w0: float            # nA, reference weight of the power-law rule (w0_full / sqrt(k))
    n_record: int        # recorded E neurons
    delay: float         # ms
    compensation: str = "dc"   # "dc" or "weights" (see the module doc)

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


def derive(scale=P.RUN["scale"], w0=P.STDP["w0"], indegree_scale=P.SCALING["indegree_scale"],
           dc_rate=P.SCALING["dc_rate"], compensation="dc"):
    """Compute the network's numbers at ``scale`` (NE + NI = 11,250 x scale) and indegree scale k."""
    for value, option in ((scale, "--scale"), (indegree_scale, "--indegree-scale"),
                          (dc_rate, "--dc-rate"), (w0, "--w0")):
        if not np.isfinite(value):
            raise ParameterError(f"{option} must be a finite number (got {value})")
    if not scale > 0:
        raise ParameterError(f"--scale must be > 0 (got {scale})")
    k = indegree_scale
    if not 0 < k <= 1:
        raise ParameterError(f"--indegree-scale must lie in (0, 1] (got {k})")
    if compensation not in ("dc", "weights"):
        raise ParameterError(f"--compensation must be dc or weights (got {compensation})")
    if not dc_rate >= 0:
        raise ParameterError(f"--dc-rate must be >= 0 Hz (got {dc_rate})")
    NE = int(P.NETWORK["NE"] * scale)
    NI = int(P.NETWORK["NI"] * scale)
    if NI < 2:
        smallest = 2 / P.NETWORK["NI"]
        raise ParameterError(
            f"--scale {scale} gives {NI} inhibitory neuron(s); the fixed indegree without "
            f"autapses needs at least 2: use --scale >= {smallest:.4g}")
    CE, CI = P.NETWORK["NE"], P.NETWORK["NI"]
    CE_k, CI_k = int(round(k * CE)), int(round(k * CI))
    if CI_k < 1:
        raise ParameterError(f"--indegree-scale {k} leaves no inhibitory synapse: use "
                             f"--indegree-scale >= {0.5 / CI:.2g}")
    n = P.NEURON
    JE = psc_per_psp(n["tau_m"], n["tau_syn_E"], n["cm"]) * P.NETWORK["EPSP_peak"]
    JI = P.NETWORK["g"] * JE
    # 1/sqrt(k), with the realised ratio of the rounded indegrees so the variance stays exact
    JE_k, JI_k = JE * np.sqrt(CE / CE_k), JI * np.sqrt(CI / CI_k)
    if compensation == "weights":
        JE_k, JI_k, dc_rate = JE * CE / CE_k, JI * CI / CI_k, 0.0
    charge = np.e * n["tau_syn_E"]                       # ms: integral of an alpha PSC of peak 1
    i_dc = ((CE * JE + CI * JI) - (CE_k * JE_k + CI_k * JI_k)) * charge * dc_rate / 1000.0
    nu_thresh = 1000.0 * n["v_thresh"] / (CE * n["tau_m"] / n["cm"] * JE * charge)
    nu_ext = P.DRIVE["eta"] * nu_thresh
    return Derived(scale=float(scale), indegree_scale=float(k), NE=NE, NI=NI, CE=CE_k, CI=CI_k,
                   JE=float(JE_k), JI=float(JI_k), J_drive=float(JE),
                   nu_thresh=float(nu_thresh), nu_ext=float(nu_ext),
                   rate_ext=float(nu_ext * CE), dc_rate=float(dc_rate),
                   i_dc=float(i_dc) if k < 1 else 0.0, w0=float(w0 * JE_k / JE),
                   compensation=compensation,
                   n_record=min(P.NETWORK["n_record"], NE), delay=P.NETWORK["delay"])
