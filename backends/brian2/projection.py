"""Projections on Brian2: one ``Synapses`` object each, built from index arrays.

A projection between neurons is one Brian2 ``Synapses`` from the presynaptic population's
group to the postsynaptic one's, made with one ``connect(i=..., j=...)`` call from the
arrays its connector draws (:mod:`.connector`; no Python loop per connection).  It has one
delay (Brian2's scalar pathway delay), weights per synapse:

* static synapses add w (nA) to the target's x of the receptor when the spike arrives;
* power-law STDP: the rule's two pathways (delays d and 2 d, :mod:`.synapses`; in
  standalone the presynaptic one split in two, so that the rule runs on every OpenMP
  thread), its parameters shared (Brian2 shared variables); its weight is read as of each
  synapse's last presynaptic spike (``w_last``), as NEST reports it;
* ``SpikeSourcePoisson`` one-to-one: no synapses; the target draws the train itself
  (:mod:`.celltypes`): the "connection" is the target's drive rate, weight and window.

``get``/``set`` work as in PyNN, on arrays, and ``sample`` reads the synapses between random
subsets of neurons (:class:`~pynn_hpc.backends.projections.OwnConnections`); ``size`` counts
without a list.  Indices
are the projection's (positions in its pre and post populations or views).
"""
import brian2
import numpy as np
from pyNN import common
from pyNN.brian2 import simulator
from pyNN.space import Space

from pynn_hpc.backends.projections import OwnConnections

from . import runcontrol, synapses
from .celltypes import RECEPTORS, DriveGroup, ExactAlphaGroup


def _group(population):
    """The Brian2 group of a population or view, and the map view index -> group index."""
    parent = getattr(population, "grandparent", None) or population
    if parent is population:
        return population.brian2_group, np.arange(population.size)
    return parent.brian2_group, np.asarray(population.index_in_grandparent(
        np.arange(population.size)), dtype=np.int64)


def _get(group, name):
    """The values (SI, no units) of a neuron variable, all of them."""
    return np.array(getattr(group, name + "_")[:], dtype=float)


def _set(group, name, index, values):
    """``group.name[index] = values`` (SI) written whole: in standalone, a variable written
    by index could not be read again before the run, one written whole can."""
    full = _get(group, name)
    full[index] = values
    getattr(group, name + "_")[:] = full


def _inverse(index, size):
    """group index -> view index (-1 outside the view)."""
    inverse = np.full(size, -1, dtype=np.int64)
    inverse[index] = np.arange(len(index))
    return inverse


