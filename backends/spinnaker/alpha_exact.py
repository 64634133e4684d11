"""``IF_curr_alpha_exact``: PyNN's IF_curr_alpha on sPyNNaker 7.4.1 with the alpha synapse
propagated exactly, the correction of issue 9 as a porting user builds it.

sPyNNaker's own alpha synapse keeps only the last step's input (docs: "Porting to SpiNNaker"
and its measurements).  This model is sPyNNaker's ``IFCurrAlpha`` (LIF, current input, static
threshold; PyNN's parameter names and defaults) with the synapse type
``c/synapse_types_alpha_exact_impl.h``, whose arithmetic is ``c/alpha_exact_synapse.h``
(equations and formats there).  Binaries: ``IF_curr_alpha_exact.aplx`` and, with sPyNNaker's
default split neuron and synapse cores, ``IF_curr_alpha_exact_neuron.aplx``, built from
``c/makefiles/`` into ``model_binaries/`` (docs: "Backends", "Building the binaries");
:func:`.weight_dependence.register_binaries` puts that folder on sPyNNaker's search path.

Per neuron and receptor the host writes six words (the header's layout): the state I and c in
s33.30 as low and high 32-bit words, then ``gain`` = e ts / tau (s16.15) and ``decay`` =
exp(-ts / tau) (u0.32) from the S1615 words of the time step and of tau_syn, as
``alpha_exact_words`` computes them (:func:`words`).  gain and decay are derived when the data
is written, so ``set(tau_syn_E=...)`` between runs takes effect.  The parameters are always
written by the host: sPyNNaker's on-chip generator passes constants as s16.15, which would keep
15 of the decay's 32 bits.  The state words are state variables in raw units (nA x 2^30:
I = (hi x 2^32 + lo) / 2^30); they carry the synapse from one ``run`` to the next.
"""
import math

from spinn_utilities.helpful_functions import is_singleton
from spinn_front_end_common.interface.ds import DataType
from spynnaker.pyNN.data import SpynnakerDataView
from spynnaker.pyNN.models.defaults import default_initial_values
from spynnaker.pyNN.models.neuron import AbstractPyNNNeuronModelStandard
from spynnaker.pyNN.models.neuron.input_types import InputTypeCurrent
from spynnaker.pyNN.models.neuron.neuron_models import NeuronModelLeakyIntegrateAndFire
from spynnaker.pyNN.models.neuron.synapse_types import AbstractSynapseType
from spynnaker.pyNN.models.neuron.threshold_types import ThresholdTypeStatic
from spynnaker.pyNN.utilities.struct import Struct

BINARY = "IF_curr_alpha_exact.aplx"
RECEPTORS = (("exc", "tau_syn_E"), ("inh", "tau_syn_I"))
#: the state words per receptor, in the header's order, before gain and decay
STATE = ("current_lo", "current_hi", "c_lo", "c_hi")
TIMESTEP_MS = "timestep_ms"
_TYPES = {"current_lo": DataType.UINT32, "current_hi": DataType.INT32,
          "c_lo": DataType.UINT32, "c_hi": DataType.INT32}


def words(timestep, tau):
    """(gain, decay) as integers: ``alpha_exact_words`` of c/alpha_exact_synapse.h on the S1615
    words of ``timestep`` and ``tau`` (ms) as sPyNNaker encodes them."""
    ts_word = DataType.S1615.encode_as_int(timestep)
    tau_word = DataType.S1615.encode_as_int(tau)
    if ts_word <= 0 or tau_word <= 0:
        raise ValueError(f"IF_curr_alpha_exact needs a time step and tau_syn > 0 ms as s16.15 "
                         f"(got {timestep} and {tau})")
    x = ts_word / tau_word
    gain = round(math.e * x * 32768.0)                 # nearbyint: both round half to even
    decay = min(round(math.exp(-x) * 4294967296.0), 0xFFFFFFFF)
    if gain > 0x7FFFFFFF:
        raise ValueError(f"IF_curr_alpha_exact: e dt / tau_syn = {math.e * x:g} exceeds s16.15 "
                         f"(tau_syn {tau} ms at a time step of {timestep} ms)")
    return gain, decay


