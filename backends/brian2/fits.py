"""Whether a network fits this machine on Brian2 (the interface's ``check_fits`` hook).

Peak memory is predicted as for the other backends (:mod:`pynn_hpc.estimate`)::

    peak RSS (MB) ~ base_mb + per_neuron_kb N / 1024 + per_connection_b n_connections / 2^20

with Brian2's own costs (``pynn_hpc.backends.costs``, measured with
``benchmarks/memory_costs.py``), the runtime mode's or the standalone device's.
The hook also refuses more than one process (no MPI in Brian2, runtime or standalone).  Whether
Brian2 can compile here is the ``check_ready`` hook (:func:`.runcontrol.check_compiler`).
"""
from pynn_hpc import estimate as E
from pynn_hpc.errors import ParameterError

from . import runcontrol


def estimate(d):
    """Predicted peak RSS (MB) of the network ``d`` on Brian2's configured device, as
    ``pynn-hpc estimate --backend brian2[:standalone]`` predicts it."""
    return E.estimate("brian2:standalone" if runcontrol.standalone() else "brian2", d)


def check_fits(d, processes=1, options=None):
    """The estimate for ``d``; ParameterError (one line) if it cannot run here."""
    if processes != 1:
        raise ParameterError(f"Brian2 runs in one process (got {processes} MPI processes): "
                             "run without mpirun (brian2:standalone --threads N uses N cores)")
    est = estimate(d)
    available = E.available_mb()
    need = est["peak_rss_mb_per_process"]
    if available is not None and need > available:
        raise ParameterError(f"predicted peak memory {need:,.0f} MB exceeds the "
                             f"{available:,.0f} MB available ({d.n_connections:,} connections "
                             "on brian2): try a smaller --scale or --indegree-scale")
    return est
