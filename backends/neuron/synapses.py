"""Synapse types on NEURON: the power-law STDP rule inside the synaptic matrix.

``STDPMechanism(SpikePairRule, PowerLawWeightDependence)`` makes a projection's
``SynapticMatrix`` (nmodl/SynapticMatrix.mod, see :mod:`projection`) plastic, in NEST's
scheme: it keeps per connection its weight, per presynaptic neuron Kplus and the last
arrival, per postsynaptic neuron its recent spikes and their Kminus, and updates a weight
only when its presynaptic spike arrives.  The postsynaptic neuron's spikes reach the matrix
through one more NetCon (weight -1 - target, delay d); pre and post times are compared where
they meet (t_pre + d and t_post + 2 d): the difference is NEST's t_post + d - t_pre with the
delay all dendritic, and every delay is at least d, also between MPI ranks.  A postsynaptic
spike is kept d before any presynaptic arrival it meets, so events of the same time may
arrive in any order (see the .mod file).  Parameters (PyNN names = mechanism names):

    dw = +A_plus w0^(1-mu) w^mu exp(-dt/tau_plus)   (dt = t_post + d - t_pre > 0)
    dw = -A_minus w exp(dt/tau_minus)                 (dt < 0),   w >= 0

``A_plus`` = lambda, ``A_minus`` = lambda alpha.  The rule's parameters are
shared by all connections of a projection: per-connection values are refused,
and the delay must be one value per projection.
"""
from pyNN.neuron.standardmodels import synapses as pynn_synapses
from pyNN.standardmodels import synapses as std_synapses
from pyNN.standardmodels import build_translations

from pynn_hpc import standardmodels as std
from pynn_hpc.backends import rule_translations as own_rule
from pynn_hpc.backends.rule_translations import (  # noqa: F401  (the backend's names)
    MODEL, RULE_PARAMETERS, PowerLawWeightDependence, is_power_law)

StaticSynapse = pynn_synapses.StaticSynapse


class SpikePairRule(own_rule.SpikePairRule, std.CheckedSpikePairRule,
                    pynn_synapses.SpikePairRule):
    __doc__ = std_synapses.SpikePairRule.__doc__


class STDPMechanism(pynn_synapses.BaseSynapse, std_synapses.STDPMechanism):
    """PyNN's STDPMechanism; with the power law, all delay is dendritic (as in NEST)."""
    __doc__ = std_synapses.STDPMechanism.__doc__
    postsynaptic_variable = "spikes"
    # PyNN adds each component's translations to this dict: ours, not pyNN.neuron's
    base_translations = build_translations(
        ("weight", "weight"),
        ("delay", "delay"),
        ("dendritic_delay_fraction", "dendritic_delay_fraction"),
    )

    def __init__(self, timing_dependence=None, weight_dependence=None, voltage_dependence=None,
                 dendritic_delay_fraction=1.0, weight=0.0, delay=None):
        # pyNN.neuron's __init__ refuses dendritic delays under MPI: the matrix
        # compares arrival times instead and needs no zero-delay NetCon
        std_synapses.STDPMechanism.__init__(self, timing_dependence, weight_dependence,
                                            voltage_dependence, dendritic_delay_fraction,
                                            weight, delay)
        if self.model == MODEL:
            if dendritic_delay_fraction != 1.0:
                raise ValueError("the power-law rule on NEURON takes all of the delay as dendritic "
                                 "(dendritic_delay_fraction=1), as NEST's stdp_pl_synapse_hom")
            std.check_one_value_per_projection(self, "the power-law rule on NEURON")


def rule_parameters(synapse_type):
    """The rule's parameters (mechanism names) as floats; refuses per-connection values."""
    return own_rule.rule_parameters(synapse_type, "NEURON")


def configure(matrix, rule):
    """Make a SynapticMatrix plastic with the rule's parameters (``rule_parameters``)."""
    matrix.plastic = 1
    for name, value in rule.items():
        setattr(matrix, name, value)
