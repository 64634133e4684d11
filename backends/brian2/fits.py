"""Whether a network fits this machine on Brian2 (the interface's ``check_fits`` hook).

Peak memory is predicted as for the other backends (:mod:`pynn_hpc.estimate`)::

    peak RSS (MB) ~ base_mb + per_neuron_kb N / 1024 + per_connection_b n_connections / 2^20

with Brian2's own costs, :data:`COSTS` (measured with ``pynn-hpc run --backend brian2``).
The hook also refuses more than one process (no MPI in Brian2, runtime or standalone).  Whether
Brian2 can compile here is the ``check_ready`` hook (:func:`.runcontrol.check_compiler`).
"""
from pynn_hpc import estimate as E
from pynn_hpc.errors import ParameterError

COSTS = {
    "measured": "2026-12-07, Brian2 2.9.0 runtime (Cython), PyNN 0.13.0, 1 thread, 2-core x86_64; "
                "fitted to 4 runs of 10 + 20 ms (3,375 to 11,250 neurons, 3.8 M to 15.2 M "
                "connections), worst error 1.1 %",
    "base_mb": 320.6,
    "per_neuron_kb": 1.97,
    "per_connection_b": 38.31,
}
MB = 1024.0 * 1024.0


def estimate(d):
    """Predicted peak RSS (MB) of the network ``d`` on Brian2, as ``pynn-hpc estimate``'s."""
    c = COSTS
    variable = (c["per_neuron_kb"] * 1024.0 * d.n_neurons
                + c["per_connection_b"] * d.n_connections) / MB
    return {"backend": "brian2", "n_neurons": d.n_neurons, "n_connections": d.n_connections,
            "n_plastic": d.n_plastic, "processes": 1,
            "peak_rss_mb_per_process": c["base_mb"] + variable, "costs": dict(c)}


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
