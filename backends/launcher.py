"""What an MPI launcher tells a process before any MPI library is loaded.

MPICH's hydra (``mpirun``/``mpiexec``), Open MPI and SLURM's ``srun`` set these for every
rank.  The backends read them before importing their simulator: NEURON to decide whether to
initialise MPI, NEST to refuse a multi-rank launch of a NEST built without MPI (which would
otherwise print its own FATAL line on every rank and exit with 127).
"""
import os

#: (size, rank) variable pairs, one per launcher
_SIZE_RANK = (("PMI_SIZE", "PMI_RANK"),                                # MPICH hydra
              ("OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"),        # Open MPI
              ("PMIX_SIZE", "PMIX_RANK"),                              # PMIx launchers
              ("SLURM_NTASKS", "SLURM_PROCID"))                        # srun

#: any of these means "started by an MPI launcher"
LAUNCHER_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS", "PMIX_RANK")


def launched_by_mpi():
    return any(v in os.environ for v in LAUNCHER_VARIABLES)


def _first(index, default):
    for pair in _SIZE_RANK:
        value = os.environ.get(pair[index])
        if value is not None and value.isdigit():
            return int(value)
    return default


def size():
    """Number of ranks the launcher started (1 outside a launcher)."""
    return _first(0, 1) if launched_by_mpi() else 1


def rank():
    """This process's rank as the launcher numbers it (0 outside a launcher)."""
    return _first(1, 0) if launched_by_mpi() else 0


def has_mpi4py():
    """Whether mpi4py's ``MPI`` module is there, found without importing it (that starts MPI)."""
    import importlib.util
    try:
        return importlib.util.find_spec("mpi4py.MPI") is not None
    except (ImportError, ValueError):       # no mpi4py package (or a None in sys.modules)
        return False
