"""Projections on NEURON without a Python object per connection.

A projection keeps, on each MPI rank, its local connections as one hoc List
of NetCons plus two numpy index arrays (presynaptic and postsynaptic index,
in creation order); PyNN's ``pyNN.neuron.Projection`` builds a Python
``Connection`` (with a dict) per connection instead.  NetCons are made in
bulk from C (:mod:`netcons`), in the order the connector gives (sorted by
presynaptic neuron for the fixed indegree).  Targets:

* static synapses: the cell's receptor (``esyn``/``isyn``, AlphaISynExact);
* power-law STDP: one PowerLawSTDPSyn per postsynaptic neuron and
  projection (created on first use), plus one NetCon from the neuron's
  spike source to it (weight -1, delay 2 d), see :mod:`synapses`;
* ``SpikeSourcePoisson`` one-to-one: no NetCon; the target's synapse draws
  the train itself (see :mod:`celltypes`); the "connection" is that synapse.

``get``/``set`` work as in PyNN; ``sample`` reads the local synapses between
random subsets of neurons.
"""
import numpy as np
from neuron import h

import pyNN.neuron
from pyNN import common
from pyNN.neuron import simulator
from pyNN.neuron.projections import _projections
from pyNN.space import Space

from pynn_hpc.backends.projections import ProjectionArrays, one_value

from . import netcons, synapses
from .celltypes import ExactAlphaIF, SpikeSourcePoisson, drive_parameters


