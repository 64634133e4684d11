"""The run protocol of the seed: build, presimulate, simulate, measure.

Timings use beNNch's names: ``time_create`` (populations, initial values,
drive, recording), ``time_connect`` (all projections), ``time_presimulate``
(the presimulation, which also pays for NEST's connection-table set-up on the
first call), ``time_simulate`` (the measured simulation only).  Rates and
spike statistics use only spikes after the presimulation.
"""
import resource
import time

import numpy as np

from pynn_hpc import backends
from . import parameters as P
from .derived import derive
from .errors import ParameterError
from .network import connect, create
from .progress import Progress
from pynn_hpc.analysis.regime import assess
from pynn_hpc.analysis.statistics import spike_statistics, weight_summary


def _peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _finite(value, option):
    """Refuse NaN and infinities (every comparison with NaN is False: they would pass the checks)."""
    if not np.isfinite(value):
        raise ParameterError(f"{option} must be a finite number (got {value})")


def check_stdp(stdp):
    """Refuse values that do not describe the power-law rule (one line, names the option)."""
    for name in ("lambda", "alpha", "mu", "tau_plus", "tau_minus", "w0"):
        _finite(stdp[name], "--" + name.replace("_", "-"))
    if not 0.0 <= stdp["mu"] <= 1.0:
        raise ParameterError(f"--mu must lie in [0, 1] (got {stdp['mu']})")
    for name, option in (("lambda", "--lambda"), ("alpha", "--alpha")):
        if stdp[name] < 0:
            raise ParameterError(f"{option} must be >= 0 (got {stdp[name]})")
    for name, option in (("tau_plus", "--tau-plus"), ("tau_minus", "--tau-minus")):
        if not stdp[name] > 0:
            raise ParameterError(f"{option} must be > 0 ms (got {stdp[name]})")
    if not stdp["w0"] > 0:
        raise ParameterError(f"--w0 must be > 0 nA (got {stdp['w0']})")


def check_run(threads, simtime, presim):
    if not (isinstance(threads, int) and threads > 0):
        raise ParameterError(f"--threads must be a whole number > 0 (got {threads})")
    _finite(simtime, "--simtime")
    _finite(presim, "--presim")
    if not simtime > 0:
        raise ParameterError(f"--simtime must be > 0 ms (got {simtime})")
    if not presim >= 0:
        raise ParameterError(f"--presim must be >= 0 ms (got {presim})")


def configure(scale=P.RUN["scale"], indegree_scale=P.SCALING["indegree_scale"],
              dc_rate=P.SCALING["dc_rate"], threads=P.RUN["threads"], simtime=P.RUN["simtime"],
              presim=P.RUN["presim"], stdp=None, compensation="dc"):
    """Check every option and derive the network; raises ParameterError naming the option."""
    stdp = dict(P.STDP, **(stdp or {}))
    check_run(threads, simtime, presim)
    check_stdp(stdp)
    return derive(scale, w0=stdp["w0"], indegree_scale=indegree_scale, dc_rate=dc_rate,
                  compensation=compensation), stdp


