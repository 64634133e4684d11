"""pyNN.brian2's Population with NEST's spike times and PyNN's random draws.

* spike times: :class:`.celltypes.Recorder`;
* initial values drawn from a ``RandomDistribution`` come from its generator itself:
  pyNN.brian2 applies the unit to a copy of the lazy array (and of its generator), so that
  every population drew the same numbers (E's first values were I's).
"""
import numpy as np
from pyNN.brian2 import populations

from .celltypes import Recorder


class Population(populations.Population):
    __doc__ = populations.Population.__doc__
    _recorder_class = Recorder

    def _set_initial_value_array(self, variable, value):
        translation = self.celltype.state_variable_translations[variable]
        values = np.asarray(value.evaluate(simplify=False), dtype=float)
        transform = translation["forward_transform"]
        if callable(transform):
            native = transform(**{variable: values})
        else:
            native = eval(transform, vars(populations), {variable: values})
        self.brian2_group.initial_values[translation["translated_name"]] = native
        self.brian2_group.initialize()
