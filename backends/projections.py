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
