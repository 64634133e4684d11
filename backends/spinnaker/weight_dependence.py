"""``PowerLawWeightDependence`` as an sPyNNaker weight dependence (equations:
:mod:`pynn_hpc.standardmodels`).

sPyNNaker's weight dependences are not PyNN standard models: a class with the parameters
written to the synapse cores' SDRAM (``write_parameters``) and the name of the binary that
runs them.  With the pair timing rule the binary is
``synapses_stdp_mad_pair_power_law.aplx``, built from ``c/`` (docs: "Backends", "Building the
point") into ``model_binaries/``, which :func:`register_binaries` adds to sPyNNaker's binary
search path (as does ``$PYNN_HPC_SPINNAKER_BINARIES``, for binaries built elsewhere).

The parameter words (A_minus, mu, and the potentiation factor with the receptor's weight
scale applied) are computed by :func:`.fixedpoint.parameter_words`, once for the C, the
host replay and this class; values outside their fixed-point formats are refused there.
"""
import os

from spinn_utilities.overrides import overrides
from spinn_front_end_common.interface.ds import DataType
from spinn_front_end_common.utilities.constants import BYTES_PER_WORD
from spynnaker.pyNN.models.neuron.plasticity.stdp.weight_dependence import (
    AbstractHasAPlusAMinus, AbstractWeightDependence)

from pynn_hpc import standardmodels as std

from . import fixedpoint

BINARY_DIRS = (os.path.join(os.path.dirname(__file__), "model_binaries"),)
SUFFIX = "power_law"
BINARY = f"synapses_stdp_mad_pair_{SUFFIX}.aplx"


def binary_dirs():
    """Where sPyNNaker looks for our binary: ``model_binaries/`` and $PYNN_HPC_SPINNAKER_BINARIES."""
    extra = os.environ.get("PYNN_HPC_SPINNAKER_BINARIES")
    return list(BINARY_DIRS) + ([extra] if extra else [])


def find_binary(name):
    """The path of our binary ``name`` in :func:`binary_dirs`, or None (a virtual board maps and
    generates data without it; a board cannot run)."""
    for d in binary_dirs():
        if os.path.isfile(os.path.join(d, name)):
            return os.path.join(d, name)
    return None


def binary_path():
    """The built synapse binary, or None."""
    return find_binary(BINARY)


def register_binaries():
    """Add our binary directories to sPyNNaker's search path (after ``setup``)."""
    from spynnaker.pyNN.data import SpynnakerDataView
    for d in binary_dirs():
        SpynnakerDataView.register_binary_search_path(d)


class PowerLawWeightDependence(AbstractHasAPlusAMinus, AbstractWeightDependence):
    """Power-law potentiation, multiplicative depression (Morrison et al. 2007).

    Arguments as :class:`pynn_hpc.standardmodels.PowerLawWeightDependence` (and checked by
    it): ``w0`` (nA), the rule's reference weight, and ``mu`` in [0, 1].  ``A_plus`` and
    ``A_minus`` come from the timing rule (``SpikePairRule``).
    """
    __slots__ = ("__w0", "__mu", "__weight_maximum")
    __PARAM_NAMES = ("w0", "mu", "A_plus", "A_minus")

    def __init__(self, w0=0.001, mu=0.4):
        std.PowerLawWeightDependence(w0=w0, mu=mu)      # the model's checks and messages
        super().__init__()
        self.__w0, self.__mu = float(w0), float(mu)
        self.__weight_maximum = 0.0

    @property
    def w0(self):
        return self.__w0

    @property
    def mu(self):
        return self.__mu

    @overrides(AbstractWeightDependence.is_same_as)
    def is_same_as(self, weight_dependence):
        return (isinstance(weight_dependence, PowerLawWeightDependence)
                and (self.w0, self.mu, self.A_plus, self.A_minus)
                == (weight_dependence.w0, weight_dependence.mu,
                    weight_dependence.A_plus, weight_dependence.A_minus))

    @property
    def vertex_executable_suffix(self):
        return SUFFIX

    @overrides(AbstractWeightDependence.get_parameters_sdram_usage_in_bytes)
    def get_parameters_sdram_usage_in_bytes(self, n_synapse_types, n_weight_terms):
        if n_weight_terms != 1:
            raise NotImplementedError("the power-law weight dependence has one term")
        return fixedpoint.N_PARAMETER_WORDS * BYTES_PER_WORD * n_synapse_types

    def parameter_words(self, synapse_weight_scales, global_weight_scale=1.0):
        """The words written per receptor (uint32), for weight scales in units per nA."""
        return [fixedpoint.parameter_words(a_plus=self.A_plus, a_minus=self.A_minus,
                                           w0=self.w0, mu=self.mu, weight_scale=float(scale),
                                           global_weight_scale=global_weight_scale)
                for scale in synapse_weight_scales]

    @overrides(AbstractWeightDependence.write_parameters)
    def write_parameters(self, spec, global_weight_scale, synapse_weight_scales, n_weight_terms):
        if n_weight_terms != 1:
            raise NotImplementedError("the power-law weight dependence has one term")
        for words in self.parameter_words(synapse_weight_scales, global_weight_scale):
            for word in words:
                spec.write_value(data=int(word), data_type=DataType.UINT32)

    @property
    def weight_maximum(self):
        """The largest weight a synapse can hold (nA): 16 bits at the network's LSB.

        The rule has no upper bound; sPyNNaker uses this only for its automatic ring-buffer
        scaling, which the backend replaces (``max_expected_summed_weight``): set by
        :func:`.port.set_weight_scales` before the first run, 0 until then.
        """
        return self.__weight_maximum

    def set_weight_maximum(self, nA):
        self.__weight_maximum = float(nA)

    @overrides(AbstractWeightDependence.get_parameter_names)
    def get_parameter_names(self):
        return self.__PARAM_NAMES
