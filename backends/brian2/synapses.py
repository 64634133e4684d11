"""Synapse types on Brian2, and the power-law STDP rule as Brian2 ``Synapses`` code.

Native parameters are PyNN's (nA, ms): the projection (:mod:`.projection`) writes them
into its ``Synapses`` object.  A static synapse adds its weight to the target's alpha
state ``x_E`` or ``x_I`` (:mod:`.celltypes`) when the presynaptic spike arrives, d after
it is fired.

``STDPMechanism(SpikePairRule, PowerLawWeightDependence)`` is NEST's
``stdp_pl_synapse_hom`` with all of the delay d dendritic.  Two pathways compare spikes
where they meet: the presynaptic one (delay d) runs the rule at t_pre + d and then
transmits, the postsynaptic one (delay 2 d) sees the neuron's spike at t_post + 2 d, so
their difference is NEST's t_post + d - t_pre; the weight is transmitted at t_pre + d as
in NEST.  Per synapse: w (nA), Kplus and the last presynaptic arrival tpre, Kminus and
the last postsynaptic arrival tpost.  Pathways of the same step run postsynaptic first
(``order``), which is NEST's order for same-time spikes::

    post (at T):  w += A_plus w0^(1-mu) w^mu Kplus exp(-(T - tpre)/tau_plus)
                  Kminus = Kminus exp(-(T - tpost)/tau_minus) + 1;  tpost = T
    pre  (at T):  w = max(0, w - A_minus w Kminus(T-))
                  (Kminus(T-): the post spikes strictly before T, so one at T is taken out)
                  x_post += w;  w_last = w
                  Kplus = Kplus exp(-(T - tpre)/tau_plus) + 1;  tpre = T

``A_plus`` = lambda, ``A_minus`` = lambda alpha.  Each postsynaptic spike potentiates when
it arrives rather than at the next presynaptic one (NEST): the same updates in the same
order, since NEST's Kplus counts only presynaptic spikes before the postsynaptic one.  NEST
updates and stores a weight only at presynaptic spikes, so the weight it reports is as of the
synapse's last presynaptic spike: that is ``w_last``, which the projection reports.  The
rule's parameters are shared by the connections of a projection (Brian2 shared
variables): per-synapse values are refused, as on NEST.
"""
import pyNN.brian2
from pyNN.standardmodels import synapses as std_synapses
from pyNN.standardmodels import build_translations

from pynn_hpc import standardmodels as std
from pynn_hpc.backends import rule_translations as own_rule
from pynn_hpc.backends.rule_translations import (  # noqa: F401  (the backend's names)
    MODEL, RULE_PARAMETERS, PowerLawWeightDependence, is_power_law)

#: the rule's parameters as Brian2 shared variables (times in ms, as PyNN's)
_RULE_VARIABLES = """
w : 1
w_last : 1
Kplus : 1
tpre : second
Kminus : 1
tpost : second
A_plus : 1 (shared)
A_minus : 1 (shared)
tau_plus : 1 (shared)
tau_minus : 1 (shared)
w0 : 1 (shared)
mu : 1 (shared)
"""


def _minimum_delay():
    state = pyNN.brian2.simulator.state
    return state.dt if state.min_delay == "auto" else state.min_delay


class StaticSynapse(std_synapses.StaticSynapse):
    __doc__ = std_synapses.StaticSynapse.__doc__
    translations = build_translations(("weight", "weight"), ("delay", "delay"))

    def _get_minimum_delay(self):
        return _minimum_delay()


class SpikePairRule(own_rule.SpikePairRule, std.CheckedSpikePairRule,
                    std_synapses.SpikePairRule):
    __doc__ = std_synapses.SpikePairRule.__doc__


class STDPMechanism(std_synapses.STDPMechanism):
    """PyNN's STDPMechanism; with the power law, all delay is dendritic (as in NEST)."""
    __doc__ = std_synapses.STDPMechanism.__doc__
    base_translations = build_translations(
        ("weight", "weight"),
        ("delay", "delay"),
        ("dendritic_delay_fraction", "dendritic_delay_fraction"),
    )

    def __init__(self, timing_dependence=None, weight_dependence=None, voltage_dependence=None,
                 dendritic_delay_fraction=1.0, weight=0.0, delay=None):
        # a copy per instance: PyNN adds the components' translations to this dict
        self.base_translations = dict(type(self).base_translations)
        super().__init__(timing_dependence, weight_dependence, voltage_dependence,
                         dendritic_delay_fraction, weight, delay)
        if self.model == MODEL:
            if dendritic_delay_fraction != 1.0:
                raise ValueError("the power-law rule on Brian2 takes all of the delay as "
                                 "dendritic (dendritic_delay_fraction=1), as NEST's "
                                 "stdp_pl_synapse_hom")
            std.check_one_value_per_projection(self, "the power-law rule on Brian2")

    def _build_translations(self):
        self.translations = dict(self.base_translations)
        for component in (self.timing_dependence, self.weight_dependence):
            if component:
                self.translations.update(component.translations)

    def _get_minimum_delay(self):
        return _minimum_delay()


def rule_parameters(synapse_type):
    """The rule's parameters (PyNN names and units) as floats; refuses per-synapse values."""
    return own_rule.rule_parameters(synapse_type, "Brian2")


def static_code(target):
    """(model, on_pre) of a static synapse adding its weight (nA) to ``target`` (amp)."""
    return "w : 1", f"{target}_post += w * nA"


def rule_code(target, after_pre="", split=False):
    """(model, on_pre, on_post) of the power-law rule (module doc); ``after_pre``: more
    statements at the end of the presynaptic pathway (the replay's probe).

    ``split``: ``on_pre`` is two pathways, {"pre": the rule, "transmit": the weight added to
    the target (and ``after_pre``)}, to run in this order at the same delay.  Brian2's C++
    standalone device runs a pathway that writes to its targets on one thread only, one that
    writes its synapses alone on every OpenMP thread: split, only the addition is serial.
    """
    on_post = """
    w = w + A_plus * w0**(1 - mu) * w**mu * Kplus * exp(-(t - tpre) / (tau_plus * ms))
    Kminus = Kminus * exp(-(t - tpost) / (tau_minus * ms)) + 1
    tpost = t
    """
    rule = """
    k_minus = Kminus * exp(-(t - tpost) / (tau_minus * ms)) - int(tpost == t)
    w = clip(w - A_minus * w * k_minus, 0, inf)
    w_last = w
    Kplus = Kplus * exp(-(t - tpre) / (tau_plus * ms)) + 1
    tpre = t
    """
    transmit = f"""
    {target}_post += w * nA
    {after_pre}
    """
    if split:
        return _RULE_VARIABLES, {"pre": rule, "transmit": transmit}, on_post
    return _RULE_VARIABLES, rule + transmit, on_post


def configure_rule(syn, rule):
    """Write the rule's parameters (``rule_parameters``) into the Synapses ``syn``."""
    for name, value in rule.items():
        setattr(syn, name, value)
