"""Cell types on Brian2: IF_curr_alpha integrated exactly, and Poisson drive sources.

``IF_curr_alpha`` is NEST's ``iaf_psc_alpha`` step by step.  Per receptor (E, I) the alpha
current is two state variables, x (nA of weight arrived, decaying) and i (the current)::

    C dV/dt = -C (V - v_rest)/tau_m + i_offset + i_E + i_I
    di/dt = e x / tau_syn - i / tau_syn,    dx/dt = -x / tau_syn
    a spike of weight w: x += w,  i(t) = w e (t/tau_syn) exp(-t/tau_syn)  (peak w at tau_syn)

The group's own code (``run_regularly`` in Brian2's ``groups`` slot) advances the three by
their exact propagators over one step h, in NEST's order: V from the old currents (held
at v_reset while the refractory counter r counts down, round(tau_refrac / h) steps), then
i and x; the step's input is added to x after that (synapses, and the Poisson drive
below), then the threshold (V >= v_thresh) and the reset.  A spike detected in the step
from t to t + h is NEST's spike at t + h: recorded spike times are Brian2's plus h
(:class:`Recorder`); a delay d of whole steps gives NEST's arrival step.  The propagators
(per neuron) are computed with numpy before every run (:meth:`ExactAlphaGroup.before_run`).

``SpikeSourcePoisson``: each source drives exactly one target (connect it with
``OneToOneConnector``).  The target draws its train itself, a Poisson count per step
(``poisson(rate dt)``, as NEST's ``poisson_generator``), added to x of the receptor from
start + d to start + duration + d: no spike events, no queue.  The numbers come from
Brian2's generator, seeded by ``setup(rng_seed=...)``.  The source population holds the
parameters and never fires (it cannot be recorded).

``SpikeSourceArray`` fires a spike at t in the step that ends at t, as NEST's
``spike_generator``, so that inputs reach the neurons in NEST's step.
"""
import brian2
import numpy as np
from pyNN.parameters import Sequence
from pyNN.brian2 import recording
from pyNN.brian2.cells import SpikeGeneratorGroup
from pyNN.brian2.standardmodels import cells as pynn_std_cells
from pyNN.brian2.standardmodels.cells import leaky_iaf_translations
from pyNN.brian2.standardmodels.receptors import current_based_synapse_translations
from pyNN.standardmodels import build_translations

from pyNN.brian2 import simulator

from . import runcontrol

RECEPTORS = {"excitatory": "E", "inhibitory": "I"}

EQUATIONS = """
v : volt
x_E : amp
i_E : amp
x_I : amp
i_I : amp
r : integer
c_m : farad
tau_m : second
v_rest : volt
v_reset : volt
v_thresh : volt
i_offset : amp
tau_syn_e : second
tau_syn_i : second
tau_refrac : second
refractory_steps : integer
P22 : 1
P30 : ohm
P11_E : 1
P21_E : 1
P31_E : ohm
P32_E : ohm
P11_I : 1
P21_I : 1
P31_I : ohm
P32_I : ohm
drive_rate_E : Hz
drive_weight_E : amp
drive_start_E : second
drive_stop_E : second
drive_rate_I : Hz
drive_weight_I : amp
drive_start_I : second
drive_stop_I : second
"""

UPDATE = """
dv_E = P31_E * x_E + P32_E * i_E
dv_I = P31_I * x_I + P32_I * i_I
v = v + int(r == 0) * (P22 * (v - v_rest) + P30 * i_offset + dv_E + dv_I)
r = r - int(r > 0)
on_E = int(t >= drive_start_E and t < drive_stop_E)
on_I = int(t >= drive_start_I and t < drive_stop_I)
i_E = P11_E * i_E + P21_E * x_E
x_E = P11_E * x_E + on_E * drive_weight_E * poisson(drive_rate_E * dt)
i_I = P11_I * i_I + P21_I * x_I
x_I = P11_I * x_I + on_I * drive_weight_I * poisson(drive_rate_I * dt)
"""


