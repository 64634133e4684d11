"""pyNN.brian2's Population with NEST's spike times (:class:`.celltypes.Recorder`)."""
from pyNN.brian2 import populations

from .celltypes import Recorder


class Population(populations.Population):
    __doc__ = populations.Population.__doc__
    _recorder_class = Recorder
