"""Projections on NEURON as synaptic matrices, not a NetCon per connection.

A projection keeps, on each MPI rank and NEURON thread, its connections onto that
thread's neurons in one ``SynapticMatrix`` point process (nmodl/SynapticMatrix.mod): rows
by presynaptic neuron, per connection a target and a weight, held in C.  Each
presynaptic neuron reaches a matrix through one NetCon (``ParallelContext.gid_connect``,
weight[0] = its row, delay d); the matrix then delivers the row to the targets'
receptors (``esyn``/``isyn``, AlphaISynExact).  NEURON's object per connection (a NetCon
and its hoc object, ~290 B and 0.6 us to make even from C) is what made connecting slow
and large; a matrix needs 12 B per connection, static or plastic.

* static synapses: the matrix adds the weights to the targets;
* power-law STDP: the matrix also runs the rule (one more NetCon per target neuron
  brings its spikes, weight[0] = -1 - target, delay d), see :mod:`synapses`;
* ``SpikeSourcePoisson`` one-to-one: no NetCon; the target's synapse draws the train
  itself (see :mod:`celltypes`); the "connection" is that synapse.

Connectors hand over index arrays (:meth:`Projection.connect_pairs`), or, for the fixed
indegree, the uniform numbers the indices come from (:meth:`Projection.connect_draws`:
each matrix computes its own targets' indices in C); each matrix is sorted into rows once,
when the connector is done.  A projection has one delay (as the matrix
row's NetCon); weights may differ per connection.  Connections are listed per matrix
(thread), sorted by presynaptic neuron; ``get``/``set`` work as in PyNN; ``sample`` reads
the local synapses between random subsets of neurons.  Nothing per connection is kept in
Python: the indices are read back from the matrices (their rows and targets) when asked for.
"""
import numpy as np
from neuron import h

import pyNN.neuron
from pyNN import common
from pyNN.neuron import simulator
from pyNN.neuron.projections import _projections
from pyNN.space import Space

from pynn_hpc.backends.projections import (OwnConnections, block_size,
                                           fixed_indegree_uniforms)

from . import synapses
from .celltypes import SpikeSourcePoisson, drive_parameters


