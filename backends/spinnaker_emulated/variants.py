"""What the ``spinnaker-emulated`` backend switches, by name (imports no simulator).

A variant is named as a backend: ``spinnaker-emulated`` (every deviation) or
``spinnaker-emulated:LIST``, LIST comma-separated from

deviations (SpiNNaker's numerics; listing some switches only those on)
    ``weights``  every projection's weights (static, plastic, the drive) rounded to 16 bits
                 at the LSB of its receptor, as the SpiNNaker backend chooses it;
    ``stdp``     the power-law rule in SpiNNaker's fixed point inside sPyNNaker's pair rule;
    ``alpha``    sPyNNaker's alpha synapse;
    ``lif``      sPyNNaker's LIF update and fixed-point membrane;
    ``all``, ``none``;
corrections (what a porting user can change)
    ``peak``     weights x e tau_syn (``neuron_numerics.ALPHA_NORMALISATION``): sPyNNaker's
                 unit-area alpha current then peaks at the weight, as PyNN's;
    ``load=R``   each receptor's weights x ``neuron_numerics.correction`` at the spikes per
                 step it is expected to receive when the network fires at R Hz (the drive's
                 rate plus indegree x R): sPyNNaker's alpha synapse then carries the exact
                 mean current (R: e.g. the rate exact NEST measures for this network);
    ``nearest``, ``truncate``  the write-back rounding of ``stdp`` instead of the binary's
                 stochastic rounding;
    ``exact_alpha``  with ``alpha``: the synapse type ``c/alpha_exact_synapse.h`` instead of
                 sPyNNaker's alpha synapse (a custom synapse type a port builds in): PyNN's
                 alpha current, peak = weight, propagated exactly in fixed point on the ring
                 buffer's step sums, at any number of spikes per step.
A weight correction k is a change of units: the plastic rule's w0 is stored x k with the
weights, and weights are read back in the units given (stored / k; docs/emulation.md derives
it).

A LIST of corrections only (``spinnaker-emulated:peak``) keeps every deviation on.
:func:`parse` refuses unknown names, and deviations when sPyNNaker (the ``spinnaker`` extra,
whose fixed point they use) is not installed, with one line (ParameterError).
"""
import importlib.util
from dataclasses import dataclass

from pynn_hpc.errors import ParameterError

BASE = "spinnaker-emulated"
DEVIATIONS = ("weights", "stdp", "alpha", "lif")
ROUNDINGS = ("stochastic", "nearest", "truncate")
CORRECTIONS = ("peak", "nearest", "truncate", "exact_alpha")


@dataclass(frozen=True)
class Variant:
    """One variant: its name as given, the deviations on, and the corrections."""
    name: str
    deviations: tuple
    peak: bool = False                  # weights x ALPHA_NORMALISATION
    load_rate: float = None             # Hz: weights x correction(expected load), or None
    rounding: str = "stochastic"        # write-back of the fixed-point rule
    exact_alpha: bool = False           # c/alpha_exact_synapse.h instead of sPyNNaker's

    def on(self, deviation):
        return deviation in self.deviations

    def as_dict(self):
        return {"deviations": list(self.deviations),
                "corrections": {"weights_x_e_tau_syn": self.peak,
                                "load_correction_rate_hz": self.load_rate,
                                "rounding": self.rounding,
                                "exact_alpha_synapse": self.exact_alpha}}


def parse(name):
    """The :class:`Variant` called ``name`` (``spinnaker-emulated[:LIST]``), or ParameterError."""
    base, _, listed = name.partition(":")
    if base != BASE:
        raise ParameterError(f"'{name}' is not a variant of {BASE}")
    items = [item.strip() for item in listed.split(",") if item.strip()] if listed else []
    known = DEVIATIONS + ("all", "none") + CORRECTIONS
    load_rate = None
    for item in items:
        if item.startswith("load"):
            load_rate = _rate(name, item)
        elif item not in known:
            raise ParameterError(f"unknown item '{item}' in backend '{name}': choose from "
                                 f"{', '.join(known)}, load=<Hz> (e.g. {BASE}:weights,stdp)")
    if load_rate is not None and "peak" in items:
        raise ParameterError(f"backend '{name}' lists two weight corrections (peak, load): "
                             "give one")
    if "exact_alpha" in items and (load_rate is not None or "peak" in items):
        raise ParameterError(f"backend '{name}': exact_alpha replaces the alpha synapse that peak "
                             "and load correct: give one")
    if "none" in items and len(set(items) & set(DEVIATIONS + ("all",))):
        raise ParameterError(f"backend '{name}' lists 'none' with deviations: give one or "
                             "the other")
    roundings = [item for item in items if item in ROUNDINGS]
    if len(set(roundings)) > 1:
        raise ParameterError(f"backend '{name}' names two roundings: give one")
    chosen = [item for item in items if item in DEVIATIONS]
    if "all" in items or not (chosen or "none" in items):
        chosen = DEVIATIONS
    deviations = tuple(d for d in DEVIATIONS if d in chosen)
    if roundings and "stdp" not in deviations:
        raise ParameterError(f"backend '{name}': the rounding '{roundings[0]}' is the stdp "
                             "deviation's: add stdp")
    if "exact_alpha" in items and "alpha" not in deviations:
        raise ParameterError(f"backend '{name}': exact_alpha replaces the alpha deviation's "
                             "synapse: add alpha")
    if deviations and importlib.util.find_spec("spynnaker") is None:
        raise ParameterError(f"backend '{name}' emulates SpiNNaker with sPyNNaker's fixed point "
                             "(deviations " + ", ".join(deviations) + "): pip install "
                             "'pynn_hpc[spinnaker]' (or name it " + BASE + ":none)")
    return Variant(name, deviations, "peak" in items, load_rate,
                   roundings[0] if roundings else "stochastic", "exact_alpha" in items)


def _rate(name, item):
    """The rate (Hz) of a ``load=R`` item."""
    _, _, value = item.partition("=")
    try:
        rate = float(value)
    except ValueError:
        rate = -1.0
    if not (item.startswith("load=") and 0 < rate < 1e4):
        raise ParameterError(f"backend '{name}': give the load correction the rate the network is "
                             f"expected to fire at, in Hz: load=<Hz> (e.g. load=18; got '{item}')")
    return rate