def run(sim, scale=P.RUN["scale"], indegree_scale=P.SCALING["indegree_scale"],
        dc_rate=P.SCALING["dc_rate"], threads=P.RUN["threads"], simtime=P.RUN["simtime"],
        presim=P.RUN["presim"], seed=P.RUN["seed"], stdp=None, weight_sample=20000,
        compensation="dc", progress=None):
    """Build and run the network on backend module ``sim``; return (results, spikes Block).

    Every MPI rank returns the same results; only rank 0 holds the spikes.  ``progress``
    (:class:`pynn_hpc.progress.Progress`, silent by default) shows the phases; the
    presimulation and simulation advance in short chunks through it (unless the backend sets
    ``CHUNKED_RUN = False``), so that progress is seen and a signal is handled within a second.
    """
    d, stdp = configure(scale, indegree_scale, dc_rate, threads, simtime, presim, stdp, compensation)
    progress = Progress(enabled=False) if progress is None else progress

    timings = {}
    progress.phase("create", f"{d.n_neurons:,} neurons, Poisson drive, recording")
    t0 = time.perf_counter()
    sim.setup(timestep=P.RUN["dt"], min_delay=d.delay, max_delay=d.delay,
              threads=threads, rng_seed=seed)
    E, I, recorded, drive = create(sim, d, seed)
    timings["time_create"] = time.perf_counter() - t0

    progress.phase("connect", f"{d.n_connections:,} connections")
    t0 = time.perf_counter()
    projections = connect(sim, E, I, drive, d, seed, stdp=stdp)
    timings["time_connect"] = time.perf_counter() - t0
    rss_built = _peak_rss_mb()
    if not backends.hook(sim, "produces_data")():
        # the backend maps the network but records nothing (a SpiNNaker virtual board)
        progress.phase("map", "placement, routing; no spikes without a board")
        sim.run(presim + simtime)
        report = sim.port_report(projections, d)
        sim.end()
        return {"port": report, "timings": timings}, None

    t0 = time.perf_counter()
    progress.simulate(sim, presim, "presimulate", P.RUN["dt"])
    timings["time_presimulate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    progress.simulate(sim, simtime, "simulate", P.RUN["dt"])
    timings["time_simulate"] = time.perf_counter() - t0
    progress.phase("measure", "spikes, weights")
    peak_rss = _peak_rss_mb()

    block = recorded.get_data("spikes", gather=True)
    spiketrains = block.segments[0].spiketrains if sim.rank() == 0 else []
    spikes = spike_statistics(spiketrains, presim, presim + simtime) if sim.rank() == 0 else {}
    regime = assess(spikes) if spikes else {}
    # about `weight_sample` E->E synapses: 100 sources x n_post targets x CE/NE per pair
    n_pre = min(100, d.NE)
    n_post = int(min(d.NE, max(1, round(weight_sample * d.NE / (n_pre * d.CE)))))
    sample = projections["EE"].sample("weight", n_pre=n_pre, n_post=n_post,
                                      rng=np.random.default_rng(seed))["weight"]

    ranks = {}
    if sim.num_processes() > 1:
        # each process holds the synapses onto its own neurons: the sample is their union
        from pyNN.recording import gather_array, gather_dict
        sample = gather_array(np.asarray(sample, dtype=float))
        ranks = gather_dict({sim.rank(): {"timings": dict(timings), "peak_rss_mb": peak_rss}},
                            all=True)
        peak_rss = max(r["peak_rss_mb"] for r in ranks.values())
    n_connections = int(sum(prj.size(gather=True) for prj in projections.values()))
    results = {
        "backend": backends.name_of(sim),
        **sim.versions(),
        "scale": scale,
        "indegree_scale": d.indegree_scale,
        "n_neurons": d.n_neurons,
        "n_connections": n_connections,
        "n_connections_expected": d.n_connections,
        "threads": threads,
        "mpi_processes": sim.num_processes(),
        "seed": seed,
        "presim_ms": presim,
        "simtime_ms": simtime,
        "dt_ms": P.RUN["dt"],
        "timings": timings,
        "real_time_factor": timings["time_simulate"] / (simtime / 1000.0),
        "peak_rss_mb": peak_rss,      # the largest over MPI processes
        "ranks": {str(k): v for k, v in sorted(ranks.items())},
        "rss_after_connect_mb": rss_built,
        **spikes,
        "regime": regime,
        "weights_EE": weight_summary(sample),
        "weights_EE_sample": np.asarray(sample, dtype=float),     # written as weights_EE.npy
        "derived": d.as_dict(),
        "stdp": stdp,
    }
    port_report = backends.hook(sim, "port_report")
    if port_report is not None:
        results["port"] = port_report(projections, d)      # written as port.json
    sim.end()
    return results, block
