"""What the ``brian2`` backend's name switches: Brian2's device (imports no simulator: outside
the backend package, whose import loads Brian2).

``brian2`` (or ``brian2:runtime``) runs in Brian2's runtime mode: Python drives the time steps
and runs each group's compiled code (Cython), on one thread.
``brian2:standalone`` runs on Brian2's C++ standalone device: the whole simulation is
generated as one C++ program, compiled and run with ``--threads`` OpenMP threads; what the
program measured gives the run's timings and memory (:mod:`pynn_hpc.backends.brian2.runcontrol`).

:func:`parse` refuses unknown names and two devices with one line (ParameterError).
"""
from dataclasses import dataclass

from pynn_hpc.backends import one_variant

BASE = "brian2"
DEVICES = ("runtime", "standalone")


@dataclass(frozen=True)
class Variant:
    """One variant: its name as given and Brian2's device."""
    name: str
    device: str = "runtime"

    def as_dict(self):
        return {"device": self.device}


def parse(name):
    """The :class:`Variant` called ``name`` (``brian2[:DEVICE]``), or ParameterError."""
    return Variant(name, one_variant(name, BASE, DEVICES, "devices", "standalone") or "runtime")
