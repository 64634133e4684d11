"""Cell types on NEURON: IF_curr_alpha with exact alpha synapses, and Poisson drive sources.

``IF_curr_alpha`` is PyNN's integrate-and-fire section (``pas`` leak, threshold, reset and
refractory clamp: PyNN's ``ResetRefrac`` checked in the step instead of by a WATCH,
``ThresholdReset``; ``IClamp`` for a non-zero ``i_offset``)
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
import numpy as np
from neuron import h

from pyNN.neuron import cells as pynn_cells
from pyNN.neuron.standardmodels import cells as pynn_std_cells
from pyNN.standardmodels import build_translations

#: ms: the delay of every cell's recording NetCon (``rec``, no target: it delivers nothing).
#: With threads, NEURON synchronises them at the smallest delay of any NetCon, these included,
#: and PyNN under MPI refuses a smallest delay below setup's min_delay: NEURON's default 1 ms
#: stopped ``--threads 2`` under ``mpirun`` at the model's 1.5 ms.  Large, so it never counts.
RECORDING_DELAY = 1e9


class ExactAlphaIF(pynn_cells.StandardIFStandardReceptors):
    """PyNN's StandardIF with AlphaISynExact receptors that follow the cell's tau_m."""

    synapse_models = {
        "current": {"alpha": h.AlphaISynExact, "exp": h.ExpISyn},
        "conductance": pynn_cells.StandardReceptorTypesMixin.synapse_models["conductance"],
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)     # (no attribute may be set before this)
        self.extra_synapses = []              # plastic synapses and extra drives of projections
        self._check_in_the_step()
        if self.stim.amp == 0:
            # PyNN's IClamp for i_offset costs every step even at 0 nA (5 % of the network's
            # simulation): it is made when a non-zero i_offset is set
            self.stim = None

    def _check_in_the_step(self):
        """PyNN's ResetRefrac replaced by ThresholdReset (the same, without a WATCH)."""
        old = self.spike_reset
        new = h.ThresholdReset(0.5, sec=self)
        for name in ("vthresh", "vreset", "vspike", "trefrac"):
            setattr(new, name, getattr(old, name))
        self.spike_reset = self.source = new
        self.rec = h.NetCon(self.source, None)
        self.rec.delay = RECORDING_DELAY

    def _get_i_offset(self):
        return self.stim.amp if self.stim is not None else 0.0

    def _set_i_offset(self, value):
        if self.stim is None:
            if value == 0:
                return
            self.stim = h.IClamp(0.5, sec=self)
            self.stim.delay = 0
            self.stim.dur = 1e12
        self.stim.amp = value

    i_offset = property(_get_i_offset, _set_i_offset)

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
        self.rec.delay = RECORDING_DELAY


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
