"""What both backends' Projections change in PyNN's, written once.

PyNN's ``Projection.set`` builds the dense N_pre x N_post weight matrix on every call (one
double per pair: 650 MB and a Python loop over every connection at the seed's E->E).  A
backend's Projection mixes this in and supplies ``_connection_arrays(names)`` ->
(pre indices, post indices, [values, ...]) in PyNN units, from which ``get(format="array")``
is built.
"""
import numpy as np
from pyNN import common


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
        """Dense arrays, NaN where there is no connection, multapses combined as PyNN does."""
        op = common.Projection.MULTI_SYNAPSE_OPERATIONS[multiple_synapses]
        names = [n[:-1] if n.endswith("s") else n for n in names]
        pre, post, values = self._connection_arrays(names)
        arrays = []
        for vals in values:
            arr = np.full((self.pre.size, self.post.size), np.nan)
            for i, j, v in zip(pre, post, vals):
                arr[i, j] = v if np.isnan(arr[i, j]) else op(arr[i, j], v)
            arrays.append(arr)
        return arrays
