"""What both backends' Projections change in PyNN's, written once.

PyNN's ``Projection.set`` builds the dense N_pre x N_post weight matrix on every call (one
double per pair: 650 MB and a Python loop over every connection at the seed's E->E).  A
backend's Projection mixes this in and supplies ``_connection_arrays(names)`` ->
(pre indices, post indices, [values, ...]) in PyNN units, from which ``get(format="array")``
is built.
"""
import numpy as np


def one_value(parameter_space, name, what):
    """The single value of ``name`` (e.g. weight, delay) that ``what`` takes per projection."""
    value = parameter_space[name]
    if not value.is_homogeneous:
        raise NotImplementedError(
            f"{what} takes one {name} per projection; "
            "set individual values afterwards with Projection.set()")
    value.shape = (1,)
    return float(value.evaluate(simplify=True))


class ProjectionArrays:

    def _value_list_to_array(self, attributes):
        """Only a list of per-connection values needs PyNN's dense matrix."""
        if any(isinstance(v, list) or (isinstance(v, np.ndarray) and v.ndim == 1)
               for v in attributes.values()):
            return super()._value_list_to_array(attributes)
        return attributes

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        """Dense arrays, NaN where there is no connection, multapses combined as PyNN does
        (PyNN's ``Projection.MULTI_SYNAPSE_OPERATIONS``), in numpy rather than a Python loop
        over every connection."""
        names = [n[:-1] if n.endswith("s") else n for n in names]
        pre, post, values = self._connection_arrays(names)
        cells = np.asarray(pre, dtype=np.int64) * self.post.size + np.asarray(post, dtype=np.int64)
        return [_combine(cells, np.asarray(vals, dtype=float), (self.pre.size, self.post.size),
                         multiple_synapses) for vals in values]


def _combine(cells, values, shape, how):
    """A dense array of ``shape`` with ``values`` at the flat positions ``cells``, repeated
    positions combined by ``how`` (sum, min, max, first, last), NaN where there is none."""
    size = shape[0] * shape[1]
    if how == "sum":
        present = np.zeros(size, dtype=bool)
        present[cells] = True
        flat = np.bincount(cells, weights=values, minlength=size)
        flat[~present] = np.nan
    else:
        flat = np.full(size, np.nan)
        if how in ("min", "max"):
            (np.fmin if how == "min" else np.fmax).at(flat, cells, values)
        else:
            order = slice(None) if how == "first" else slice(None, None, -1)
            unique, at = np.unique(cells[order], return_index=True)
            flat[unique] = values[order][at]
    return flat.reshape(shape)


# -- connectors drawn with numpy, the same draws on every backend --------------------------

#: random numbers drawn at a time (memory bound for large indegrees)
BLOCK = 1 << 22


def numpy_state(rng, simulator):
    """The numpy RandomState of a connector's ``rng`` (a pyNN ``NumpyRNG``; a new one if
    None); NotImplementedError for another kind, naming ``simulator``."""
    from pyNN.random import NumpyRNG
    state = getattr(rng if rng is not None else NumpyRNG(), "rng", None)
    if not isinstance(state, np.random.RandomState):
        raise NotImplementedError(f"connectors on {simulator} draw with a NumpyRNG (pyNN.random)")
    return state


def self_positions(pre, post):
    """For each postsynaptic neuron, its index in ``pre`` (-1 if it is not there)."""
    pre_ids = np.asarray(pre.all_cells, dtype=np.int64)
    post_ids = np.asarray(post.all_cells, dtype=np.int64)
    order = np.argsort(pre_ids)
    at = np.minimum(np.searchsorted(pre_ids[order], post_ids), len(pre_ids) - 1)
    found = pre_ids[order][at] == post_ids
    return np.where(found, order[at], -1)


def fixed_indegree_draws(n, n_pre, own, state):
    """``FixedNumberPreConnector(n, with_replacement=True)``, the seed's fixed indegree with
    multapses: for every postsynaptic neuron j, n presynaptic indices uniform over the
    ``n_pre`` neurons, without j itself where ``own[j]`` >= 0 (its index in pre: draw u in
    [0, N-1), then u + 1 where u >= own[j], exactly uniform over the other N - 1).  Yields
    (postsynaptic indices, their (len, n) presynaptic indices) per block of postsynaptic
    neurons, all drawn from ``state`` in the same order whatever the backend or MPI rank
    (each keeps its own neurons' draws)."""
    if n > 0 and n_pre - np.any(own >= 0) < 1:
        raise ValueError("FixedNumberPreConnector: no presynaptic neuron to choose from")
    n_post = len(own)
    block = max(1, BLOCK // max(n, 1))
    for start in range(0, n_post, block):
        posts = np.arange(start, min(start + block, n_post))
        u = state.random_sample((len(posts), n))
        excluded = own[posts] >= 0
        high = n_pre - excluded
        idx = np.minimum((u * high[:, None]).astype(np.int64), (high - 1)[:, None])
        idx += excluded[:, None] & (idx >= own[posts][:, None])
        yield posts, idx
