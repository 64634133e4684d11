"""The run protocol of the seed: check, build, presimulate, simulate, measure, write.

* :func:`network_options`: a preset and explicit options, resolved and checked before
  anything is built (what ``pynn-hpc run``, ``estimate`` and ``compare`` ask for);
* :func:`run`: build and run the network on a loaded backend, return the measurements;
* :func:`prepare_run` and :meth:`PreparedRun.run`, or :func:`run_to` for both: a run written
  to a directory (``pynn-hpc run``): the network checked, that it fits the machine, the output
  directory claimed; then the run, and MPI rank 0 writes a backend's ``port.json``, the
  spikes, the weight sample and ``results.json`` (last: it says the run finished).

Timings use beNNch's names: ``time_create`` (populations, initial values,
drive, recording), ``time_connect`` (all projections), ``time_presimulate``
(the presimulation, which also pays for NEST's connection-table set-up on the
first call), ``time_simulate`` (the measured simulation only).  Rates and
spike statistics use only spikes after the presimulation.  A backend that runs a
recorded simulation afterwards (its ``complete_run`` hook: Brian2's C++ standalone)
adds the times it measured to these phases, and ``time_build``, the time to generate and
compile the program; results.json's ``program`` keeps what it reported.
"""
import numbers
import resource
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from pynn_hpc import backends
from . import parameters as P, presets, rundir
from .derived import Derived, derive
from .errors import ParameterError
from .seeds import check_seed
from .network import connect, create
from .progress import Progress
from pynn_hpc.analysis.regime import assess
from pynn_hpc.analysis.statistics import spike_statistics, weight_summary


def _peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _finite(value, option):
    """Refuse NaN and infinities (every comparison with NaN is False: they would pass the
    checks)."""
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


#: the most threads per process any run may ask for (beyond the cores needs ``force``)
MAX_THREADS = 1024
#: the largest --scale: 11,250 x scale neurons must have 32-bit indices (NEST, NEURON, PyNN)
MAX_SCALE = (2**31 - 1) / (P.NETWORK["NE"] + P.NETWORK["NI"])


def on_grid(value, option, dt=P.RUN["dt"]):
    """``value`` (ms) as a whole number of time steps; ParameterError naming the nearest."""
    steps = value / dt
    if abs(steps - round(steps)) > 1e-6 * max(1.0, abs(steps)):
        raise ParameterError(f"{option} must be a whole number of time steps ({dt:g} ms): "
                             f"{value:g} is not (use {round(steps) * dt:g})")
    return round(steps)


def check_run(threads, simtime, presim):
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 1:
        raise ParameterError(f"--threads must be a whole number > 0 (got {threads})")
    if threads > MAX_THREADS:
        raise ParameterError(f"--threads {threads} is more than {MAX_THREADS} threads per "
                             "process: use MPI processes (mpirun -np) for more cores")
    _finite(simtime, "--simtime")
    _finite(presim, "--presim")
    if not simtime > 0:
        raise ParameterError(f"--simtime must be > 0 ms (got {simtime})")
    if not presim >= 0:
        raise ParameterError(f"--presim must be >= 0 ms (got {presim})")
    if simtime < P.RUN["dt"] * (1 - 1e-9):
        raise ParameterError(f"--simtime must be at least one time step, {P.RUN['dt']:g} ms "
                             f"(got {simtime:g})")
    on_grid(simtime, "--simtime")
    on_grid(presim, "--presim")


def configure(scale=P.RUN["scale"], indegree_scale=P.SCALING["indegree_scale"],
              dc_rate=P.SCALING["dc_rate"], threads=P.RUN["threads"], simtime=P.RUN["simtime"],
              presim=P.RUN["presim"], stdp=None, compensation="dc"):
    """Check every option and derive the network; raises ParameterError naming the option."""
    stdp = dict(P.STDP, **(stdp or {}))
    check_run(threads, simtime, presim)
    check_stdp(stdp)
    return derive(scale, w0=stdp["w0"], indegree_scale=indegree_scale, dc_rate=dc_rate,
                  compensation=compensation), stdp


class Network(NamedTuple):
    """A network request resolved and checked (:func:`network_options`)."""
    options: dict       # scale, indegree_scale, dc_rate, threads, simtime, presim, seed
    derived: Derived    # the network's numbers (sizes, indegrees, weights, drive)
    stdp: dict          # the power-law rule's parameters, every one


