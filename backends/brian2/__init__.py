"""Brian2 backend: PyNN's ``pyNN.brian2`` plus what this model needs, translated for Brian2.

What is translated here, and why:

* ``IF_curr_alpha`` is NEST's ``iaf_psc_alpha`` step by step: exact propagators of the
  membrane and the alpha currents, NEST's order within a step (input, threshold,
  refractoriness, reset) and its spike times (:mod:`.celltypes`).  pyNN.brian2's own
  integrates the equations with Brian2's generic methods.
* The power-law STDP rule (NEST's ``stdp_pl_synapse_hom``) as Brian2 ``Synapses`` code with
  all of the delay dendritic: pre- and postsynaptic pathways with delays d and 2 d, the
  postsynaptic one first in a step (:mod:`.synapses`).  pyNN.brian2 refuses STDP with
  dendritic delays.
* ``SpikeSourcePoisson`` feeds exactly one target each: the target draws the train per step
  with ``poisson()`` in its own update, from Brian2's generator seeded by ``setup``: no
  spike events, no queue (:mod:`.celltypes`).
* Projections are one ``Synapses`` object each, connected once from index arrays that the
  connectors draw with numpy (:mod:`.projection`, :mod:`.connector`).
* Runtime mode with Cython code generation (numpy on request), one thread, by default;
  ``brian2:standalone`` runs Brian2's C++ standalone device with ``threads`` OpenMP threads:
  the run is one generated program, compiled and run after the last ``run`` call by the
  interface's ``complete_run`` hook (:mod:`.runcontrol`).
"""
import warnings

from pynn_hpc.backends import BackendBroken

with warnings.catch_warnings():
    # Brian2 2.9 calls pyparsing's camel-case names, which pyparsing 3.3 deprecates, at import
    warnings.simplefilter("ignore")
    try:
        import brian2  # noqa: F401  (a missing Brian2 is named by the backend registry)
        import brian2.stateupdaters.explicit  # noqa: F401
        import pyNN.brian2  # noqa: F401
    except ImportError:
        raise
    except Exception as err:      # e.g. Brian2 2.9.0 with numpy 2.4: installed but broken
        raise BackendBroken(f"Brian2 cannot be imported ({type(err).__name__}: {err}): "
                            "pip install 'brian2==2.9.0' 'numpy<2.4'") from err
    from pyNN.brian2 import *  # noqa: F401,F403  (the PyNN API on Brian2)

from pynn_hpc.backends import brian2_variants as variants
from .runcontrol import setup, versions, reset, end, complete_run, SIMULATOR  # noqa: F401
from .celltypes import IF_curr_alpha, SpikeSourcePoisson, SpikeSourceArray  # noqa: F401
from .population import Population  # noqa: F401
from .synapses import (StaticSynapse, SpikePairRule, PowerLawWeightDependence,  # noqa: F401
                       STDPMechanism)
from .projection import Projection  # noqa: F401
from .connector import (FixedNumberPreConnector, OneToOneConnector,  # noqa: F401
                        AllToAllConnector)
from .replay import replay  # noqa: F401
from .fits import check_fits  # noqa: F401
from .runcontrol import check_compiler as check_ready  # noqa: F401
from . import runcontrol

runcontrol.quiet()

#: a Brian2 run() call in runtime mode prepares every code object again (~0.5 s measured on
#: the teaching network), and in standalone it only records: each phase is one call
CHUNKED_RUN = False

#: the name this backend was loaded by (a variant's as given: :func:`configure`)
NAME = variants.BASE


def configure(variant):
    """Brian2's device as ``variant`` says
    (:class:`pynn_hpc.backends.brian2_variants.Variant`), for the setups that follow."""
    global NAME
    NAME = variant.name
    runcontrol.configure(variant.device)
