"""Connectors drawn with numpy in bulk, built into the synaptic matrices in C.

``FixedNumberPreConnector(n, with_replacement=True)`` (the seed's fixed
indegree with multapses): for every postsynaptic neuron j, n presynaptic
indices uniform over the population, without j itself when autapses are
forbidden (draw u in [0, N-1), then u + 1 where u >= j: exactly uniform over
the other N - 1).  All indices come from the connector's ``rng``
(``NumpyRNG``) in blocks of postsynaptic neurons, in the same order on every
MPI rank, so each rank keeps its own neurons' draws and the network does not
depend on the number of ranks.  Only one weight and one delay per
projection (as on NEST): set individual values afterwards with
``Projection.set``.

The fixed indegree hands the uniform numbers to the projection's synaptic matrices
(:mod:`.projection`), which compute the indices in C and keep them in rows by presynaptic
neuron; the other connectors hand over index pairs.
"""
import numpy as np

from pyNN.neuron import connectors as pynn_connectors

from . import runcontrol
from pynn_hpc.backends.projections import numpy_state, one_value, self_positions


class _BulkConnector:
    def connect(self, projection):
        if projection.is_drive and not isinstance(self, OneToOneConnector):
            raise NotImplementedError(
                "pynn_hpc's SpikeSourcePoisson on NEURON gives every target its own train: "
                "connect it with OneToOneConnector")
        native = projection.synapse_type.native_parameters
        name = f"{type(self).__name__} on NEURON"
        weight = one_value(native, "weight", name)
        delay = one_value(native, "delay", name)
        self._connect(projection, weight, delay)


class FixedNumberPreConnector(_BulkConnector, pynn_connectors.FixedNumberPreConnector):
    __doc__ = pynn_connectors.FixedNumberPreConnector.__doc__

    def _connect(self, projection, weight, delay):
        if not isinstance(self.n, (int, np.integer)) or self.n < 0:
            raise NotImplementedError("FixedNumberPreConnector on NEURON needs an integer n >= 0")
        n, n_pre = int(self.n), projection.pre.size
        state = numpy_state(self.rng, "NEURON")
        own = self_positions(projection.pre, projection.post) if not \
            self.allow_self_connections else np.full(projection.post.size, -1)
        if not self.with_replacement:
            return self._without_replacement(projection, n, own, state, weight, delay)
        projection.connect_draws(n, n_pre, own, state, weight, delay)

    def _without_replacement(self, projection, n, own, state, weight, delay):
        """n distinct sources per neuron; all of them first when n exceeds the candidates."""
        local = projection.post._mask_local
        everyone = np.arange(projection.pre.size)
        for j in range(projection.post.size):
            candidates = everyone if own[j] < 0 else np.delete(everyone, own[j])
            full, rest = divmod(n, len(candidates)) if len(candidates) else (0, 0)
            chosen = np.concatenate([np.tile(candidates, full),
                                     state.choice(candidates, size=rest, replace=False)])
            if local[j]:
                projection.connect_post(j, chosen.astype(np.int64), weight, delay)


class OneToOneConnector(_BulkConnector, pynn_connectors.OneToOneConnector):
    __doc__ = pynn_connectors.OneToOneConnector.__doc__

    def _connect(self, projection, weight, delay):
        if projection.pre.size != projection.post.size:
            raise ValueError("OneToOneConnector needs populations of the same size")
        local = np.flatnonzero(projection.post._mask_local)
        if not projection.is_drive:
            return projection.connect_pairs(local, local, weight, delay)
        projection.connect_drive(local, local, weight, delay, runcontrol.seed())


class AllToAllConnector(_BulkConnector, pynn_connectors.AllToAllConnector):
    __doc__ = pynn_connectors.AllToAllConnector.__doc__

    def _connect(self, projection, weight, delay):
        own = self_positions(projection.pre, projection.post) if not \
            self.allow_self_connections else np.full(projection.post.size, -1)
        everyone = np.arange(projection.pre.size)
        for j in np.flatnonzero(projection.post._mask_local):
            pre = everyone if own[j] < 0 else np.delete(everyone, own[j])
            projection.connect_post(j, pre, weight, delay)