def propagators(h, tau_m, c_m, tau_syn):
    """Exact one-step propagators (SI units, arrays) of the alpha-current LIF (module doc).

    Returns P11 (x -> x and i -> i), P21 (x -> i), P31 (x -> V), P32 (i -> V), for the
    state change over h.  With c = 1/tau_syn - 1/tau_m and z = c h:
    P32 = -exp(-h/tau_m) expm1(-z) / (c C),
    P31 = e/tau_syn exp(-h/tau_m) (1 - exp(-z) (1 + z)) / (c^2 C)  (series for small z).
    """
    tau_m, c_m, tau_syn = (np.asarray(a, dtype=float) for a in (tau_m, c_m, tau_syn))
    c = 1.0 / tau_syn - 1.0 / tau_m
    z = c * h
    b = np.exp(-h / tau_m)
    p11 = np.exp(-h / tau_syn)
    p21 = np.e / tau_syn * h * p11
    small = np.abs(z) < 1e-4
    zs = np.where(small, 1.0, z)
    cs = np.where(small, 1.0, c)
    p32 = np.where(small, b * h * (1 - z / 2 + z * z / 6) / c_m, -b * np.expm1(-zs) / (cs * c_m))
    g = np.where(small, h * h * (0.5 - z / 3 + z * z / 8),
                 (-np.expm1(-zs) - zs * np.exp(-zs)) / (cs * cs))
    p31 = np.e / tau_syn * b * g / c_m
    return p11, p21, p31, p32


class ExactAlphaGroup(brian2.NeuronGroup):
    """The neurons of a population of IF_curr_alpha (module doc)."""

    def __init__(self, n, equations, **parameters):
        clock = simulator.state.network.clock
        super().__init__(n, model=equations, threshold="v >= v_thresh",
                         reset="v = v_reset\nr = refractory_steps", clock=clock,
                         name=runcontrol.name("alpha"))
        for name, value in parameters.items():
            setattr(self, name, value)
        self.drive_stop_E = self.drive_stop_I = 0 * brian2.second
        self.run_regularly(UPDATE, when="groups", name=f"{self.name}_exact_update")
        self.add_attribute("initial_values")
        self.initial_values = {}
        # the neurons with a Poisson drive, per receptor, kept in Python: in standalone,
        # values written by index cannot be read back before the run
        self.add_attribute("driven")
        self.driven = {r: np.zeros(n, dtype=bool) for r in RECEPTORS.values()}

    def initialize(self):
        for variable, values in self.initial_values.items():
            setattr(self, variable, values)

    def before_run(self, run_namespace):
        """The propagators of the current parameters and time step (module doc)."""
        h = float(self.clock.dt)
        tau_m, c_m = np.asarray(self.tau_m_[:]), np.asarray(self.c_m_[:])
        self.P22_[:] = np.expm1(-h / tau_m)
        self.P30_[:] = -tau_m / c_m * np.expm1(-h / tau_m)
        for rec, tau in (("E", self.tau_syn_e_[:]), ("I", self.tau_syn_i_[:])):
            p11, p21, p31, p32 = propagators(h, tau_m, c_m, tau)
            for name, value in (("P11", p11), ("P21", p21), ("P31", p31), ("P32", p32)):
                getattr(self, f"{name}_{rec}_")[:] = value
        self.refractory_steps_[:] = np.rint(np.asarray(self.tau_refrac_[:]) / h).astype(int)
        super().before_run(run_namespace)


class IF_curr_alpha(pynn_std_cells.IF_curr_alpha):
    __doc__ = pynn_std_cells.IF_curr_alpha.__doc__
    eqs = EQUATIONS
    brian2_model = ExactAlphaGroup
    translations = dict(leaky_iaf_translations)
    translations.update(current_based_synapse_translations)
    state_variable_translations = build_translations(
        ("v", "v", brian2.mV),
        ("isyn_exc", "i_E", brian2.nA),
        ("isyn_inh", "i_I", brian2.nA))
    post_synaptic_variables = {"excitatory": "x_E", "inhibitory": "x_I"}
    recordable = ["spikes", "v", "isyn_exc", "isyn_inh"]


