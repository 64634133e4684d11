"""NEURON backend: PyNN's ``pyNN.neuron`` plus what this model needs, translated for NEURON.

What is translated here, and why (measured: the docs' "Backends" page, and the modules):

* NMODL mechanisms (``nmodl/``), compiled once per installation with PyNN's
  own into a cache directory (:mod:`.mechanisms`, which also compiles and loads other
  packages' mechanism folders that use the C interface ``nmodl/synaptic_matrix.h``):
  ``AlphaISynExact``, an alpha-current synapse integrated exactly with two
  state variables, for ``IF_curr_alpha`` (PyNN's ``AlphaISyn`` queues at most
  1000 events and drops the rest), optionally drawing a Poisson drive itself;
  ``SynapticMatrix``, a projection's synapses onto one thread's neurons as rows
  by presynaptic neuron in C, static or with NEST's ``stdp_pl_synapse_hom`` rule
  (:mod:`.projection`, :mod:`.synapses`), or with a rule another library attaches.
* Fixed step with Crank-Nicolson, for which the synapses give the exact
  step response (:mod:`.runcontrol`, ``nmodl/alpha_exact.inc``).
* Projections are synaptic matrices: one NetCon per presynaptic neuron and
  matrix, none per connection (NEURON's NetCon costs ~290 B and 0.6 us even
  made from C); connectors draw all indices with numpy
  (:mod:`.projection`, :mod:`.connector`).
* ``SpikeSourcePoisson`` feeds exactly one target each: the train is drawn in
  the target's synapse per step from a Random123 stream (:mod:`.celltypes`).
* MPI: with mpi4py under ``mpirun``, NEURON's MPI is initialised before PyNN
  creates its ParallelContext; cells are distributed round-robin by PyNN and
  every random draw is independent of the number of ranks.
"""
import contextlib
import io
import os
import warnings

os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")   # no "no DISPLAY" banner

from . import mpi  # noqa: E402  (before NEURON creates a ParallelContext)
from . import mechanisms  # noqa: E402

mechanisms.load()

with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
    # "Mechanisms already loaded ..." (stdout), "mpi4py not available" (one process)
    warnings.simplefilter("ignore")
    import pyNN  # noqa: E402,F401
    import pyNN.neuron  # noqa: E402
    from pyNN.neuron import *  # noqa: E402,F401,F403  (the PyNN API on NEURON)

from .celltypes import IF_curr_alpha, SpikeSourcePoisson  # noqa: E402,F401
from .synapses import (StaticSynapse, SpikePairRule, PowerLawWeightDependence,  # noqa: E402,F401
                       STDPMechanism)
from .projection import Projection  # noqa: E402,F401
from .connector import (FixedNumberPreConnector, OneToOneConnector,  # noqa: E402,F401
                         AllToAllConnector)
from .runcontrol import setup, versions, SIMULATOR  # noqa: E402,F401
from .replay import replay  # noqa: E402,F401
