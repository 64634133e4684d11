"""Brian2 backend (in progress)."""
import pyNN.brian2  # noqa: F401
from pyNN.brian2 import *  # noqa: F401,F403

from .synapses import (StaticSynapse, SpikePairRule, PowerLawWeightDependence,  # noqa: F401
                       STDPMechanism)
from .runcontrol import setup, versions, SIMULATOR  # noqa: F401
from .replay import replay  # noqa: F401
