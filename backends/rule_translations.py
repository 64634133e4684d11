"""The power-law rule's PyNN side for a backend that writes the rule itself (NEURON's synaptic
matrix, Brian2's ``Synapses`` code): PyNN's names and units are the native ones.

A backend takes :class:`PowerLawWeightDependence` as it is, puts :class:`SpikePairRule` first
among the bases of its own ``SpikePairRule``, and reads a projection's rule with
:func:`rule_parameters` (one value per projection, as NEST's ``stdp_pl_synapse_hom``).
"""
from pyNN.standardmodels import build_translations

from pynn_hpc import standardmodels as std

#: the STDPMechanism's model name when both components are the power-law rule's
MODEL = "PowerLawSTDP"
RULE_PARAMETERS = ("tau_plus", "tau_minus", "A_plus", "A_minus", "w0", "mu")



class SpikePairRule:
    """The spike-pair rule's translations (a mixin before the backend's PyNN class)."""
    translations = build_translations(
        ("tau_plus", "tau_plus"),
        ("tau_minus", "tau_minus"),
        ("A_plus", "A_plus"),
        ("A_minus", "A_minus"),
    )
    possible_models = {MODEL}


class PowerLawWeightDependence(std.PowerLawWeightDependence):
    __doc__ = std.PowerLawWeightDependence.__doc__
    translations = build_translations(("w0", "w0"), ("mu", "mu"))
    possible_models = {MODEL}


def is_power_law(synapse_type):
    return getattr(synapse_type, "model", None) == MODEL


def rule_parameters(synapse_type, simulator):
    """The rule's parameters (PyNN names and units) as floats; ValueError naming ``simulator``
    for per-connection values."""
    native = synapse_type.native_parameters
    values = {}
    for name in RULE_PARAMETERS:
        value = native[name]
        if not value.is_homogeneous:
            raise ValueError(f"the power-law rule on {simulator} shares '{name}' among the "
                             "connections of a projection: give one value per projection")
        value.shape = (1,)
        values[name] = float(value.evaluate(simplify=True))
    return values