class _Derived:
    """The values a Struct reads, plus each receptor's gain and decay derived from its tau."""

    def __init__(self, values):
        self.__values = values

    def __contains__(self, name):
        return name in self.__values or self.__word(name) is not None

    def __getitem__(self, name):
        derived = self.__word(name)
        if derived is None:
            return self.__values[name]
        tau_name, which, scale = derived
        ts = self.__values[TIMESTEP_MS]
        if not is_singleton(ts):
            ts = ts.get_single_value_all()

        def value(tau):
            return words(ts, tau)[which] / scale    # what DataType encodes back to the word

        tau = self.__values[tau_name]
        return value(tau) if is_singleton(tau) else tau.apply_operation(value)

    @staticmethod
    def __word(name):
        for receptor, tau_name in RECEPTORS:
            if name == f"{receptor}_gain":
                return tau_name, 0, 2.0 ** 15
            if name == f"{receptor}_decay":
                return tau_name, 1, 2.0 ** 32
        return None


class _HostWrittenStruct(Struct):
    """sPyNNaker's Struct with the derived words (:class:`_Derived`), never generated on board."""
    __slots__ = ()

    @property
    def is_generatable(self):
        return False

    def get_data(self, values, vertex_slice=None):
        return super().get_data(_Derived(values), vertex_slice)


class SynapseTypeAlphaExact(AbstractSynapseType):
    """The exact alpha current synapse (c/synapse_types_alpha_exact_impl.h): excitatory and
    inhibitory receptors with ``tau_syn_E``, ``tau_syn_I`` (ms)."""
    __slots__ = ("__tau_syn_E", "__tau_syn_I")

    def __init__(self, tau_syn_E, tau_syn_I):
        fields = []
        for receptor, _ in RECEPTORS:
            fields += [(_TYPES[w], f"{receptor}_{w}") for w in STATE]
            fields += [(DataType.S1615, f"{receptor}_gain"), (DataType.U032, f"{receptor}_decay")]
        super().__init__([_HostWrittenStruct(fields)],
                         {"tau_syn_E": "ms", "tau_syn_I": "ms", TIMESTEP_MS: "ms",
                          **{f"{r}_{w}": "" for r, _ in RECEPTORS for w in STATE}})
        self.__tau_syn_E = tau_syn_E
        self.__tau_syn_I = tau_syn_I

    def add_parameters(self, parameters):
        parameters["tau_syn_E"] = self._convert(self.__tau_syn_E)
        parameters["tau_syn_I"] = self._convert(self.__tau_syn_I)
        parameters[TIMESTEP_MS] = SpynnakerDataView.get_simulation_time_step_ms()

    def add_state_variables(self, state_variables):
        for receptor, _ in RECEPTORS:
            for w in STATE:
                state_variables[f"{receptor}_{w}"] = 0

    def get_n_synapse_types(self):
        return 2

    def get_synapse_id_by_target(self, target):
        return {"excitatory": 0, "inhibitory": 1}.get(target)

    def get_synapse_targets(self):
        return "excitatory", "inhibitory"

    @property
    def tau_syn_E(self):
        return self.__tau_syn_E

    @property
    def tau_syn_I(self):
        return self.__tau_syn_I


class IF_curr_alpha_exact(AbstractPyNNNeuronModelStandard):
    """PyNN's IF_curr_alpha (names, units and defaults) with the exact alpha synapse."""

    @default_initial_values({"v"})
    def __init__(self, tau_m=20.0, cm=1.0, v_rest=-65.0, v_reset=-65.0, v_thresh=-50.0,
                 tau_syn_E=0.5, tau_syn_I=0.5, tau_refrac=0.1, i_offset=0.0, v=-65.0):
        super().__init__(
            model_name="IF_curr_alpha_exact", binary=BINARY,
            neuron_model=NeuronModelLeakyIntegrateAndFire(
                v, v_rest, tau_m, cm, i_offset, v_reset, tau_refrac),
            input_type=InputTypeCurrent(),
            synapse_type=SynapseTypeAlphaExact(tau_syn_E, tau_syn_I),
            threshold_type=ThresholdTypeStatic(v_thresh))

    def create_vertex(self, n_neurons, label, **kwargs):
        steps = kwargs.get("n_steps_per_timestep", 1)
        if steps != 1:
            raise ValueError(f"IF_curr_alpha_exact runs one step per time step (its gain and "
                             f"decay are for one step); got n_steps_per_timestep={steps}")
        return super().create_vertex(n_neurons, label, **kwargs)
