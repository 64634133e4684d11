"""Replay given spike trains through one plastic synapse and compare with the reference.

    from pynn_hpc import backends, replay
    r = replay.replay(backends.load("nest"), pre=[10, 20, 30], post=[12, 25], delay=1.5)
    r["weights"], r["reference"]

Each backend translates "one synapse of this PyNN type between two cells that
fire at exactly these times" into its simulator (``sim.replay``) and reports
the weight right after each presynaptic spike; the same PyNN synapse type and
translation as in the network are used.
"""
import numpy as np

from . import parameters as P
from .derived import derive
from .network import spike_pair_parameters, stdp_synapse
from .reference import power_law_weights


def check_times(times, name, timestep=P.RUN["dt"]):
    """Spike times must be increasing and later than one time step (ms)."""
    t = np.asarray(times, dtype=float)
    if t.ndim != 1 or not np.all(np.isfinite(t)):
        raise ValueError(f"{name} spike times must be a list of numbers")
    if t.size and t[0] <= timestep:
        raise ValueError(f"{name} spike times must be > {timestep} ms (got {t[0]})")
    if np.any(np.diff(t) <= 0):
        raise ValueError(f"{name} spike times must be strictly increasing")
    return np.round(t / timestep) * timestep


def replay(sim, pre, post, delay=P.NETWORK["delay"], weight=None, stdp=P.STDP,
           timestep=P.RUN["dt"]):
    """Weights after each presynaptic spike on backend ``sim`` and from the reference (nA)."""
    pre = check_times(pre, "presynaptic", timestep)
    post = check_times(post, "postsynaptic", timestep)
    weight = derive(1).JE if weight is None else weight
    times, weights, pre_seen, post_seen = sim.replay(
        pre, post, stdp_synapse(sim, weight, delay, stdp), timestep)
    ref = power_law_weights(pre_seen, post_seen, weight, delay, mu=stdp["mu"], w0=stdp["w0"],
                            **spike_pair_parameters(stdp))
    return {"times": times, "weights": weights, "reference": ref,
            "pre": pre_seen, "post": post_seen}
