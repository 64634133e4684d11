"""What the ``spinnaker`` backend's name switches (imports no simulator: outside the backend
package, whose import loads sPyNNaker).

``spinnaker`` runs the corrected port: the network's neurons are ``IF_curr_alpha_exact``
(``pynn_hpc.backends.spinnaker.alpha_exact``: PyNN's alpha current, peak = weight,
propagated exactly in fixed point at any number of spikes per step).
``spinnaker:LIST``, LIST comma-separated from

``stock_alpha``  sPyNNaker's own ``IF_curr_alpha`` (unit-area alpha current whose synapse
                 keeps only the latest step's input): the port as sPyNNaker ships it, to
                 compare with (the ``spinnaker-emulated`` backend's ``alpha`` deviation);
``exact_alpha``  the default, named.

:func:`parse` refuses unknown names and two synapse types with one line (ParameterError).
"""
from dataclasses import dataclass

from pynn_hpc.backends import one_variant

BASE = "spinnaker"
SYNAPSES = ("exact_alpha", "stock_alpha")


@dataclass(frozen=True)
class Variant:
    """One variant: its name as given and the network's synapse type."""
    name: str
    synapse: str = "exact_alpha"

    @property
    def stock_alpha(self):
        return self.synapse == "stock_alpha"

    def as_dict(self):
        return {"synapse": self.synapse}


def parse(name):
    """The :class:`Variant` called ``name`` (``spinnaker[:LIST]``), or ParameterError."""
    return Variant(name, one_variant(name, BASE, SYNAPSES, "synapse types", "stock_alpha")
                   or "exact_alpha")
