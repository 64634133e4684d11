"""setup(), versions() and the code generation target of the Brian2 backend.

Brian2 runs in its runtime mode: Python drives the time steps and every group's code is
generated and compiled (Cython, cached per code in Brian2's cache directory) on first use.
``setup(codegen="numpy")`` runs the same abstract code through numpy instead (no compiler,
slower per step); ``PYNN_HPC_BRIAN2_TARGET`` sets the default.

``setup`` starts pyNN.brian2's network afresh and removes what this backend does not use
and what would cost a Python call per step: pyNN.brian2's network operation for current
sources (none in this model) and the snapshot PyNN stores before the first run (for
``reset``, a copy of every synapse; ``reset`` is therefore refused).  Brian2 objects get
names that do not depend on what else the process made (:func:`name`): compiled code is
then found in Brian2's cache by the next process that builds the same network.

``rng_seed`` seeds Brian2 (its ``seed()``: numpy and the generated code's generators), so
the Poisson drive (``poisson()`` in the neurons' update, :mod:`.celltypes`) is one stream
per seed.  ``threads`` would be C++ standalone's OpenMP threads; the runtime mode runs on
one thread whatever ``threads`` says (it warns once, and ``versions()`` reports
``threads_used``: 1 into results.json).
"""
import os
import sys

import brian2
import numpy as np
import pyNN
import pyNN.brian2
from pyNN.brian2 import simulator

SIMULATOR = "Brian2"
TARGETS = ("cython", "numpy")
_run = {"seed": 1, "target": None}


def versions():
    return {"simulator": SIMULATOR, "simulator_version": brian2.__version__,
            "pynn_version": pyNN.__version__, "codegen": target(), "threads_used": 1}


def target():
    """The code generation target of this process (``setup(codegen=...)``, or the default)."""
    return _run["target"] or os.environ.get("PYNN_HPC_BRIAN2_TARGET", "cython")


def seed():
    return _run["seed"]


def name(kind):
    """A name for a Brian2 object, the same for the same network in every process.

    Brian2 names the arrays in the generated code after their objects, and its cache of
    compiled code (Cython) is keyed by that code: its default names (``neurongroup_3``)
    count the objects still alive in the process, so that a network built after another
    one would compile its code again.  Names restart at every ``setup``.
    """
    names = _run.setdefault("names", {})
    k = names.get(kind, 0)
    names[kind] = k + 1
    return f"pynn_hpc_{kind}_{k}"


def setup(timestep, min_delay, max_delay, threads=1, rng_seed=1, codegen=None, **extra):
    """PyNN's setup on Brian2's runtime mode, one thread whatever ``threads`` (module doc);
    ``codegen``: "cython" or "numpy", kept for later setups in the process."""
    if not (isinstance(threads, int) and threads > 0):
        raise ValueError(f"threads must be a whole number > 0 (got {threads})")
    if threads != 1 and not _run.get("warned"):
        _run["warned"] = True
        print(f"pynn-hpc: Brian2's runtime mode runs on one thread (threads={threads} not used)",
              file=sys.stderr)
    codegen = codegen or target()
    if codegen not in TARGETS:
        raise ValueError(f"codegen must be one of {', '.join(TARGETS)} (got {codegen!r})")
    _run["target"] = codegen
    check_compiler(codegen)
    brian2.prefs.codegen.target = codegen
    brian2.prefs.codegen.loop_invariant_optimisations = True
    rank = pyNN.brian2.setup(timestep=timestep, min_delay=min_delay, max_delay=max_delay,
                             **extra)
    network = simulator.state.network
    network.clock = brian2.Clock(timestep * brian2.ms, name="pynn_hpc_clock")
    _run["names"] = {}
    for obj in list(network.objects):
        if isinstance(obj, brian2.NetworkOperation):      # pyNN's current sources: none here
            network.remove(obj)
            obj._network = network.id                     # (Brian2 would warn it never ran)
    network.store = _no_store
    _run["seed"] = int(rng_seed)
    brian2.seed(int(rng_seed))
    np.random.seed(int(rng_seed) % 2**32)
    return rank


def check_compiler(codegen=None):
    """BackendBroken (one line) if the code generation target cannot compile here."""
    codegen = codegen or target()
    if codegen != "cython":
        return
    from brian2.codegen.runtime.cython_rt import CythonCodeObject
    if not CythonCodeObject.is_available():
        from pynn_hpc.backends import BackendBroken
        raise BackendBroken("Brian2 cannot compile its Cython code here (a C++ compiler and "
                            "Cython are needed; see Brian2's log for the compiler's message), "
                            "or run with PYNN_HPC_BRIAN2_TARGET=numpy (slower)")


def _no_store(*args, **kwargs):
    """PyNN's snapshot for ``reset`` copies every synapse: not taken (module doc)."""


def reset(annotations=None):
    raise NotImplementedError("pynn_hpc's Brian2 backend does not support reset(): "
                              "call setup() and build the network again")


def quiet():
    """Brian2's info-level messages (code generation fallbacks) off the console."""
    brian2.BrianLogger.suppress_hierarchy("brian2.codegen")
    brian2.BrianLogger.suppress_hierarchy("brian2.devices")
