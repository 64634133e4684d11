"""Predict a run's connection count and peak memory before building it.

From the measured costs in :mod:`pynn_hpc.backends.costs` (a base, bytes per neuron and per
connection, fitted by ``benchmarks/memory_costs.py``), the network spread over P processes::

    peak_mb per process = base_mb + (per_neuron N + per_connection n_connections) / P

Under MPI the processes share nodes: what must fit in a node's memory is the peak of one
process times the processes on that node (from the launcher, ``processes_per_node``), not the
total of all processes.  ``nodes_needed`` says how many nodes of this machine's memory a run
of P processes needs.
"""
import math
import os

from pynn_hpc.backends.costs import costs
from .derived import derive
from .errors import ParameterError

MB = 1024.0 * 1024.0


def estimate(backend, d, processes=1):
    """Connections and predicted peak RSS (MB) per process for the network ``d`` on ``backend``."""
    c = costs(backend)
    if c is None:
        raise ParameterError(f"no measured memory costs for backend '{backend}'")
    if not (isinstance(processes, int) and processes >= 1):
        raise ParameterError(f"--processes must be a whole number >= 1 (got {processes})")
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


#: launcher variables holding the number of processes on this node: MPICH's hydra, Open MPI,
#: SLURM (whose value may read "4(x2)": 4 tasks on each of 2 nodes)
PER_NODE_VARIABLES = ("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE")


def processes_per_node(processes, given=None, environ=None):
    """MPI processes on this node: ``given`` (an option), else the launcher's, else all of them."""
    if given is not None:
        return max(1, min(int(given), processes))
    environ = os.environ if environ is None else environ
    for name in PER_NODE_VARIABLES:
        value = environ.get(name, "")
        digits = value.split("(")[0].split(",")[0].strip()
        if digits.isdigit() and int(digits) > 0:
            return min(int(digits), processes)
    return processes


def nodes_needed(est, available):
    """Fewest nodes with ``available`` MB each that hold the run's processes, or None if even
    one process does not fit in a node (then more processes are needed, not more nodes)."""
    per_process, processes = est["peak_rss_mb_per_process"], est["processes"]
    if available is None or per_process > available:
        return None
    per_node = max(1, int(available // per_process))
    return math.ceil(processes / min(per_node, processes))


def plan(backend, d, processes=1, processes_per_node=None, available=None):
    """What ``pynn-hpc estimate`` reports: (``estimate`` with ``nodes_needed``, processes on
    one node, whether they fit a node of ``available`` MB).

    With ``processes_per_node`` the run's layout is given: ``nodes_needed`` is the nodes it
    takes, or None if that many processes do not fit one node.  Without, the processes on one
    node are None and ``nodes_needed`` is :func:`nodes_needed`'s fewest nodes."""
    if not (isinstance(processes, int) and processes >= 1):
        raise ParameterError(f"--processes must be >= 1 (got {processes})")
    est = estimate(backend, d, processes)
    if processes_per_node is None:
        est["nodes_needed"] = nodes_needed(est, available)
        return est, None, None
    per_node = min(processes_per_node, processes)
    fits = available is None or est["peak_rss_mb_per_process"] * per_node <= available
    est["nodes_needed"] = math.ceil(processes / per_node) if fits else None
    return est, per_node, fits


def _fits(backend, processes, per_node, limit, **kw):
    return estimate(backend, derive(**kw), processes)["peak_rss_mb_per_process"] * per_node <= limit


def check_fits(backend, d, processes=1, available=None, options=None, per_node=None):
    """Raise ParameterError (with the numbers and options that would fit) if the run will not fit
    in this node's memory, with ``per_node`` of the ``processes`` here (default: all)."""
    available = available_mb() if available is None else available
    est = estimate(backend, d, processes)
    per_node = processes if per_node is None else per_node
    need = est["peak_rss_mb_per_process"] * per_node
    if available is None or need <= available:
        return est
    options = options or {}
    kw = dict(w0=options.get("w0", 0.001), dc_rate=d.dc_rate, compensation=d.compensation)
    hints = []
    scale = d.scale
    while scale > 1e-3 and not _fits(backend, processes, per_node, available, scale=scale,
                                     indegree_scale=d.indegree_scale, **kw):
        scale *= 0.9
    if scale > 1e-3:
        hints.append(f"--scale {scale:.3g}")
    k = d.indegree_scale
    while k > 1e-3 and not _fits(backend, processes, per_node, available, scale=d.scale,
                                 indegree_scale=k, **kw):
        k *= 0.9
    if k > 1e-3:
        hints.append(f"--indegree-scale {k:.3g}")
    where = f" ({per_node} processes on this node)" if processes > 1 else ""
    raise ParameterError(
        f"predicted peak memory {need:,.0f} MB{where} exceeds the {available:,.0f} MB available "
        f"({est['n_connections']:,} connections on {backend}): try "
        + (" or ".join(hints) if hints else "a smaller network") + ", or --force")


#: a floor under a run's wall time: no backend updates a neuron of this network, with its
#: 20.9 kHz Poisson drive, for one simulated ms in less than this many microseconds on one
#: thread.  Measured 2026-12-07 on the 2-core machine of the docs' measurements, 11,250
#: neurons at indegree x 0.001 (almost no recurrent synapses), 1,000 ms, 1 thread:
#: NEST 3.1 us, NEURON 13 us (``pynn-hpc run --scale 1 --indegree-scale 0.001 --dc-rate 0
#: --simtime 1000 --presim 0``); the floor is 6x below the fastest, for faster machines.
FLOOR_US_PER_NEURON_MS = 0.5
#: a run predicted to take longer than this (wall-clock hours, at the floor) needs --force
MAX_HOURS = 24.0


def time_floor_s(d, simulated_ms, threads=1, processes=1):
    """Seconds a run of ``d`` over ``simulated_ms`` takes at least (FLOOR_US_PER_NEURON_MS,
    every thread and process perfectly used)."""
    return (FLOOR_US_PER_NEURON_MS * 1e-6 * d.n_neurons * simulated_ms
            / (max(1, threads) * max(1, processes)))


def _duration(seconds):
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:,.3g} {unit}"
    return f"{seconds:.3g} s"


def cores():
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def check_time(d, simulated_ms, threads=1, processes=1, runs=1, force=False, hint="--force"):
    """ParameterError unless ``runs`` runs of ``d`` over ``simulated_ms`` take less than
    MAX_HOURS at the floor (:func:`time_floor_s`), and ``threads`` fit the cores, or ``force``
    (``hint``: what the message suggests to go ahead anyway)."""
    if force:
        return
    available = cores()
    if threads > available:
        raise ParameterError(f"--threads {threads} is more than this machine's {available} "
                             f"cores (slower, not faster): use at most {available}"
                             + (", or --force" if hint == "--force" else ""))
    floor = runs * time_floor_s(d, simulated_ms, threads, processes)
    if floor > MAX_HOURS * 3600:
        what = f"{runs} runs of " if runs > 1 else ""
        raise ParameterError(
            f"{what}{d.n_neurons:,} neurons for {simulated_ms:g} ms would take at least "
            f"{_duration(floor)} ({FLOOR_US_PER_NEURON_MS:g} us per neuron and ms on each of "
            f"{threads * processes} thread(s)): shorten --simtime or --scale, or {hint}")
