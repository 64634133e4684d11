"""What the backends' Projections change in PyNN's, written once.

PyNN's ``Projection.set`` builds the dense N_pre x N_post weight matrix on every call (one
double per pair: 650 MB and a Python loop over every connection at the seed's E->E).  A
backend's Projection mixes this in and supplies ``_connection_arrays(names)`` ->
(pre indices, post indices, [values, ...]) in PyNN units, from which ``get(format="array")``
is built.
"""
import numpy as np

from pynn_hpc.backends import sample_indices
from pynn_hpc.backends.rule_translations import RULE_PARAMETERS


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


# -- get, set and sample for a backend that holds its connections itself -------------------

class OwnConnections(ProjectionArrays):
    """PyNN's get/set/sample for a Projection whose connections the backend stores itself, by
    position (NEURON's synaptic matrices, Brian2's ``Synapses``): one delay per projection,
    the power-law rule's parameters shared per projection (``_rule``), weights per connection.

    The backend supplies ``SIMULATOR`` (its name in messages), ``_plastic``, ``_rule``,
    ``_delay``, ``is_drive``, ``__len__``, and:

    ``_indices()``
        (pre, post) projection indices of the connections, in position order;
    ``_weights(positions)``
        the weights (nA) at the sorted ``positions`` (all if None); a plastic weight as of
        its synapse's last presynaptic spike, as NEST reports it;
    ``_drive_values(name, positions)``
        "weight" or "delay" of the Poisson drive connections at ``positions``;
    ``_write_weights(values)``, ``_write_delay(delay)``, ``_write_rule(name, value)``
        store one value per connection, the projection's new delay, a rule parameter;
    ``_sample_positions(chosen_pre, chosen_post)`` (optional)
        positions of the connections between the chosen neurons (default: from ``_indices``).
    """

    def _values(self, names, positions=None, indices=None):
        """Native attribute values (PyNN units) at ``positions`` (all if None); ``indices``:
        the (pre, post) of all connections, if already read."""
        everything = positions is None
        positions = np.arange(len(self)) if everything else np.asarray(positions, np.int64)
        if indices is None and {"presynaptic_index", "postsynaptic_index"} & set(names):
            indices = self._indices()
        out = []
        for name in names:
            if name == "presynaptic_index":
                out.append(indices[0][positions].astype(float))
            elif name == "postsynaptic_index":
                out.append(indices[1][positions].astype(float))
            elif self.is_drive and name in ("weight", "delay"):
                out.append(np.asarray(self._drive_values(name, positions), dtype=float))
            elif name == "weight" and everything:
                out.append(self._weights(None))
            elif name == "weight":
                order = np.argsort(positions, kind="stable")
                values = np.empty(len(positions))
                values[order] = self._weights(positions[order])
                out.append(values)
            elif name == "delay":
                out.append(np.full(len(positions), self._delay if self._delay is not None
                                   else np.nan))
            elif self._plastic and name in RULE_PARAMETERS:
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
        return pre, post, self._values(names, indices=(pre, post))

    @property
    def connections(self):
        pre, post = self._indices()
        weight, delay = self._values(["weight", "delay"])
        for k in range(len(pre)):
            yield Connection(int(pre[k]), int(post[k]), weight[k], delay[k])

    def _set_attributes(self, parameter_space):
        n, indices, values = len(self), None, {}
        for name, value in parameter_space.items():
            if value.is_homogeneous:
                value.shape = (1,)
                values[name] = np.full(n, float(value.evaluate(simplify=True)))
            else:
                if indices is None:
                    indices = self._indices()
                value.shape = (self.pre.size, self.post.size)
                values[name] = np.asarray(value.evaluate(simplify=False), dtype=float)[indices]
        for name, vals in values.items():
            if name in RULE_PARAMETERS or name == "dendritic_delay_fraction":
                self._set_rule(name, vals)
            elif name == "weight":
                if self._plastic and np.any(vals < 0):
                    raise ValueError("power-law STDP needs weights >= 0 (w^mu)")
                self._write_weights(vals)
            elif name == "delay":
                if len(np.unique(vals)) > 1:
                    raise NotImplementedError(f"a projection on {self.SIMULATOR} takes one "
                                              "delay (make one projection per delay)")
                if len(vals):
                    self._write_delay(float(vals[0]))
            else:
                raise KeyError(f"'{name}' is not an attribute of this projection's connections")

    def _set_rule(self, name, vals):
        if name == "dendritic_delay_fraction":
            if np.any(vals != 1):
                raise ValueError(f"the power-law rule on {self.SIMULATOR} takes all of the "
                                 "delay as dendritic")
            return
        if len(np.unique(vals)) > 1:
            raise ValueError(f"the power-law rule on {self.SIMULATOR} shares '{name}' among "
                             "the connections of a projection: give one value per projection")
        if len(vals):
            self._rule[name] = float(vals[0])
            self._write_rule(name, float(vals[0]))

    def _sample_positions(self, chosen_pre, chosen_post):
        pre, post = self._indices()
        return np.flatnonzero(np.isin(pre, chosen_pre) & np.isin(post, chosen_post))

    def sample(self, names, n_pre=100, n_post=200, rng=None):
        """Attributes of every synapse from ``n_pre`` to ``n_post`` randomly chosen neurons.

        Returns a dict name -> 1D array in PyNN units: the neurons of
        :func:`pynn_hpc.backends.sample_indices` (the same on every backend and MPI rank for
        the same ``rng`` state), the synapses this process holds.
        """
        if isinstance(names, str):
            names = [names]
        chosen = sample_indices(self.pre.size, self.post.size, n_pre, n_post, rng)
        native = self.synapse_type.get_native_names(*names)
        return dict(zip(names, self._values(native, self._sample_positions(*chosen))))