class Projection(ProjectionArrays, pyNN.neuron.Projection):
    """A PyNN Projection whose connections are NetCons in a hoc List (see module doc)."""
    __doc__ = pyNN.neuron.Projection.__doc__ + __doc__

    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, source=None, receptor_type=None, space=Space(), label=None):
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population,
                                   connector, synapse_type, source, receptor_type, space, label)
        self._netcons = h.List()
        self._pre_chunks, self._post_chunks = [], []
        self._index_cache = None
        self._drives = []                      # drive synapses (one per local connection)
        self._drive_delays = []
        self._plastic_targets = {}             # post index -> PowerLawSTDPSyn
        self._post_netcons = []
        self._plastic = synapses.is_power_law(self.synapse_type)
        if self._plastic:
            self._rule = synapses.rule_parameters(self.synapse_type)
            self._delay = one_value(self.synapse_type.native_parameters, "delay",
                                            "PowerLawSTDPSyn")
        self._pre_gids = np.asarray(self.pre.all_cells, dtype=float)
        self._presynaptic_components = {}
        connector.connect(self)
        _projections.append(self)

    # -- building -------------------------------------------------------------------

    @property
    def is_drive(self):
        return isinstance(self.pre.celltype, SpikeSourcePoisson)

    def _cell(self, post_index):
        cell = self.post[int(post_index)]
        if not cell.local:
            raise ValueError(f"postsynaptic cell {post_index} is not on this MPI rank")
        return cell._cell

    def _receptor(self, cell):
        return getattr(cell, self.receptor_type)

    def _target(self, post_index):
        cell = self._cell(post_index)
        if not self._plastic:
            return self._receptor(cell)
        syn = self._plastic_targets.get(post_index)
        if syn is None:
            if not isinstance(cell, ExactAlphaIF):
                raise NotImplementedError("power-law STDP on NEURON needs pynn_hpc's IF_curr_alpha")
            receptor = self._receptor(cell)
            syn = cell.add_synapse(h.PowerLawSTDPSyn, receptor.tau)
            synapses.configure(syn, self._rule, receptor.tau, cell.tau_m)
            post = h.NetCon(cell.source, syn, sec=cell.source_section)
            post.weight[0] = -1
            post.delay = 2 * self._delay
            self._post_netcons.append(post)
            self._plastic_targets[post_index] = syn
        return syn

    def _record(self, pre_indices, post_index):
        self._pre_chunks.append(np.asarray(pre_indices, dtype=np.int32))
        self._post_chunks.append(np.full(len(pre_indices), post_index, dtype=np.int32))
        self._index_cache = None

    def connect_post(self, post_index, pre_indices, weight, delay):
        """NetCons from ``pre_indices`` (may repeat) to the postsynaptic cell ``post_index``."""
        pre = np.asarray(pre_indices, dtype=np.int64)
        self.connect_pairs(pre, np.full(len(pre), int(post_index)), weight, delay)

    def connect_pairs(self, pre_indices, post_indices, weight, delay):
        """NetCons for the pairs (pre_indices[k], post_indices[k]), made in this order.

        Made sorted by presynaptic neuron, each neuron's NetCons lie together in memory,
        which NEURON walks through at every spike of that neuron.
        """
        if self.is_drive:
            raise NotImplementedError(
                "pynn_hpc's SpikeSourcePoisson on NEURON gives every target its own train: "
                "connect it with OneToOneConnector")
        if self._plastic:
            if weight < 0:
                raise ValueError("power-law STDP needs weights >= 0 (w^mu)")
            if abs(delay - self._delay) > 1e-12:
                raise NotImplementedError("PowerLawSTDPSyn takes one delay per projection")
        if len(pre_indices) == 0:
            return
        post_indices = np.asarray(post_indices, dtype=np.int64)
        if len(post_indices) < self.post.size:
            posts, positions = np.unique(post_indices, return_inverse=True)
        else:                                  # O(n), no sort
            posts = np.flatnonzero(np.bincount(post_indices, minlength=self.post.size))
            position = np.zeros(self.post.size, dtype=np.int64)
            position[posts] = np.arange(len(posts))
            positions = position[post_indices]
        targets = [self._target(j) for j in posts]
        netcons.connect_pairs(self._netcons, simulator.state.parallel_context,
                              self._pre_gids[pre_indices], targets, positions, weight, delay)
        self._pre_chunks.append(np.asarray(pre_indices, dtype=np.int32))
        self._post_chunks.append(np.asarray(post_indices, dtype=np.int32))
        self._index_cache = None

    def connect_drive(self, pre_index, post_index, weight, delay, seed):
        """The Poisson source ``pre_index`` drives ``post_index`` from inside its synapse."""
        cell = self._cell(post_index)
        syn = self._receptor(cell)
        if not hasattr(syn, "drive_rate"):
            raise NotImplementedError("the Poisson drive needs pynn_hpc's IF_curr_alpha")
        if syn.drive_rate > 0:      # this receptor already has a drive: give it another synapse
            syn = cell.add_synapse(h.AlphaISynExact, syn.tau)
        source = self.pre.all_cells[pre_index]
        parent = getattr(self.pre, "grandparent", self.pre)
        p = drive_parameters(parent, [parent.id_to_index(source)])
        syn.drive_rate = p["rate"][0]
        syn.drive_weight = weight
        syn.drive_start = p["start"][0] + delay
        syn.drive_stop = p["start"][0] + p["duration"][0] + delay
        syn.drive_stream.set_ids(int(seed), int(source), 17)
        self._drives.append(syn)
        self._drive_delays.append(delay)
        self._record([pre_index], post_index)

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index,
                            location_selector=None, **connection_parameters):
        """What PyNN's own connectors call: weights/delays may be arrays."""
        pre = np.asarray(presynaptic_indices, dtype=np.int64)
        if pre.dtype == bool:
            pre = np.flatnonzero(pre)
        w = np.broadcast_to(np.asarray(connection_parameters.pop("weight"), float), pre.shape)
        d = np.broadcast_to(np.asarray(connection_parameters.pop("delay"), float), pre.shape)
        for (wi, di), group in _groups(w, d):
            self.connect_post(postsynaptic_index, pre[group], wi, di)

    # -- reading and writing ----------------------------------------------------------

    def _indices(self):
        if self._index_cache is None:
            if self._pre_chunks:
                self._index_cache = (np.concatenate(self._pre_chunks),
                                     np.concatenate(self._post_chunks))
            else:
                self._index_cache = (np.array([], dtype=np.int32),) * 2
            self._pre_chunks = [self._index_cache[0]]
            self._post_chunks = [self._index_cache[1]]
        return self._index_cache

    def __len__(self):
        """Number of connections on this MPI rank."""
        return len(self._indices()[0])

    @property
    def connections(self):
        pre, post = self._indices()
        values = self._values(["weight", "delay"])
        for k in range(len(pre)):
            yield _Connection(int(pre[k]), int(post[k]), values[0][k], values[1][k])

    def _values(self, names, positions=None):
        """Native attribute values of the local connections at ``positions`` (all if None)."""
        pre, post = self._indices()
        if positions is None:
            positions = np.arange(len(pre))
        out = []
        for name in names:
            if name == "presynaptic_index":
                out.append(pre[positions].astype(float))
            elif name == "postsynaptic_index":
                out.append(post[positions].astype(float))
            elif self.is_drive and name == "weight":
                out.append(np.array([self._drives[k].drive_weight for k in positions]))
            elif self.is_drive and name == "delay":
                out.append(np.asarray(self._drive_delays, dtype=float)[positions])
            elif name in ("weight", "delay"):
                out.append(netcons.get(self._netcons, name, positions))
            elif self._plastic and name in synapses.RULE_PARAMETERS:
                out.append(np.full(len(positions), self._rule[name]))
            elif name == "dendritic_delay_fraction":
                out.append(np.ones(len(positions)))
            else:
                raise KeyError(f"'{name}' is not an attribute of this projection's connections")
        return out

    def _get_attributes_as_list(self, names):
        return list(zip(*[v.tolist() for v in self._values(names)]))

    def _connection_arrays(self, names):
        pre, post = self._indices()
        return pre, post, self._values(names)

    def _set_attributes(self, parameter_space):
        pre, post = self._indices()
        values = {}
        for name, value in parameter_space.items():
            if value.is_homogeneous:
                value.shape = (1,)
                values[name] = np.full(len(pre), float(value.evaluate(simplify=True)))
            else:
                value.shape = (self.pre.size, self.post.size)
                values[name] = np.asarray(value.evaluate(simplify=False), dtype=float)[pre, post]
        for name, vals in values.items():
            if name in synapses.RULE_PARAMETERS or name == "dendritic_delay_fraction":
                self._set_rule(name, vals)
            elif self._plastic and name == "weight" and np.any(vals < 0):
                raise ValueError("power-law STDP needs weights >= 0 (w^mu)")
            elif self.is_drive and name == "weight":
                for syn, w in zip(self._drives, vals):
                    syn.drive_weight = w
            elif self.is_drive and name == "delay":
                for syn, d_old, d in zip(self._drives, self._drive_delays, vals):
                    syn.drive_start += d - d_old
                    syn.drive_stop += d - d_old
                self._drive_delays = list(vals)
            else:
                if self._plastic and name == "delay":
                    self._set_plastic_delay(vals)
                netcons.set(self._netcons, name, vals)

    def _set_rule(self, name, vals):
        if name == "dendritic_delay_fraction":
            if np.any(vals != 1):
                raise ValueError("PowerLawSTDPSyn takes all of the delay as dendritic")
            return
        if len(np.unique(vals)) > 1:
            raise ValueError(f"PowerLawSTDPSyn shares '{name}' among the connections onto a "
                             "neuron: give one value per projection")
        if len(vals):
            self._rule[name] = float(vals[0])
            for syn in self._plastic_targets.values():
                setattr(syn, name, float(vals[0]))

    def _set_plastic_delay(self, vals):
        if len(np.unique(vals)) > 1:
            raise NotImplementedError("PowerLawSTDPSyn takes one delay per projection")
        if len(vals):
            self._delay = float(vals[0])
            for nc in self._post_netcons:
                nc.delay = 2 * self._delay

    def sample(self, names, n_pre=100, n_post=200, rng=None):
        """Attributes of every synapse from ``n_pre`` to ``n_post`` randomly chosen neurons.

        Returns a dict name -> 1D array in PyNN units, for the synapses on this MPI
        rank (``rng`` must draw the same on every rank: the union over ranks is then
        the same sample whatever the number of ranks).
        """
        if isinstance(names, str):
            names = [names]
        rng = rng if rng is not None else np.random.default_rng()
        chosen_pre = rng.choice(self.pre.size, size=min(n_pre, self.pre.size), replace=False)
        chosen_post = rng.choice(self.post.size, size=min(n_post, self.post.size), replace=False)
        pre, post = self._indices()
        positions = np.flatnonzero(np.isin(pre, chosen_pre) & np.isin(post, chosen_post))
        native = self.synapse_type.get_native_names(*names)
        return dict(zip(names, self._values(native, positions)))


class _Connection:
    """Read-only view of one connection (for PyNN code that iterates over connections)."""

    def __init__(self, pre, post, weight, delay):
        self.presynaptic_index, self.postsynaptic_index = pre, post
        self.weight, self.delay = weight, delay

    def as_tuple(self, *names):
        return tuple(getattr(self, n) for n in names)


def _groups(weights, delays):
    """Positions grouped by identical (weight, delay)."""
    if weights.size == 0:
        return []
    if np.all(weights == weights[0]) and np.all(delays == delays[0]):
        return [((float(weights[0]), float(delays[0])), np.arange(weights.size))]
    keys = np.stack([weights, delays], axis=1)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    return [((float(u[0]), float(u[1])), np.flatnonzero(inverse.ravel() == k))
            for k, u in enumerate(unique)]
