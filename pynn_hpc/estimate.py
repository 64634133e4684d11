"""Predict a run's connection count and peak memory before building it.

From the measured costs in :mod:`pynn_hpc.backends.costs` (a base, bytes per neuron and per
connection, fitted by ``benchmarks/memory_costs.py``), the network spread over P processes:

    peak_mb per process = base_mb + (per_neuron N + per_connection n_connections) / P
"""

from .backends.costs import COSTS
from .derived import ParameterError, derive

MB = 1024.0 * 1024.0


def estimate(backend, d, processes=1):
    """Connections and predicted peak RSS (MB) per process for the network ``d`` on ``backend``."""
    if backend not in COSTS:
        raise ParameterError(f"no measured memory costs for backend '{backend}'")
    c = COSTS[backend]
    variable = (c["per_neuron_kb"] * 1024.0 * d.n_neurons + c["per_connection_b"] * d.n_connections) / MB
    return {"backend": backend, "n_neurons": d.n_neurons, "n_connections": d.n_connections,
            "n_plastic": d.n_plastic, "processes": processes,
            "peak_rss_mb_per_process": c["base_mb"] + variable / processes,
            "costs": dict(c)}


def available_mb():
    """MemAvailable of this machine (MB), or None where /proc/meminfo is not there."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def _fits(backend, processes, limit, **kw):
    return estimate(backend, derive(**kw), processes)["peak_rss_mb_per_process"] * processes <= limit


def check_fits(backend, d, processes=1, available=None, options=None):
    """Raise ParameterError (with the numbers and options that would fit) if the run will not fit."""
    available = available_mb() if available is None else available
    est = estimate(backend, d, processes)
    need = est["peak_rss_mb_per_process"] * processes
    if available is None or need <= available:
        return est
    options = options or {}
    kw = dict(w0=options.get("w0", 0.001), dc_rate=d.dc_rate, compensation=d.compensation)
    hints = []
    scale = d.scale
    while scale > 1e-3 and not _fits(backend, processes, available, scale=scale,
                                     indegree_scale=d.indegree_scale, **kw):
        scale *= 0.9
    if scale > 1e-3:
        hints.append(f"--scale {scale:.3g}")
    k = d.indegree_scale
    while k > 1e-3 and not _fits(backend, processes, available, scale=d.scale, indegree_scale=k, **kw):
        k *= 0.9
    if k > 1e-3:
        hints.append(f"--indegree-scale {k:.3g}")
    raise ParameterError(
        f"predicted peak memory {need:,.0f} MB exceeds the {available:,.0f} MB available "
        f"({est['n_connections']:,} connections on {backend}): try "
        + (" or ".join(hints) if hints else "a smaller network") + ", or --force")
