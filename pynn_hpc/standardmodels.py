"""The power-law STDP weight dependence as a PyNN standard model.

Used with PyNN's ``STDPMechanism`` and ``SpikePairRule`` (all-to-all pairing;
``A_plus`` = lambda, ``A_minus`` = lambda alpha)::

    potentiation (post spike at t_post, pre at t_pre, dt = t_post - t_pre > 0):
        dw = +A_plus  w0^(1-mu) w^mu exp(-dt/tau_plus)
    depression   (dt < 0):
        dw = -A_minus w exp(dt/tau_minus),   w >= 0, no upper bound

This is NEST's ``stdp_pl_synapse_hom`` (Morrison et al. 2007) with the
reference weight ``w0`` made explicit: NEST takes ``w^mu`` of the weight in
pA, which is ``w0 = 1 pA = 0.001 nA`` in PyNN units.  Keeping ``w0``
explicit lets a network whose weights are scaled by a factor c keep the
rule's fixed point in proportion by scaling ``w0`` by c too.

Update order (NEST's, reproduced by every backend): at each presynaptic
spike, first each postsynaptic spike since the previous presynaptic spike
potentiates, in order, each step using the updated weight; then depression;
the spike is transmitted with the new weight.  Pairs at exactly zero time
difference do nothing.  All delay is dendritic.

Each simulator backend subclasses this class to add ``translations`` and
``possible_models``; this class holds the names, units, defaults and checks.
"""
import numpy as np
from pyNN.standardmodels import STDPWeightDependence


def _values(value):
    """All values a PyNN parameter may take, as an array (random values are not checked)."""
    try:
        return np.asarray(value, dtype=float).ravel()
    except (TypeError, ValueError):
        return np.array([])


class PowerLawWeightDependence(STDPWeightDependence):
    """Power-law potentiation, multiplicative depression (Morrison et al. 2007).

    Arguments:
        `w0`:
            reference weight of the power law, in the units of the weight
            (nA for current synapses); NEST's rule has w0 = 1 pA = 0.001 nA.
        `mu`:
            exponent of the weight dependence of potentiation, 0 <= mu <= 1.
    """
    default_parameters = {
        'w0': 0.001,
        'mu': 0.4,
    }

    def __init__(self, w0=0.001, mu=0.4):
        if not (_values(mu) >= 0).all() or not (_values(mu) <= 1).all():
            raise ValueError(f"PowerLawWeightDependence: mu must lie in [0, 1] (got {mu})")
        if not (_values(w0) > 0).all():
            raise ValueError(f"PowerLawWeightDependence: w0 must be > 0 (got {w0})")
        STDPWeightDependence.__init__(self, w0=w0, mu=mu)


def check_spike_pair_rule(timing_dependence):
    """Refuse what the power-law rule cannot be given, on every backend alike.

    Amplitudes must be finite and >= 0, time constants finite and > 0.  ``A_plus`` = 0 with ``A_minus`` > 0
    is refused too: the rule's parameters are lambda = A_plus and alpha = A_minus / A_plus
    (NEST's ``stdp_pl_synapse_hom``), so depression without potentiation has no lambda, alpha.
    """
    ps = timing_dependence.parameter_space
    known = {}
    for name in ("A_plus", "A_minus", "tau_plus", "tau_minus"):
        base = ps[name].base_value
        if not isinstance(base, (int, float, np.number, np.ndarray, list, tuple)):
            continue                        # random values are not checked
        values = _values(base)
        if not np.isfinite(values).all():
            raise ValueError(f"SpikePairRule: {name} must be a finite number (got {base})")
        if name.startswith("tau") and not (values > 0).all():
            raise ValueError(f"SpikePairRule: {name} must be > 0 ms (got {base})")
        if (values < 0).any():
            raise ValueError(f"SpikePairRule: {name} must be >= 0 (got {base})")
        known[name] = values
    if "A_plus" in known and "A_minus" in known and \
            ((known["A_plus"] == 0) & (known["A_minus"] > 0)).any():
        raise ValueError("SpikePairRule: A_plus = 0 with A_minus > 0 cannot be expressed by the "
                         "power-law rule (lambda = A_plus, alpha = A_minus / A_plus): give "
                         "A_plus > 0, or A_plus = A_minus = 0 for no plasticity")


def check_one_value_per_projection(mechanism, holder):
    """Refuse per-synapse values of the rule's parameters: ``holder`` shares them (one line, why)."""
    for component in (mechanism.timing_dependence, mechanism.weight_dependence):
        for name, value in component.parameter_space.items():
            if not value.is_homogeneous:
                raise ValueError(f"{holder} shares '{name}' among its synapses: "
                                 "give one value per projection")


class CheckedSpikePairRule:
    """Mixed into a backend's SpikePairRule: negative amplitudes or time constants are refused."""

    def __init__(self, tau_plus=20.0, tau_minus=20.0, A_plus=0.01, A_minus=0.01):
        super().__init__(tau_plus=tau_plus, tau_minus=tau_minus, A_plus=A_plus, A_minus=A_minus)
        check_spike_pair_rule(self)


__all__ = ["PowerLawWeightDependence", "CheckedSpikePairRule", "check_spike_pair_rule",
           "check_one_value_per_projection"]
