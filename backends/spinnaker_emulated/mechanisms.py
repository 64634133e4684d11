"""The emulation's NMODL (``nmodl/``): sPyNNaker's IF_curr_alpha cell (``SpiNNakerLIFAlpha``)
and its pair rule in fixed point (``SpiNNakerPairRule``, a rule of the NEURON backend's
synaptic matrices), both running the SpiNNaker backend's own C (``spinnaker/c``, on their
include path by the path under it).  They are built into a library of their own and loaded
after the NEURON backend's (:func:`pynn_hpc.backends.neuron.mechanisms.load_folder`), whose C
interface they use (``neuron/nmodl/synaptic_matrix.h``)."""
from pathlib import Path

from pynn_hpc.backends.neuron import mechanisms as neuron_mechanisms

HERE = Path(__file__).resolve().parent
NMODL = HERE / "nmodl"
#: the SpiNNaker backend's C, #included by its path under this directory
SPINNAKER_C = HERE.parent / "spinnaker" / "c"
INCLUDE_DIRS = (SPINNAKER_C, neuron_mechanisms.OURS)


def load():
    """Build if needed and load the library (once); its directory."""
    return neuron_mechanisms.load_folder(NMODL, INCLUDE_DIRS)