class DriveGroup(brian2.NeuronGroup):
    """The parameters of Poisson sources whose trains their targets draw (module doc)."""

    def __init__(self, n, equations, **parameters):
        super().__init__(n, model="rate : Hz\nstart : second\nduration : second",
                         clock=simulator.state.network.clock, name=runcontrol.name("drive"))
        for name, value in parameters.items():
            setattr(self, name, value)
        self.add_attribute("initial_values")
        self.initial_values = {}

    def initialize(self):
        pass


class SpikeSourcePoisson(pynn_std_cells.SpikeSourcePoisson):
    """Poisson sources, each feeding exactly one target (connect them one-to-one).

    The train is drawn in the target, one Poisson count per time step, from Brian2's
    generator seeded by ``setup(rng_seed=...)``.
    """
    translations = build_translations(
        ("rate", "rate", brian2.Hz),
        ("start", "start", brian2.ms),
        ("duration", "duration", brian2.ms),
    )
    eqs = None
    brian2_model = DriveGroup


class ShiftedGeneratorGroup(SpikeGeneratorGroup):
    """pyNN.brian2's spike generator, emitting a spike at t in the step that ends at t."""

    def __init__(self, n, equations, spike_time_sequences=None):
        if isinstance(spike_time_sequences, Sequence):     # one source: PyNN gives it bare
            spike_time_sequences = np.array([spike_time_sequences], dtype=Sequence)
        assert spike_time_sequences.size == n
        self._check_spike_times(spike_time_sequences)
        indices, times = self._convert_sequences_to_arrays(spike_time_sequences)
        brian2.SpikeGeneratorGroup.__init__(self, n, indices=indices, times=times,
                                            clock=simulator.state.network.clock,
                                            name=runcontrol.name("spikes"))
        self.add_attribute("initial_values")
        self.initial_values = {}

    def _convert_sequences_to_arrays(self, spike_time_sequences):
        indices, times = super()._convert_sequences_to_arrays(spike_time_sequences)
        shifted = np.asarray(times) - float(simulator.state.dt) * 1e-3
        if np.any(shifted < -1e-12):
            raise ValueError("SpikeSourceArray on Brian2: spike times must be at least one "
                             f"time step ({simulator.state.dt:g} ms)")
        return indices, np.clip(shifted, 0, None) * brian2.second

    def _get_spike_time_sequences(self):
        return np.array([Sequence(np.asarray(seq.value) + float(simulator.state.dt) * 1e-3)
                         for seq in super()._get_spike_time_sequences()], dtype=Sequence)

    spike_time_sequences = property(fget=_get_spike_time_sequences,
                                    fset=SpikeGeneratorGroup._set_spike_time_sequences)


class SpikeSourceArray(pynn_std_cells.SpikeSourceArray):
    """Spike sources firing at the given times, as NEST's ``spike_generator`` does: a spike
    at t is sent at the end of the step that ends at t (Brian2 sends a spike at t from the
    step that starts at t), so that with a delay d it reaches its target as on NEST."""
    brian2_model = ShiftedGeneratorGroup


class Recorder(recording.Recorder):
    """pyNN.brian2's recorder with NEST's spike times (the end of the step that crossed),
    its monitors named by :func:`.runcontrol.name`."""

    def _create_device(self, group, variable):
        if variable.name == "spikes":
            device = brian2.SpikeMonitor(group, record=True, name=runcontrol.name("spikemon"))
        else:
            varname = self.population.celltype.state_variable_translations[
                variable.name]["translated_name"]
            cells = np.sort(np.fromiter(self.recorded[variable], dtype=int)) - \
                self.population.first_id
            device = brian2.StateMonitor(group, varname, record=cells, when="end",
                                         dt=self.sampling_interval * brian2.ms,
                                         name=runcontrol.name("statemon"))
        self._devices[variable.name] = device
        simulator.state.network.add(device)

    def _get_spiketimes(self, requested_ids, clear=False):
        ids, times = super()._get_spiketimes(requested_ids, clear)
        return ids, times + simulator.state.dt