class Projection(OwnConnections, common.Projection):
    """A PyNN Projection held in one Brian2 Synapses object (see module doc)."""
    __doc__ = common.Projection.__doc__ + __doc__
    SIMULATOR = "Brian2"
    _simulator = simulator
    _static_synapse_class = synapses.StaticSynapse

    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, source=None, receptor_type=None, space=Space(), label=None):
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population,
                                   connector, synapse_type, source, receptor_type, space, label)
        self._pre_group, self._pre_index = _group(self.pre)
        self._post_group, self._post_index = _group(self.post)
        if not isinstance(self._post_group, ExactAlphaGroup):
            raise NotImplementedError("projections on Brian2 need pynn_hpc's IF_curr_alpha "
                                      "as the target")
        self._receptor = RECEPTORS[self.receptor_type]
        self._plastic = synapses.is_power_law(self.synapse_type)
        if self._plastic:
            self._rule = synapses.rule_parameters(self.synapse_type)
        self._syn = None
        self._delay = None
        self._pending = []
        self._drive_pairs = None              # (pre, post) of a drive projection
        connector.connect(self)
        self._build()

    @property
    def is_drive(self):
        return isinstance(self._pre_group, DriveGroup)

    # -- building -------------------------------------------------------------------

    def connect_pairs(self, pre_indices, post_indices, weight, delay):
        """Connections (pre_indices[k], post_indices[k]) (projection indices; multapses
        allowed); ``weight`` (nA) one value or one per pair; one ``delay`` (ms)."""
        if self.is_drive:
            raise NotImplementedError(
                "pynn_hpc's SpikeSourcePoisson on Brian2 gives every target its own train: "
                "connect it with OneToOneConnector")
        weight = np.asarray(weight, dtype=float)
        if self._plastic and np.any(weight < 0):
            raise ValueError("power-law STDP needs weights >= 0 (w^mu)")
        self._check_delay(delay)
        if len(pre_indices):
            self._pending.append((np.asarray(pre_indices, dtype=np.int64),
                                  np.asarray(post_indices, dtype=np.int64), weight))

    def _check_delay(self, delay):
        dt = simulator.state.dt
        if abs(delay / dt - round(delay / dt)) > 1e-6 or round(delay / dt) < 1:
            raise ValueError(f"delays on Brian2 are whole numbers of time steps ({dt:g} ms), "
                             f"at least one (got {delay:g} ms)")
        if self._delay is None:
            self._delay = float(delay)
        elif abs(delay - self._delay) > 1e-12:
            raise NotImplementedError("a projection on Brian2 takes one delay "
                                      "(make one projection per delay)")

    def _build(self):
        if self.is_drive or self._syn is not None:
            return
        ms = brian2.ms
        delay = self._delay if self._delay is not None else simulator.state.dt
        target = f"x_{self._receptor}"
        if self._plastic:
            split = runcontrol.standalone()         # the rule on every OpenMP thread
            model, on_pre, on_post = synapses.rule_code(target, split=split)
            delays = {"pre": delay * ms, "post": 2 * delay * ms}
            if split:
                delays["transmit"] = delay * ms
        else:
            model, on_pre = synapses.static_code(target)
            on_post, delays = None, {"pre": delay * ms}
        syn = brian2.Synapses(self._pre_group, self._post_group, model=model, on_pre=on_pre,
                              on_post=on_post, delay=delays, clock=simulator.state.network.clock,
                              name=runcontrol.name("prj"))
        if self._plastic:
            syn.post.order = -2          # a same-step postsynaptic arrival first (NEST's order)
            syn.pre.order = -1
            if split:
                syn.transmit.order = 0   # then the depressed weight reaches the target
        pre = np.concatenate([p for p, _, _ in self._pending]) if self._pending else \
            np.array([], dtype=np.int64)
        post = np.concatenate([q for _, q, _ in self._pending]) if self._pending else \
            np.array([], dtype=np.int64)
        weights = [np.broadcast_to(w, len(p)) for p, _, w in self._pending]
        self._pending = []
        if len(pre):
            syn.connect(i=self._pre_index[pre].astype(np.int32),
                        j=self._post_index[post].astype(np.int32))
            uniform = all(w.size == 0 or np.all(w == w.flat[0]) for w in weights) and \
                len({float(w.flat[0]) for w in weights if w.size}) == 1
            w = float(weights[0].flat[0]) if uniform else np.concatenate(weights)
            syn.w_[:] = w
            if self._plastic:
                syn.w_last_[:] = w          # (written, not read: standalone has no values yet)
        if self._plastic:
            synapses.configure_rule(syn, self._rule)
        simulator.state.network.add(syn)
        self._syn = syn

    def connect_drive(self, pre_indices, post_indices, weight, delay):
        """Sources ``pre_indices`` drive targets ``post_indices`` one to one (module doc)."""
        self._check_delay(delay)
        group, index = _group(self.pre)
        pre = index[np.asarray(pre_indices, dtype=np.int64)]
        post = self._post_index[np.asarray(post_indices, dtype=np.int64)]
        target, r = self._post_group, self._receptor
        driven = target.driven[r]
        if np.any(driven[post]):
            raise NotImplementedError("a neuron on Brian2 takes one Poisson drive per receptor")
        driven[post] = True
        rate, start = group.rate_[:][pre], group.start_[:][pre]
        stop = start + group.duration_[:][pre]
        d = self._delay * 1e-3
        _set(target, f"drive_rate_{r}", post, rate)
        _set(target, f"drive_weight_{r}", post, weight * 1e-9)       # nA -> A
        _set(target, f"drive_start_{r}", post, start + d)
        _set(target, f"drive_stop_{r}", post, stop + d)
        self._drive_pairs = (np.asarray(pre_indices, dtype=np.int64),
                             np.asarray(post_indices, dtype=np.int64))

    # -- reading and writing --------------------------------------------------------

    def __len__(self):
        if self.is_drive:
            return 0 if self._drive_pairs is None else len(self._drive_pairs[0])
        return 0 if self._syn is None else len(self._syn)

    def _indices(self):
        """(pre, post) projection indices of the connections, in the order of their values."""
        if self.is_drive:
            if self._drive_pairs is None:
                return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
            return self._drive_pairs
        i = np.asarray(self._syn.i[:], dtype=np.int64)
        j = np.asarray(self._syn.j[:], dtype=np.int64)
        if len(self._pre_index) != self._pre_group.N:
            i = _inverse(self._pre_index, self._pre_group.N)[i]
        if len(self._post_index) != self._post_group.N:
            j = _inverse(self._post_index, self._post_group.N)[j]
        return i, j

    def _drive_values(self, name, positions):
        post = self._post_index[self._drive_pairs[1][positions]]
        r = self._receptor
        if name == "weight":
            return np.asarray(getattr(self._post_group, f"drive_weight_{r}_")[:])[post] * 1e9
        return np.full(len(post), self._delay)

    def _weights(self, positions=None):
        w = self._syn.w_last_ if self._plastic else self._syn.w_   # plastic: NEST's weight
        w = np.asarray(w[:], dtype=float)
        return w if positions is None else w[positions]

    def _write_weights(self, vals):
        if self.is_drive:
            post = self._post_index[self._drive_pairs[1]]
            _set(self._post_group, f"drive_weight_{self._receptor}", post, vals * 1e-9)
            return
        self._syn.w_[:] = vals
        if self._plastic:
            self._syn.w_last_[:] = vals

    def _write_rule(self, name, value):
        setattr(self._syn, name, value)

    def _write_delay(self, delay):
        old = self._delay
        self._delay = None
        self._check_delay(delay)
        if self.is_drive:
            post = self._post_index[self._drive_pairs[1]]
            shift = (self._delay - old) * 1e-3
            for edge in ("start", "stop"):
                name = f"drive_{edge}_{self._receptor}"
                _set(self._post_group, name, post, _get(self._post_group, name)[post] + shift)
            return
        self._syn.pre.delay = self._delay * brian2.ms
        if self._plastic:
            self._syn.post.delay = 2 * self._delay * brian2.ms
            if "transmit" in self._syn._synaptic_updaters:
                self._syn.transmit.delay = self._delay * brian2.ms
