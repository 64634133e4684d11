"""Cell types on NEURON: IF_curr_alpha with exact alpha synapses, sPyNNaker's IF_curr_alpha in
integers (``SpiNNakerIF_curr_alpha``, at the end), and Poisson drive sources.

``IF_curr_alpha`` is PyNN's integrate-and-fire section (``pas`` leak,
``ResetRefrac`` threshold/reset/refractory clamp, ``IClamp`` for ``i_offset``)
with PyNN's ``AlphaISyn`` (a queue of at most 1000 events, the rest dropped
silently) replaced by ``AlphaISynExact`` (nmodl/AlphaISynExact.mod): two state
variables per synapse, O(1) per event and per step, any input rate.  The
synapses know the membrane time constant so that the current they give each
step makes NEURON's Crank-Nicolson step (``secondorder = 2``, set by
``setup``) propagate the input exactly as NEST's ``iaf_psc_alpha`` does::

    C dV/dt = -C (V - E_L)/tau_m + I_e + I_syn(t),
    I_syn(t) = sum_k w_k e (t - t_k)/tau_syn exp(-(t - t_k)/tau_syn)

``SpikeSourcePoisson``: each source drives exactly one target (connect it with
``OneToOneConnector``).  The train is drawn inside the target's synapse, per
time step (a Poisson count, as NEST's ``poisson_generator``), from a
Random123 stream named by the run's seed and the source's index: no events,
no queue, and the same train whatever the MPI distribution.  The source
population itself holds placeholders that never fire (they cannot be recorded).
"""
from collections import defaultdict

import numpy as np
from neuron import h, nrn

from pyNN.neuron import cells as pynn_cells
from pyNN.neuron.standardmodels import cells as pynn_std_cells
from pyNN.standardmodels import build_translations

from pynn_hpc.errors import ParameterError


class ExactAlphaIF(pynn_cells.StandardIFStandardReceptors):
    """PyNN's StandardIF with AlphaISynExact receptors that follow the cell's tau_m."""

    synapse_models = {
        "current": {"alpha": h.AlphaISynExact, "exp": h.ExpISyn},
        "conductance": pynn_cells.StandardReceptorTypesMixin.synapse_models["conductance"],
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)     # (no attribute may be set before this)
        self.extra_synapses = []              # plastic synapses and extra drives of projections

    def alpha_synapses(self):
        return [s for s in [getattr(self, "esyn", None), getattr(self, "isyn", None)]
                + getattr(self, "extra_synapses", []) if s is not None and hasattr(s, "tau_m")]

    def _get_tau_m(self):
        return pynn_cells.LeakySingleCompartmentNeuron.tau_m.fget(self)

    def _set_tau_m(self, value):
        pynn_cells.LeakySingleCompartmentNeuron.tau_m.fset(self, value)
        for syn in self.alpha_synapses():
            syn.tau_m = value

    tau_m = property(_get_tau_m, _set_tau_m)

    def add_synapse(self, mechanism, tau):
        """A new synapse of ``mechanism`` on this cell (tau_syn ``tau``), following tau_m."""
        syn = mechanism(0.5, sec=self)
        syn.tau = tau
        syn.tau_m = self.tau_m
        self.extra_synapses.append(syn)
        return syn


class IF_curr_alpha(pynn_std_cells.IF_curr_alpha):
    __doc__ = pynn_std_cells.IF_curr_alpha.__doc__
    model = ExactAlphaIF


class DrivePlaceholder:
    """A spike source that never fires: the drive is generated at the target."""

    parameter_names = ("rate", "start", "duration")

    def __init__(self, rate=1.0, start=0.0, duration=1e10):
        self.rate, self.start, self.duration = rate, start, duration
        self.source = h.NetStim()
        self.source.number = 0
        self.source_section = None
        self.spike_times = h.Vector(0)
        self.rec = h.NetCon(self.source, None)


class SpikeSourcePoisson(pynn_std_cells.SpikeSourcePoisson):
    """Poisson sources, each feeding exactly one target (connect them one-to-one).

    The train is generated in the target's synapse, one Poisson count per time
    step, from a Random123 stream given by the seed of ``setup`` and the
    source's position in its population.
    """
    translations = build_translations(
        ("rate", "rate"),
        ("start", "start"),
        ("duration", "duration"),
    )
    model = DrivePlaceholder


def drive_parameters(population, indices):
    """rate (Hz), start and duration (ms) of the sources at ``indices`` of ``population``."""
    ps = population.celltype.parameter_space
    ps.shape = (population.size,)
    values = {}
    for name in ("rate", "start", "duration"):
        value = ps[name]
        if value.is_homogeneous:
            values[name] = np.full(len(indices), float(value.evaluate(simplify=True)))
        else:
            values[name] = np.asarray(value.evaluate(simplify=False), dtype=float)[indices]
    return values


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
    """sPyNNaker 7.4.1's IF_curr_alpha neuron: one ``SpiNNakerLIFAlpha`` (nmodl/) in a section
    that only hosts it.  V_m is the mechanism's ``vm``; spikes are its ``net_event``s."""

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
