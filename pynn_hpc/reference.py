"""An independent pure-Python reference of the power-law STDP rule (no simulator involved).

Given presynaptic and postsynaptic spike times (ms), the synapse's delay d
(all of it dendritic: a postsynaptic spike at t_post is seen by the synapse at
t_post + d) and the rule's parameters, return the weight right after each
presynaptic spike t:

1. potentiation, for every postsynaptic spike with t_last < t_post + d <= t
   (t_last: the previous presynaptic spike), in order:
       w <- w + A_plus w0^(1-mu) w^mu  sum_{t_j <= t_last} exp(-(t_post + d - t_j)/tau_plus)
2. depression, counting postsynaptic spikes with t_post + d < t strictly:
       w <- max(0, w - A_minus w sum exp(-(t - t_post - d)/tau_minus))

A pre/post pair at exactly the same time (at the synapse) changes nothing.
This is the semantics of NEST's ``stdp_pl_synapse_hom`` (Morrison et al. 2007),
written out pair by pair rather than with NEST's running traces.
"""
import math

import numpy as np

#: spike times closer than this (ms) are the same time; far below any time step
EPS = 1e-6


def power_law_weights(pre, post, w_init, delay, A_plus, A_minus, mu, w0, tau_plus, tau_minus):
    """Weight after each presynaptic spike (same length as ``pre``)."""
    pre = np.sort(np.asarray(pre, dtype=float))
    seen = np.sort(np.asarray(post, dtype=float)) + delay
    w = float(w_init)
    weights = []
    t_last = -math.inf
    for i, t in enumerate(pre):
        for tp in seen[(seen > t_last + EPS) & (seen <= t + EPS)]:
            k_plus = sum(math.exp(-(tp - tj) / tau_plus) for tj in pre[:i])
            w = w + A_plus * w0 ** (1.0 - mu) * w ** mu * k_plus
        k_minus = sum(math.exp(-(t - tp) / tau_minus) for tp in seen[seen < t - EPS])
        w = max(0.0, w - A_minus * w * k_minus)
        weights.append(w)
        t_last = t
    return np.array(weights)