#: ``network_options``' numbers and the options that name them in messages
_NUMBERS = {"scale": "--scale", "indegree_scale": "--indegree-scale", "dc_rate": "--dc-rate",
            "simtime": "--simtime", "presim": "--presim"}


def _number(value, option):
    """Refuse what is not a real number (a string, a bool): a Python caller's mistake that
    the CLI's parser catches first."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(f"{option} must be a number (got {value!r})")


def network_options(preset=None, *, scale=None, indegree_scale=None, dc_rate=None,
                    compensation="dc", threads=None, simtime=None, presim=None, seed=None,
                    stdp=None, backend="nest", processes_per_node=None):
    """The network ``preset`` and the options ask for, checked before anything is built.

    Defaults, then the preset's values (:data:`pynn_hpc.presets.PRESETS`), then the options
    that are not None.  ``stdp``: the power-law rule's parameters that differ from the
    seed's (:data:`pynn_hpc.parameters.STDP`).  ``backend`` and ``processes_per_node`` are
    checked too, so that a run is refused before its simulator is imported.  Returns a
    :class:`Network` (options, derived, stdp); ParameterError names the option to change.
    """
    if compensation == "weights" and dc_rate is not None:
        raise ParameterError("--dc-rate applies to --compensation dc only (weights J/k need no "
                             "DC current): drop --dc-rate or use --compensation dc")
    given = {"scale": scale, "indegree_scale": indegree_scale, "dc_rate": dc_rate,
             "simtime": simtime, "presim": presim}
    for name, value in given.items():
        if value is not None:
            _number(value, _NUMBERS[name])
    if seed is not None:
        check_seed(seed)
    if scale is not None and scale > MAX_SCALE:
        raise ParameterError(f"--scale {scale:g} is beyond {MAX_SCALE:,.0f}: more than 2^31 "
                             "neurons have no 32-bit index")
    unknown = sorted(set(stdp or {}) - set(P.STDP))
    if unknown:
        raise ParameterError(f"unknown STDP parameter(s) {', '.join(unknown)}: the rule's are "
                             f"{', '.join(P.STDP)}")
    for name, value in (stdp or {}).items():
        _number(value, "--" + name.replace("_", "-"))
    opts = presets.resolve(preset, threads=threads, seed=seed, **given)
    d, stdp = configure(opts["scale"], opts["indegree_scale"], opts["dc_rate"], opts["threads"],
                        opts["simtime"], opts["presim"], stdp, compensation)
    backends.check_name(backend)          # unknown backend or variant: ParameterError
    if processes_per_node is not None and (isinstance(processes_per_node, bool) or not
                                           isinstance(processes_per_node, numbers.Integral)
                                           or processes_per_node < 1):
        raise ParameterError(f"--processes-per-node must be >= 1 (got {processes_per_node})")
    return Network(opts, d, stdp)


def _count(projections):
    return int(sum(prj.size(gather=True) for prj in projections.values()))


def _complete(sim, timings, presim, progress):
    """A backend whose runs were only recorded (its ``complete_run`` hook) runs them now:
    the seconds it reports are added to the phases that made the calls (the set-up inside the
    simulation to connect; one call per phase, as such a backend does not run in chunks).
    Returns what the hook said, or None."""
    complete = backends.hook(sim, "complete_run")
    if complete is None:
        return None
    progress.phase("execute", "build and run the recorded simulation")
    program = complete()
    if program is None:
        return None
    phases = (["time_presimulate"] if on_grid(presim, "--presim") > 0 else []) + \
        ["time_simulate"]
    if len(program["runs"]) != len(phases):
        raise RuntimeError(f"the simulation made {len(program['runs'])} runs, the protocol "
                           f"{len(phases)}")
    for phase, seconds in zip(phases, program["runs"]):
        timings[phase] += seconds
    timings["time_connect"] += program["setup"]
    timings["time_build"] = program["build"]
    return program


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
    d, stdp = configure(scale, indegree_scale, dc_rate, threads, simtime, presim, stdp,
                        compensation)
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
    # what the run was: results.json's first fields, and a mapped run's port.json "run"
    # (the connections are counted after the run: NEST would sort them here, untimed)
    identity = {
        "backend": backends.name_of(sim),
        **sim.versions(),
        "scale": scale,
        "indegree_scale": d.indegree_scale,
        "n_neurons": d.n_neurons,
        "n_connections_expected": d.n_connections,
        "threads": threads,
        "mpi_processes": sim.num_processes(),
        "seed": seed,
        "presim_ms": presim,
        "simtime_ms": simtime,
        "dt_ms": P.RUN["dt"],
    }
    if not backends.hook(sim, "produces_data")():
        # the backend maps the network but records nothing (a SpiNNaker virtual board):
        # port.json says what was mapped ("run") and, if the backend predicts it, what a run
        # on the hardware would cost; compare shows that beside the measured runs
        progress.phase("map", "placement, routing; no spikes without a board")
        sim.run(presim + simtime)
        report = sim.port_report(projections, d)
        sim.end()
        report["run"] = dict(identity, n_connections=_count(projections), timings=timings,
                             derived=d.as_dict(), stdp=stdp)
        return {"port": report, "timings": timings}, None

    t0 = time.perf_counter()
    progress.simulate(sim, presim, "presimulate", P.RUN["dt"])
    timings["time_presimulate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    progress.simulate(sim, simtime, "simulate", P.RUN["dt"])
    timings["time_simulate"] = time.perf_counter() - t0
    program = _complete(sim, timings, presim, progress)
    peak_rss = _peak_rss_mb()
    if program is not None and program["peak_rss_mb"] is not None:
        # the machine's peak: this process's, or what it held while the program ran plus
        # the program's
        peak_rss = max(peak_rss, program["host_rss_mb"] + program["peak_rss_mb"])
    progress.phase("measure", "spikes, weights")

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
    results = {
        **identity,
        "n_connections": _count(projections),
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
    if program is not None:
        results["program"] = dict(program)
    port_report = backends.hook(sim, "port_report")
    if port_report is not None:
        results["port"] = port_report(projections, d)      # written as port.json
    sim.end()
    return results, block


class Written(NamedTuple):
    """What :meth:`PreparedRun.run` wrote, on MPI rank 0 (on the other ranks every field is
    None: only rank 0 writes)."""
    results: dict = None        # as measured (NaN where results.json holds null); None when
                                # the backend maps the network only (no spikes, no results.json)
    path: Path = None           # results.json
    port: dict = None           # port.json's content (a backend's ``port_report``)
    port_path: Path = None      # port.json


def _rank_zero(sim, value):
    """rank 0's ``value`` on every MPI process: only rank 0 checks memory and the output, and
    every rank must take the same way."""
    if sim.num_processes() > 1:
        from mpi4py import MPI
        value = MPI.COMM_WORLD.bcast(value, root=0)
    return value


@dataclass(frozen=True)
class PreparedRun:
    """A run checked and its output directory claimed, nothing built yet
    (:func:`prepare_run`); :meth:`run` runs and writes it."""
    sim: object                 # the loaded backend module
    backend: str                # its name as given (a variant's with its list)
    network: Network
    output: Path
    preset: str = None
    compensation: str = "dc"
    spikes_format: str = "nix"
    quiet: bool = True
    own_fit: bool = False       # the backend checked the fit itself (its ``check_fits`` hook)
    fit: dict = None            # ... and this is its answer, results.json's ``estimate``
    claim: object = None        # rank 0: the output locked and staged (:class:`.rundir.Claim`)

    def run(self):
        """Build, run and measure the network (:func:`run`), then write on MPI rank 0:
        ``port.json`` (a backend's ``port_report``), the spikes, the weight sample and
        ``results.json`` (last: when it exists, the run finished), all into the output's
        staging directory, swapped in once complete (:mod:`pynn_hpc.rundir`): a run that
        fails or is interrupted leaves the directory's previous run as it was.  The output's
        lock is released at the end.  Returns :class:`Written`.

        Errors from here on are the simulation's, not the request's: under MPI they must end
        every rank (the CLI aborts them), so they are not turned into ParameterError."""
        try:
            return self._run()
        finally:
            if self.claim is not None:
                self.claim.release()

    def _run(self):
        from pynn_hpc import estimate as E, results as R
        sim, (opts, d, stdp), name = self.sim, self.network, self.backend
        rank0 = sim.rank() == 0
        progress = Progress(enabled=rank0 and not self.quiet)
        if E.costs(name) is not None:
            est = E.estimate(name, d, sim.num_processes())
            available = E.available_mb()
            progress.line(f"predicted peak memory {est['peak_rss_mb_per_process']:,.0f} MB per "
                          f"process x {sim.num_processes()} "
                          + (f"(available here {available:,.0f} MB)" if available else ""))
        results, block = run(sim, scale=opts["scale"], indegree_scale=opts["indegree_scale"],
                             dc_rate=opts["dc_rate"], threads=opts["threads"],
                             simtime=opts["simtime"], presim=opts["presim"], seed=opts["seed"],
                             stdp=stdp, compensation=self.compensation, progress=progress)
        if not rank0:
            return Written()
        staging = self.claim.staging
        port, port_path, path = results.pop("port", None), None, None
        if port is not None:
            if "run" in port:
                port["run"]["preset"] = self.preset
            R.write_json(staging / "port.json", port)
            port_path = self.output / "port.json"
        if backends.hook(sim, "produces_data")():
            results["preset"] = self.preset
            results["estimate"] = self.fit if self.own_fit else E.estimate(
                name, d, results["mpi_processes"])
            R.write(staging, results, block, spikes_format=self.spikes_format)
            path = self.output / "results.json"
        self.claim.commit()
        if path is None:
            return Written(port=port, port_path=port_path)   # mapped only: no results.json
        return Written(results, path, port, port_path)


def prepare_run(output="results", backend="nest", preset=None, *, scale=None,
                indegree_scale=None, dc_rate=None, compensation="dc", threads=None,
                simtime=None, presim=None, seed=None, stdp=None, overwrite=False, force=False,
                spikes_format="nix", quiet=True, processes_per_node=None):
    """Everything ``pynn-hpc run`` checks before it builds anything; a :class:`PreparedRun`.

    The network (:func:`network_options`: preset, options, ``backend``), the backend loaded
    (BackendUnavailable if it cannot be, or if its ``check_ready`` hook fails), no more MPI
    processes than neurons, that the network
    fits (the backend's ``check_fits`` hook, else this host's memory per node unless
    ``force``), and ``output`` claimed (:func:`pynn_hpc.rundir.claim`: locked against other
    writers; a finished run there is refused, or with ``overwrite`` replaced once the new
    run is complete).  Rank 0 checks the machine and the
    output, every MPI rank raises the same ParameterError.  ``spikes_format``: ``"nix"`` or
    ``"pickle"`` (:func:`pynn_hpc.results.write`); ``quiet``: no progress on stderr.
    """
    from pynn_hpc import estimate as E, results as R
    rundir.check_path(output)
    network = network_options(preset, scale=scale, indegree_scale=indegree_scale,
                              dc_rate=dc_rate, compensation=compensation, threads=threads,
                              simtime=simtime, presim=presim, seed=seed, stdp=stdp,
                              backend=backend, processes_per_node=processes_per_node)
    if spikes_format not in R.SPIKE_FILES:
        raise ParameterError(f"--spikes-format must be one of {', '.join(R.SPIKE_FILES)} "
                             f"(got {spikes_format!r})")
    d, stdp = network.derived, network.stdp
    sim = backends.load_ready(backend)
    n = sim.num_processes()
    error = fit = fits = claim = None
    if n > d.n_neurons:
        error = (f"{n} MPI processes for {d.n_neurons} neurons: "
                 f"use at most {d.n_neurons} (mpirun -np) or a larger --scale")
    elif sim.rank() == 0:
        try:
            fits = backends.hook(sim, "check_fits")    # a backend's own, or host memory
            if fits is not None:
                fit = fits(d, n, options=stdp)
            elif not force:
                E.check_fits(backend, d, n, options=stdp,
                             per_node=E.processes_per_node(n, processes_per_node))
            opts = network.options
            E.check_time(d, opts["presim"] + opts["simtime"], opts["threads"], n, force=force)
            claim = rundir.claim(output, overwrite)
        except ParameterError as err:
            error = str(err)
    error = _rank_zero(sim, error)
    if error:
        raise ParameterError(error)
    return PreparedRun(sim, backend, network, Path(output), preset=preset,
                       compensation=compensation, spikes_format=spikes_format, quiet=quiet,
                       own_fit=fits is not None, fit=fit, claim=claim)


def run_to(output="results", backend="nest", preset=None, **options):
    """A run of the network written to ``output``, as ``pynn-hpc run`` makes it:
    :func:`prepare_run` (same arguments; bad input raises ParameterError before anything is
    built or written), then :meth:`PreparedRun.run`.  Returns :class:`Written`::

        written = protocol.run_to("out", backend="nest", preset="teaching", seed=2)
        written.results["rate_hz"], written.path        # results.json
    """
    return prepare_run(output, backend, preset, **options).run()
