"""Simulator backends: each translates the PyNN model of :mod:`pynn_hpc` for one simulator.

A backend module is a PyNN simulator module (``from pyNN.<sim> import *``)
plus the model's additions translated for its simulator:
``PowerLawWeightDependence``, fast native connectors, and a few
introspection helpers (``versions()``, ``Projection.sample``).
"""
import importlib


class BackendUnavailable(RuntimeError):
    """The simulator of a known backend cannot be imported here."""


class BackendBroken(BackendUnavailable):
    """The backend is installed but cannot start (e.g. its NMODL build failed): the message says why."""


#: name -> (module, pip extra that installs it, what it needs besides pip)
BACKENDS = {
    "nest": ("pynn_hpc.backends.nest", "nest", "the nest-simulator wheel"),
    "neuron": ("pynn_hpc.backends.neuron", "neuron", "the NEURON wheel; needs a C compiler for NMODL"),
}


def names():
    return list(BACKENDS)


def install_hint(name):
    _, extra, what = BACKENDS[name]
    return f"pip install 'pynn_hpc[{extra}]' (installs {what})"


def load(name):
    """Import and return the backend module called ``name``."""
    if name not in BACKENDS:
        raise BackendUnavailable(f"unknown backend '{name}': choose one of {', '.join(BACKENDS)}")
    module, _, _ = BACKENDS[name]
    try:
        return importlib.import_module(module)
    except ImportError as err:
        if (err.name or "").startswith("pynn_hpc"):   # our own module missing: a broken install
            raise BackendBroken(f"backend '{name}' is missing from this installation of pynn_hpc "
                                f"({err}): reinstall pynn_hpc") from err
        raise BackendUnavailable(
            f"backend '{name}' is not installed ({err}): {install_hint(name)}") from err
