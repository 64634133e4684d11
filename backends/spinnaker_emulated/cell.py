"""sPyNNaker 7.4.1's IF_curr_alpha as a NEURON cell of the NEURON backend's networks.

``SpiNNakerIF_curr_alpha`` is the PyNN cell type, ``SpiNNakerIF`` its cell: a section that only
hosts one ``SpiNNakerLIFAlpha`` (nmodl/SpiNNakerLIFAlpha.mod), whose receptors take the NEURON
backend's projections and Poisson drive as its own cells' receptors do (``claim_slot``,
``slot``, ``tau``, the ``drive_*`` parameters).
"""
from collections import defaultdict

from pynn_hpc.backends.spinnaker_emulated import mechanisms  # first: the NEURON backend

mechanisms.load()

from neuron import h, nrn  # noqa: E402
from pyNN.neuron.standardmodels import cells as pynn_std_cells  # noqa: E402
from pyNN.standardmodels import build_translations  # noqa: E402

from pynn_hpc.backends.neuron.celltypes import RECORDING_DELAY  # noqa: E402
from pynn_hpc.errors import ParameterError  # noqa: E402


class _ByName(dict):
    """``recordable`` for PyNN's recorder, which looks cells' variables up by Variable tuples."""

    def __contains__(self, variable):
        return dict.__contains__(self, getattr(variable, "name", variable))

    def __getitem__(self, variable):
        return dict.__getitem__(self, getattr(variable, "name", variable))


class _Receptor:
    """One receptor of a :class:`SpiNNakerIF`, as the backend's projections and drives use
    AlphaISynExact's: ``claim_slot()``, ``slot``, ``tau``; the drive on the excitatory one."""

    _DRIVE = ("drive_rate", "drive_weight", "drive_start", "drive_stop", "drive_stream")

    def __init__(self, mechanism, which):
        self._mechanism, self._which = mechanism, which

    def claim_slot(self):
        getattr(self._mechanism, f"claim_slot_{self._which}")()

    @property
    def slot(self):
        return getattr(self._mechanism, f"slot_{self._which}")

    @property
    def tau(self):
        return getattr(self._mechanism, f"tau_syn_{self._which}")

    def __getattr__(self, name):
        if name in self._DRIVE and self._which == "E":
            return getattr(self._mechanism, name)
        raise AttributeError(f"{name}: not on SpiNNakerIF's {self._which} receptor")

    def __setattr__(self, name, value):
        if name in self._DRIVE and self._which == "E":
            setattr(self._mechanism, name, value)
        else:
            object.__setattr__(self, name, value)


class SpiNNakerIF(nrn.Section):
    """sPyNNaker 7.4.1's IF_curr_alpha neuron: one ``SpiNNakerLIFAlpha`` in a section that only
    hosts it.  V_m is the mechanism's ``vm``; spikes are its ``net_event``s."""

    #: PyNN parameter -> mechanism variable (tau_m is ``taum`` there: see the .mod's COMMENT)
    PARAMETERS = {"tau_m": "taum", "cm": "cm", "v_rest": "v_rest", "v_thresh": "v_thresh",
                  "v_reset": "v_reset", "tau_refrac": "tau_refrac", "i_offset": "i_offset",
                  "tau_syn_E": "tau_syn_E", "tau_syn_I": "tau_syn_I", "shift_E": "shift_E",
                  "shift_I": "shift_I", "spinnaker_alpha": "spinnaker_alpha",
                  "spinnaker_lif": "spinnaker_lif"}

    def __init__(self, **parameters):
        nrn.Section.__init__(self)
        self.source_section = self
        self.mechanism = h.SpiNNakerLIFAlpha(0.5, sec=self)
        self.source = self.mechanism
        self.rec = h.NetCon(self.source, None)
        self.rec.delay = RECORDING_DELAY          # (why: the NEURON backend's cells)
        self.spike_times = h.Vector(0)
        self.traces = defaultdict(list)
        self.recording_time = 0
        self.recordable = _ByName(v=self.mechanism._ref_vm, i_syn=self.mechanism._ref_i_syn)
        self.excitatory = _Receptor(self.mechanism, "E")
        self.inhibitory = _Receptor(self.mechanism, "I")
        self.initial_values = {"v": parameters.get("v_rest", 0.0)}
        for name, value in parameters.items():
            setattr(self, name, value)

    def __setattr__(self, name, value):
        if name in SpiNNakerIF.PARAMETERS:
            check_s1615(name, value)
            setattr(self.mechanism, SpiNNakerIF.PARAMETERS[name], value)
        else:
            nrn.Section.__setattr__(self, name, value)

    def __getattr__(self, name):
        if name in SpiNNakerIF.PARAMETERS:
            return getattr(self.mechanism, SpiNNakerIF.PARAMETERS[name])
        raise AttributeError(name)

    def memb_init(self):
        self.mechanism.v_init = self.initial_values["v"]

    def add_synapse(self, mechanism, tau):
        raise NotImplementedError("a SpiNNakerIF cell takes one Poisson drive (its excitatory "
                                  "receptor's), as one SpikeSourcePoisson per cell")


def check_s1615(name, value):
    """A parameter sPyNNaker writes as an s16.15 word must fit one (fixedpoint.to_s1615's range)."""
    word = round(float(value) * 32768)
    if not -(1 << 31) <= word < (1 << 31):
        raise ParameterError(f"{name} = {float(value):g} does not fit S1615: representable "
                             f"{-(1 << 16):g} <= {name} < {(1 << 16) - 1 / 32768:.6g}")


class SpiNNakerIF_curr_alpha(pynn_std_cells.IF_curr_alpha):
    """IF_curr_alpha as sPyNNaker 7.4.1 computes it: alpha synapses and LIF membrane in s16.15
    (nmodl/SpiNNakerLIFAlpha.mod, the same C as pynn_hpc.backends.spinnaker.neuron_numerics).

    Beyond IF_curr_alpha's parameters: ``shift_E``, ``shift_I``, the ring-buffer left shifts (the
    weight LSB is 2^shift / 2^15 nA: give weights as multiples of it); ``spinnaker_alpha``,
    ``spinnaker_lif`` (1, 1): 0 replaces sPyNNaker's synapse by PyNN's exact alpha (2: the same
    in fixed point, spinnaker/c/alpha_exact_synapse.h), or its membrane update by one in double.
    Weights in nA, inhibitory ones negative (or positive: the magnitude is used)."""

    default_parameters = dict(pynn_std_cells.IF_curr_alpha.default_parameters,
                              shift_E=0, shift_I=0, spinnaker_alpha=1, spinnaker_lif=1)
    units = dict(pynn_std_cells.IF_curr_alpha.units, shift_E="dimensionless",
                 shift_I="dimensionless", spinnaker_alpha="dimensionless",
                 spinnaker_lif="dimensionless", i_syn="nA")
    recordable = ["spikes", "v", "i_syn"]         # i_syn: exc - inh, the current a step used
    translations = build_translations(*[(name, name) for name in SpiNNakerIF.PARAMETERS])
    extra_parameters = {}
    model = SpiNNakerIF
