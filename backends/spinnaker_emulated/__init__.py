"""``spinnaker-emulated``: the network on NEURON with sPyNNaker's numerics, each switchable by name.

This package is the backend module :func:`pynn_hpc.backends.load` returns.  Importing it (or
:mod:`.variants`, which parses the backend's names) imports no simulator: the first name asked
of it imports :mod:`.backend` (the NEURON backend, sPyNNaker's fixed point, this package's
mechanisms) and is answered from there, as is every later one.

* :mod:`.backend`: the backend (the NEURON backend's API, with the numerics applied before the
  first run);
* :mod:`.variants`: what a name switches (deviations and corrections);
* :mod:`.cell`: sPyNNaker's IF_curr_alpha as a NEURON cell;
* :mod:`.mechanisms`: ``nmodl/`` (the cell, ``SpiNNakerLIFAlpha.mod``; the fixed-point rule,
  ``SpiNNakerPairRule.mod``), built and loaded as an extension of the NEURON backend's.

The derivations and the deviations are explained in docs/emulation.md.
"""
import importlib

_SUBMODULES = ("backend", "variants", "cell", "mechanisms")


def _backend():
    return importlib.import_module(f"{__name__}.backend")


def __getattr__(name):
    if name in _SUBMODULES:         # (``from . import variants`` asks before importing it)
        return importlib.import_module(f"{__name__}.{name}")
    if name == "__all__":           # ``from ... import *``: the backend's names
        return [n for n in dir(_backend()) if not n.startswith("_")]
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(_backend(), name)


def __dir__():
    return sorted(set(globals()) | set(dir(_backend())))
