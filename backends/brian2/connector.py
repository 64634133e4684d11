"""Connectors drawn with numpy in bulk, handed to the projection as index arrays.

``FixedNumberPreConnector(n, with_replacement=True)`` (the seed's fixed indegree with
multapses): for every postsynaptic neuron j, n presynaptic indices uniform over the
population, without j itself when autapses are forbidden (draw u in [0, N-1), then u + 1
where u >= j: exactly uniform over the other N - 1).  All indices come from the
connector's ``rng`` (``NumpyRNG``) in blocks of postsynaptic neurons: the draws, and so the
network, are those of the NEURON backend for the same seed.  One weight and one delay per
projection (as on NEST): set individual values afterwards with ``Projection.set``.
"""
import numpy as np
from pyNN import connectors as pynn_connectors

from pynn_hpc.backends.projections import (fixed_indegree_draws, numpy_state, one_value,
                                           self_positions)


class _BulkConnector:
    def connect(self, projection):
        if projection.is_drive and not isinstance(self, OneToOneConnector):
            raise NotImplementedError(
                "pynn_hpc's SpikeSourcePoisson on Brian2 gives every target its own train: "
                "connect it with OneToOneConnector")
        native = projection.synapse_type.native_parameters
        name = f"{type(self).__name__} on Brian2"
        self._connect(projection, one_value(native, "weight", name),
                      one_value(native, "delay", name))


class FixedNumberPreConnector(_BulkConnector, pynn_connectors.FixedNumberPreConnector):
    __doc__ = pynn_connectors.FixedNumberPreConnector.__doc__

    def _connect(self, projection, weight, delay):
        if not isinstance(self.n, (int, np.integer)) or self.n < 0:
            raise NotImplementedError("FixedNumberPreConnector on Brian2 needs an integer n >= 0")
        n, n_pre, n_post = int(self.n), projection.pre.size, projection.post.size
        state = numpy_state(self.rng, "Brian2")
        own = self_positions(projection.pre, projection.post) if not \
            self.allow_self_connections else np.full(n_post, -1)
        if not self.with_replacement:
            return self._without_replacement(projection, n, own, state, weight, delay)
        pre, post = [], []
        for posts, idx in fixed_indegree_draws(n, n_pre, own, state):
            pre.append(idx.astype(np.int32, copy=False).ravel())
            post.append(np.repeat(posts.astype(np.int32), n))
        projection.connect_pairs(np.concatenate(pre) if pre else np.array([], np.int32),
                                 np.concatenate(post) if post else np.array([], np.int32),
                                 weight, delay)

    def _without_replacement(self, projection, n, own, state, weight, delay):
        """n distinct sources per neuron; all of them first when n exceeds the candidates."""
        everyone = np.arange(projection.pre.size)
        pre, post = [], []
        for j in range(projection.post.size):
            candidates = everyone if own[j] < 0 else np.delete(everyone, own[j])
            full, rest = divmod(n, len(candidates)) if len(candidates) else (0, 0)
            chosen = np.concatenate([np.tile(candidates, full),
                                     state.choice(candidates, size=rest, replace=False)])
            pre.append(chosen.astype(np.int64))
            post.append(np.full(len(chosen), j, dtype=np.int64))
        projection.connect_pairs(np.concatenate(pre), np.concatenate(post), weight, delay)


class OneToOneConnector(_BulkConnector, pynn_connectors.OneToOneConnector):
    __doc__ = pynn_connectors.OneToOneConnector.__doc__

    def _connect(self, projection, weight, delay):
        if projection.pre.size != projection.post.size:
            raise ValueError("OneToOneConnector needs populations of the same size")
        every = np.arange(projection.post.size)
        if projection.is_drive:
            return projection.connect_drive(every, every, weight, delay)
        projection.connect_pairs(every, every, weight, delay)


class AllToAllConnector(_BulkConnector, pynn_connectors.AllToAllConnector):
    __doc__ = pynn_connectors.AllToAllConnector.__doc__

    def _connect(self, projection, weight, delay):
        n_pre, n_post = projection.pre.size, projection.post.size
        pre = np.tile(np.arange(n_pre), n_post)
        post = np.repeat(np.arange(n_post), n_pre)
        if not self.allow_self_connections:
            own = self_positions(projection.pre, projection.post)
            keep = pre != own[post]
            pre, post = pre[keep], post[keep]
        projection.connect_pairs(pre, post, weight, delay)
