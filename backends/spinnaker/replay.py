"""One plastic synapse as a SpiNNaker synapse core updates it, without a board.

``replay`` has the signature of the other backends' (see :mod:`pynn_hpc.replay`):
it runs the compiled fixed-point rule (``c/power_law_rule.h`` inside the
``c/host/replay.c`` model of sPyNNaker's pair rule, :mod:`.fixedpoint`) on the
given trains, at the excitatory LSB of the seed-size network (scale 1, full
indegree: 0.244 pA), and returns the weight after each presynaptic spike in nA,
i.e. 16-bit stored units times the LSB.  Delays are rounded to time steps as
sPyNNaker does (``rint(delay / dt)``), all of it dendritic.

    from pynn_hpc.backends.spinnaker.replay import replay_rule
    r = replay_rule(pre, post, delay=1.5, weight=0.0456, A_plus=0.1, A_minus=0.00513,
                    mu=0.4, w0=0.001, tau_plus=15, tau_minus=30, rounding="truncate")
    r["weights"], r["stored"], r["lsb"], r["dropped_post"]
"""
import numpy as np

from pynn_hpc.errors import ParameterError

from .fixedpoint import (BINARY_ROUNDING, exp_lut, parameter_words, run_rule, stored_weight,
                         weight_scales)


def replay_weight_lsb(d=None):
    """nA: the resolution of the replayed weights (the excitatory LSB of network ``d``, default the seed's)."""
    return weight_scales(d)["excitatory"].lsb


def to_steps(times, timestep, name):
    steps = np.rint(np.asarray(times, dtype=float) / timestep).astype(np.int64)
    if steps.size and (steps.min() < 1 or np.any(np.diff(steps) <= 0)):
        raise ParameterError(f"{name} spike times must be increasing, on the {timestep} ms grid, > 0")
    return steps


def replay_rule(pre, post, delay, weight, A_plus, A_minus, mu, w0, tau_plus, tau_minus,
                timestep=0.1, scale=None, rounding=BINARY_ROUNDING, seed=1):
    """The fixed-point rule on one synapse; weights (nA) and stored words after each pre spike.

    ``scale``: a :class:`.fixedpoint.WeightScale` (default: the seed network's excitatory one);
    ``rounding``: "stochastic" (the binary's), "truncate" or "nearest"; ``seed``: of the
    stochastic rounding's generator.
    """
    scale = scale or weight_scales()["excitatory"]
    delay_steps = int(np.rint(delay / timestep))
    if delay_steps < 1:
        raise ParameterError(f"delay {delay:g} ms is below one time step ({timestep} ms)")
    pre_steps = to_steps(pre, timestep, "presynaptic")
    post_steps = to_steps(post, timestep, "postsynaptic")
    stored, dropped = run_rule(pre_steps, post_steps, delay_steps, stored_weight(weight, scale),
                               scale.shift, parameter_words(A_plus, A_minus, mu, w0),
                               exp_lut(tau_plus, timestep), exp_lut(tau_minus, timestep),
                               rounding, seed)
    return {"weights": stored * scale.lsb, "stored": stored, "lsb": scale.lsb,
            "shift": scale.shift, "delay_steps": delay_steps, "dropped_post": dropped}


def _value(obj, name):
    """A parameter of an sPyNNaker object (attribute) or of a PyNN standard model."""
    if hasattr(obj, "parameter_space") and name in getattr(obj, "parameter_space").keys():
        value = obj.parameter_space[name].base_value
    else:
        value = getattr(obj, name)
    return float(np.asarray(value, dtype=float).ravel()[0])


def rule_parameters(synapse_type):
    """weight, delay and the rule's parameters of an STDPMechanism with the power-law rule."""
    timing, weight_dep = synapse_type.timing_dependence, synapse_type.weight_dependence
    out = {name: _value(timing, name) for name in ("tau_plus", "tau_minus", "A_plus", "A_minus")}
    out.update({name: _value(weight_dep, name) for name in ("w0", "mu")})
    out.update({name: _value(synapse_type, name) for name in ("weight", "delay")})
    return out


def replay(pre_times, post_times, synapse_type, timestep):
    """(times, weights in nA, pre and post times) of one synapse of ``synapse_type``, as the other
    backends' ``replay``: ``weights`` right after each presynaptic spike at ``times``."""
    p = rule_parameters(synapse_type)
    r = replay_rule(pre_times, post_times, timestep=timestep, **p)
    pre = np.asarray(pre_times, dtype=float)
    return pre.copy(), r["weights"], pre.copy(), np.asarray(post_times, dtype=float).copy()