class Projection(OwnConnections, pyNN.neuron.Projection):
    """A PyNN Projection whose connections are synaptic matrices (see module doc)."""
    __doc__ = pyNN.neuron.Projection.__doc__ + __doc__
    SIMULATOR = "NEURON"

    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, source=None, receptor_type=None, space=Space(), label=None):
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population,
                                   connector, synapse_type, source, receptor_type, space, label)
        self._matrices = []                    # one SynapticMatrix per thread with targets
        self._matrix_posts = []                # and the postsynaptic indices of its targets
        self._thread_check = None
        self._row_netcons = []                 # presynaptic neuron -> matrix
        self._post_netcons = []                # postsynaptic neuron -> matrix (plastic)
        self._pending = []                     # (pre, post, weight) given by the connector
        self._delay = None
        self._drives = []                      # drive synapses (one per local connection)
        self._drive_delays = []
        self._drive_pairs = []                 # and their (pre, post) indices
        self._plastic = synapses.is_power_law(self.synapse_type)
        if self._plastic:
            self._rule = synapses.rule_parameters(self.synapse_type)
        connector.connect(self)
        self._build()
        _projections.append(self)

    # -- building -------------------------------------------------------------------

    @property
    def is_drive(self):
        return isinstance(self.pre.celltype, SpikeSourcePoisson)

    def _receptor(self, cell):
        syn = getattr(cell, self.receptor_type)
        if not hasattr(syn, "claim_slot"):
            raise NotImplementedError("projections on NEURON need pynn_hpc's IF_curr_alpha "
                                      "(AlphaISynExact receptors)")
        return syn

    def connect_post(self, post_index, pre_indices, weight, delay):
        """Connections from ``pre_indices`` (may repeat) to the postsynaptic cell ``post_index``."""
        pre = np.asarray(pre_indices, dtype=np.int64)
        self.connect_pairs(pre, np.full(len(pre), int(post_index)), weight, delay)

    def connect_pairs(self, pre_indices, post_indices, weight, delay):
        """Connections (pre_indices[k], post_indices[k]); ``weight`` one value or one per pair.

        They are built into the matrices when the connector has finished.
        """
        if self.is_drive:
            raise NotImplementedError(
                "pynn_hpc's SpikeSourcePoisson on NEURON gives every target its own train: "
                "connect it with OneToOneConnector")
        weight = self._check(weight, delay)
        if len(pre_indices):
            self._pending.append((np.asarray(pre_indices, dtype=np.int32),
                                  np.asarray(post_indices, dtype=np.int32), weight))

    def connect_draws(self, n, n_pre, own, state, weight, delay):
        """``FixedNumberPreConnector(n, with_replacement=True)``: n presynaptic neurons per
        local postsynaptic one, the indices of :func:`~pynn_hpc.backends.projections.
        fixed_indegree_draws`.  The matrices take the uniforms themselves and compute the
        same indices in C (SynapticMatrix ``add_draws``): no index array in Python."""
        weight = float(self._check(weight, delay))
        if n == 0:
            return
        buffer = h.Vector(block_size(n) * n)
        blocks = fixed_indegree_uniforms(n, n_pre, own, state, out=buffer.as_numpy())
        made = self._new_matrices(np.flatnonzero(self.post._mask_local))
        for matrix, _, posts, *_ in made:
            matrix.expect(len(posts) * n)
        own_vec = h.Vector(np.asarray(own, dtype=float))
        for posts, u in blocks:
            for matrix, local_of, *_ in made:       # (every rank draws all: the same stream)
                matrix.add_draws(buffer, u.size, posts[0], n, n_pre, own_vec, local_of, weight)
        self._finish(made)

    def _check(self, weight, delay):
        """The weight(s) as an array; the projection's one delay, or an error."""
        weight = np.asarray(weight, dtype=float)
        if self._plastic and np.any(weight < 0):
            raise ValueError("power-law STDP needs weights >= 0 (w^mu)")
        if self._delay is None:
            self._delay = float(delay)
        elif abs(delay - self._delay) > 1e-12:
            raise NotImplementedError("a projection on NEURON takes one delay "
                                      "(make one projection per delay)")
        return weight

    def _threads_of(self, posts):
        """The NEURON thread of each postsynaptic cell at ``posts``."""
        pc = simulator.state.parallel_context
        n = int(pc.nthread())
        if n == 1:
            return np.zeros(len(posts), dtype=np.int64)
        thread = {sec: t for t in range(n) for sec in pc.get_partition(t)}
        return np.array([thread[cell] for cell in self._local_cells(posts)], dtype=np.int64)

    def _local_cells(self, posts):
        """The cells at ``posts``, which must be on this rank (checked)."""
        posts = np.asarray(posts, dtype=np.int64)
        if not self.post._mask_local[posts].all():
            raise ValueError("a postsynaptic cell is not on this MPI rank")
        return [cell._cell for cell in self.post.all_cells[posts]]

    def _build(self):
        """The matrices of what connect_pairs was given (see module doc)."""
        if not self._pending:
            return
        pre = np.concatenate([p for p, _, _ in self._pending])
        post = np.concatenate([q for _, q, _ in self._pending])
        weights = [w for _, _, w in self._pending]
        uniform = all(w.size == 1 for w in weights) and len({float(w) for w in weights}) == 1
        weight = weights[0].reshape(1) if uniform else np.concatenate(
            [np.broadcast_to(w, len(p)) for (p, _, _), w in zip(self._pending, weights)])
        self._pending = []
        made = self._new_matrices(np.flatnonzero(np.bincount(post, minlength=self.post.size)))
        pre, post, weight = h.Vector(pre.astype(float)), h.Vector(post.astype(float)), \
            h.Vector(weight)
        for matrix, local_of, *_ in made:
            matrix.add_pairs(pre, post, local_of, weight)
        self._finish(made)

    def _new_matrices(self, posts):
        """One empty SynapticMatrix per thread that holds some of ``posts``: (matrix, its
        local_of Vector (postsynaptic index -> its target number, -1 if not its), its
        postsynaptic indices, their cells, their receptors)."""
        threads = self._threads_of(posts)
        made = []
        for t in np.unique(threads):
            ours = posts[threads == t]
            local_of = np.full(self.post.size, -1.0)
            local_of[ours] = np.arange(len(ours))
            cells = self._local_cells(ours)
            receptors = [self._receptor(c) for c in cells]
            for syn in receptors:
                syn.claim_slot()
            matrix = h.SynapticMatrix(cells[0](0.5))
            if self._plastic:
                synapses.configure(matrix, self._rule)        # before build: plastic storage
                matrix.delay = self._delay
            made.append((matrix, h.Vector(local_of), ours, cells, receptors))
        return made

    def _finish(self, made):
        """Build the matrices ``made`` (:meth:`_new_matrices`) from what they were given and
        connect them: a NetCon per presynaptic neuron with synapses (its row), and per target
        (plastic)."""
        pc = simulator.state.parallel_context
        gids = np.asarray(self.pre.all_cells, dtype=np.int64)
        for matrix, _, posts, cells, receptors in made:
            matrix.build(h.Vector([float(s.slot) for s in receptors]))
            for row in np.flatnonzero(np.diff(self._rows(matrix))):
                nc = pc.gid_connect(int(gids[row]), matrix)
                nc.weight[0] = float(row)
                nc.delay = self._delay
                self._row_netcons.append(nc)
            if self._plastic:
                for k, cell in enumerate(cells):
                    nc = h.NetCon(cell.source, matrix, sec=cell.source_section)
                    nc.weight[0] = -1.0 - k
                    nc.delay = self._delay
                    self._post_netcons.append(nc)
            self._matrices.append(matrix)
            self._matrix_posts.append(posts)
        if made and pc.nthread() > 1:
            self._thread_check = h.FInitializeHandler(0, self._check_threads)

    def _check_threads(self):
        """A matrix delivers in its thread: all its targets must still be there (see doc)."""
        if not any(p is self for p in _projections):       # of an earlier setup()
            return
        for posts in self._matrix_posts:
            if len(np.unique(self._threads_of(posts))) > 1:
                raise RuntimeError(
                    f"{self.label}: the NEURON thread partition changed after connecting and "
                    "split a synaptic matrix's targets between threads; set the partition "
                    "(ParallelContext.partition) before creating projections")

    def connect_drive(self, pre_indices, post_indices, weight, delay, seed):
        """Each Poisson source ``pre_indices[k]`` drives ``post_indices[k]`` from inside its
        synapse."""
        source_ids = [self.pre.all_cells[i] for i in pre_indices]
        parent = getattr(self.pre, "grandparent", self.pre)
        p = drive_parameters(parent, [parent.id_to_index(s) for s in source_ids])
        cells = self._local_cells(post_indices)
        for k, (pre_index, post_index, source, cell) in enumerate(
                zip(pre_indices, post_indices, source_ids, cells)):
            syn = self._receptor(cell)
            if not hasattr(syn, "drive_rate"):
                raise NotImplementedError("the Poisson drive needs pynn_hpc's IF_curr_alpha")
            if syn.drive_rate > 0:  # this receptor already has a drive: give it another synapse
                syn = cell.add_synapse(h.AlphaISynExact, syn.tau)
            syn.drive_rate = p["rate"][k]
            syn.drive_weight = weight
            syn.drive_start = p["start"][k] + delay
            syn.drive_stop = p["start"][k] + p["duration"][k] + delay
            syn.drive_stream.set_ids(int(seed), int(source), 17)
            self._drives.append(syn)
            self._drive_delays.append(delay)
            self._drive_pairs.append((pre_index, post_index))

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index,
                            location_selector=None, **connection_parameters):
        """What PyNN's own connectors call: weights/delays may be arrays."""
        pre = np.asarray(presynaptic_indices)
        pre = np.flatnonzero(pre) if pre.dtype == bool else pre.astype(np.int64)
        w = np.broadcast_to(np.asarray(connection_parameters.pop("weight"), float), pre.shape)
        d = np.unique(np.asarray(connection_parameters.pop("delay"), float))
        if len(d) > 1:
            raise NotImplementedError("a projection on NEURON takes one delay "
                                      "(make one projection per delay)")
        if len(pre):
            self.connect_pairs(pre, np.full(len(pre), int(postsynaptic_index)), w, d[0])

    # -- reading and writing ----------------------------------------------------------

    def _rows(self, matrix):
        """Row offsets of ``matrix``: row (presynaptic index) r holds synapses off[r]:off[r+1]."""
        vec = h.Vector()
        matrix.get_rows(vec)
        return vec.as_numpy().astype(np.int64)

    def _targets(self, matrix, posts, begin, end):
        """Postsynaptic indices of the synapses begin .. end-1 of ``matrix``."""
        vec = h.Vector()
        matrix.get_targets(vec, float(begin), float(end))
        return posts[vec.as_numpy().astype(np.int64)].astype(np.int32)

    def _indices(self):
        """(pre, post) indices of the local connections, in the order of their attributes."""
        if self.is_drive:
            pairs = np.array(self._drive_pairs, dtype=np.int32).reshape(-1, 2)
            return pairs[:, 0], pairs[:, 1]
        pre, post = [np.array([], dtype=np.int32)], [np.array([], dtype=np.int32)]
        for m, posts in zip(self._matrices, self._matrix_posts):
            rows = self._rows(m)
            pre.append(np.repeat(np.arange(len(rows) - 1, dtype=np.int32), np.diff(rows)))
            post.append(self._targets(m, posts, 0, rows[-1]))
        return np.concatenate(pre), np.concatenate(post)

    def __len__(self):
        """Number of connections on this MPI rank."""
        if self.is_drive:
            return len(self._drives)
        return sum(int(m.count()) for m in self._matrices)

    def _matrix_positions(self, positions):
        """(matrix, positions within it) for the connections at ``positions`` (sorted)."""
        sizes = [int(m.count()) for m in self._matrices]
        bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        positions = np.asarray(positions, dtype=np.int64)
        for m, lo, hi in zip(self._matrices, bounds[:-1], bounds[1:]):
            at = positions[(positions >= lo) & (positions < hi)] - lo
            yield m, at

    def _weights(self, positions=None):
        """The weights at ``positions`` (sorted; all if None), from the matrices."""
        out = []
        for m, at in self._matrix_positions(positions) if positions is not None else \
                ((m, slice(None)) for m in self._matrices):
            vec = h.Vector()
            m.get_weights(vec)
            # a copy: as_numpy() is a view of vec's buffer that does not keep vec alive, and
            # vec is freed when the next matrix rebinds it (garbage, or SIGSEGV, with threads)
            out.append(np.array(vec.as_numpy()[at]))
        return np.concatenate(out) if out else np.array([])

    def _drive_values(self, name, positions):
        if name == "weight":
            return np.array([self._drives[k].drive_weight for k in positions])
        return np.asarray(self._drive_delays, dtype=float)[positions]

    def _write_weights(self, vals):
        if self.is_drive:
            for syn, w in zip(self._drives, vals):
                syn.drive_weight = w
            return
        start = 0
        for m in self._matrices:
            n = int(m.count())
            m.set_weights(h.Vector(np.arange(n, dtype=float)), h.Vector(vals[start:start + n]))
            start += n

    def _write_rule(self, name, value):
        for m in self._matrices:
            setattr(m, name, value)

    def _write_delay(self, delay):
        if self.is_drive:
            for syn, d_old in zip(self._drives, self._drive_delays):
                syn.drive_start += delay - d_old
                syn.drive_stop += delay - d_old
            self._drive_delays = [delay] * len(self._drives)
            return
        self._delay = delay
        for nc in self._row_netcons:
            nc.delay = self._delay
        for nc in self._post_netcons:
            nc.delay = self._delay
        for m in self._matrices:
            m.delay = self._delay

    def _sample_positions(self, chosen_pre, chosen_post):
        """Only the chosen rows of each matrix are read."""
        if self.is_drive:
            return super()._sample_positions(chosen_pre, chosen_post)
        positions, start = [], 0
        for m, posts in zip(self._matrices, self._matrix_posts):
            rows = self._rows(m)
            for r in np.sort(chosen_pre[chosen_pre < len(rows) - 1]):
                post = self._targets(m, posts, rows[r], rows[r + 1])
                positions.append(start + rows[r] + np.flatnonzero(np.isin(post, chosen_post)))
            start += rows[-1]
        return np.concatenate(positions) if positions else np.array([], dtype=np.int64)