class Connection:
    """Read-only view of one connection (for PyNN code that iterates over connections)."""

    def __init__(self, pre, post, weight, delay):
        self.presynaptic_index, self.postsynaptic_index = pre, post
        self.weight, self.delay = weight, delay

    def as_tuple(self, *names):
        return tuple(getattr(self, n) for n in names)


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
    (each keeps its own neurons' draws).

    The indices are :func:`indices_of` the uniforms of :func:`fixed_indegree_uniforms`; a
    backend may take these uniforms and compute the same indices itself (NEURON does, in C).
    """
    for posts, u in fixed_indegree_uniforms(n, n_pre, own, state):
        yield posts, indices_of(u, posts, n_pre, own)


def block_size(n):
    """How many postsynaptic neurons' draws :func:`fixed_indegree_uniforms` makes at a time."""
    return max(1, BLOCK // max(n, 1))


def fixed_indegree_uniforms(n, n_pre, own, state, out=None):
    """The uniform numbers in [0, 1) behind :func:`fixed_indegree_draws`: yields
    (postsynaptic indices, their (len, n) uniforms) per block of :func:`block_size` neurons.

    With ``out`` (float64, at least ``block_size(n) * n`` long) the uniforms are written
    into it and each block is a view of it: numpy's ``Generator`` on ``state``'s own bit
    generator draws the same doubles as ``state.random_sample`` (both are the 53-bit
    doubles of MT19937) and advances ``state`` as it would."""
    if n > 0 and n_pre - np.any(own >= 0) < 1:
        raise ValueError("FixedNumberPreConnector: no presynaptic neuron to choose from")
    return _uniform_blocks(n, len(own), state, out)      # (checked now, not at the first block)


def _uniform_blocks(n, n_post, state, out):
    block = block_size(n)
    draw = None if out is None else np.random.Generator(state._bit_generator)
    for start in range(0, n_post, block):
        posts = np.arange(start, min(start + block, n_post))
        if draw is None:
            u = state.random_sample((len(posts), n))
        else:
            u = out[:len(posts) * n].reshape(len(posts), n)
            draw.random(out=u)
        yield posts, u


def indices_of(u, posts, n_pre, own):
    """The presynaptic indices of the uniforms ``u`` (len(posts), n) of
    :func:`fixed_indegree_uniforms` (``u`` is overwritten): floor(u (N - excluded)), at most
    N - excluded - 1, then + 1 where excluded and >= own[j]."""
    excluded = own[posts] >= 0
    high = n_pre - excluded
    u *= high[:, None]                  # (in place, and indices in 32 bits: the same values)
    idx = u.astype(np.int64 if n_pre >= 1 << 31 else np.int32)
    np.minimum(idx, (high - 1)[:, None], out=idx, casting="unsafe")
    idx += excluded[:, None] & (idx >= own[posts][:, None])
    return idx
