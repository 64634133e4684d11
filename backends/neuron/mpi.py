"""Initialise NEURON's MPI when the process runs under an MPI launcher.

The NEURON wheel loads MPI at run time: ``h.nrnmpi_init()`` must run before
the first ``ParallelContext`` (which ``pyNN.neuron`` creates at import).  With
mpi4py imported first, NEURON uses the MPI that mpi4py initialised.

Outside ``mpirun`` (one process) NEURON is kept from initialising MPI
(``NEURON_INIT_MPI=0``): it would do so by itself whenever mpi4py was imported
before it (Elephant imports it), print "numprocs=1", and leave an MPI datatype
that MPICH reports at exit ("yaksa: 1 leaked handle pool objects").
"""
import os

from pynn_hpc.backends.launcher import launched_by_mpi


def init():
    if not launched_by_mpi():
        os.environ.setdefault("NEURON_INIT_MPI", "0")     # before NEURON is imported
        return 1
    try:
        from mpi4py import MPI
    except ImportError as err:
        from pynn_hpc.backends import BackendUnavailable
        raise BackendUnavailable(
            f"running under mpirun needs mpi4py built against the system MPI ({err}): run "
            "'bash scripts/install_mpi.sh' (or pip install --no-binary mpi4py mpi4py)") from err
    size = MPI.COMM_WORLD.Get_size()
    if size > 1:
        from neuron import h
        h.nrnmpi_init()
    return size


size = init()
