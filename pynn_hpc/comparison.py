"""Comparing simulators: make or reuse the runs, load them, judge, write the report::

    import pynn_hpc
    c = pynn_hpc.compare(backends=("nest", "neuron"), seeds=(1, 2, 3, 4, 5), preset="teaching")
    c["agrees"]                                   # {"neuron": True}: comparison.json's content

The statistics and the verdict are :mod:`pynn_hpc.analysis.compare`'s, the figures
:mod:`pynn_hpc.analysis.plots`', the timing table :mod:`pynn_hpc.analysis.timing`'s, the
page :mod:`pynn_hpc.analysis.report`'s; this module is the orchestration around them
(:func:`compare` of a :class:`ComparisonRequest`; ``pynn-hpc compare`` prints its result):

* without run directories, one ``pynn-hpc run`` per backend and seed, each in a fresh process,
  ``jobs`` of them at a time, into ``OUTPUT/runs/<backend>-seed<k>`` (with ``MADE_FILE``
  beside a finished run's results.json: how many ran at a time).  A directory that already
  holds a finished run (a results.json) is reused if that run is of the requested backend,
  seed and network (every field of ``SAME_NETWORK``), and refused otherwise, before anything
  runs;
* a backend that maps the network without running it (``produces_data`` False: SpiNNaker on
  a virtual board) makes *mapped runs*, a port.json with its ``run`` and no results.json
  (:func:`mapped_run`): reused like the others, kept out of the verdict, and their predicted
  hardware run shown beside the measured timing (comparison.json's ``predicted``);
* a run that fails is reported (backend, seed, its last line on stderr), the others still
  run, and the verdict is made from the runs that finished, or "no verdict possible" says
  why not (``no_verdict_reason`` in comparison.json, and in the report); ``comparison.json``
  lists the failed runs;
* a signal (SIGINT, SIGTERM: the CLI turns them into an exception) is passed on to every run
  in progress, which get ``STOP_GRACE_S`` to stop before they are killed; finished runs stay
  and are reused next time, no comparison is written;
* one line per run on stdout (backend, seed, elapsed time, rate) unless ``quiet``;
* the report: ``pynn-hpc replay`` of REPLAY's trains on every compared backend (a fresh
  process), then everything the report shows goes into comparison.json (``write_report``),
  and report.html, report.md and their figures are rendered from that content.

Bad input raises ParameterError before anything is written.  A failed run or a comparison
without a verdict is not an error: the returned comparison says so (``failed``,
``no_verdict_reason``, ``agrees`` None), and ``pynn-hpc compare`` makes its exit code of it.
"""
import io
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, fields
from pathlib import Path

from pynn_hpc import backends
from . import parameters as P
from .errors import ParameterError

#: fewest reference runs for a tolerance (a simulator equal to the reference is judged
#: different on a given statistic ~20 % of the time with 3 runs each, 2-4 % with 5:
#: analysis.compare.false_alarm)
C_MIN_RUNS = 3

#: what must be equal for two runs to be the same network
SAME_NETWORK = ("derived", "stdp", "presim_ms", "simtime_ms", "dt_ms")

#: seconds a run that was passed a signal gets to stop before it is killed
STOP_GRACE_S = 1.5

#: options of ``pynn-hpc compare`` passed on to every ``pynn-hpc run``
RUN_OPTIONS = ("preset", "scale", "indegree_scale", "dc_rate", "threads", "simtime", "presim")


def _percent(p):
    return "under 1 %" if p < 0.01 else f"{100 * p:.0f} %"


def _json(value):
    """``value`` as results.json holds it (numpy numbers as plain ones)."""
    return json.loads(json.dumps(value, default=lambda v: v.item() if hasattr(v, "item")
                                 else float(v)))


def difference(a, b, name=""):
    """The first place where JSON values ``a`` and ``b`` differ, as (name, a's, b's), or None.
    Numbers are equal within a relative 1e-9 (what a decimal round trip may change)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            found = difference(a.get(key), b.get(key), f"{name}.{key}" if name else str(key))
            if found:
                return found
        return None
    numbers = (int, float)
    if (isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool)
            and not isinstance(b, bool)):
        if a == b or math.isclose(a, b, rel_tol=1e-9):
            return None
    elif a == b:
        return None
    return name, a, b


def requested_network(d, stdp, opts):
    """The ``SAME_NETWORK`` fields a run of the requested network writes in results.json."""
    return _json({"derived": d.as_dict(), "stdp": stdp, "presim_ms": opts["presim"],
                  "simtime_ms": opts["simtime"], "dt_ms": P.RUN["dt"]})


def mapped_run(run_dir):
    """The port.json of a finished *mapped* run in ``run_dir`` (a backend that maps the
    network but records nothing, e.g. SpiNNaker on a virtual board: port.json with its "run"
    and no results.json), else None."""
    run_dir = Path(run_dir)
    if (run_dir / "results.json").exists() or not (run_dir / "port.json").is_file():
        return None
    try:
        port = json.loads((run_dir / "port.json").read_text())
    except (OSError, ValueError) as err:
        raise ParameterError(f"{run_dir / 'port.json'} cannot be read ({err}): delete it, or "
                             "choose another --output") from None
    return port if isinstance(port, dict) and isinstance(port.get("run"), dict) else None


def finished_run(run_dir, backend, seed, network):
    """True if ``run_dir`` holds a finished run (measured, or mapped: :func:`mapped_run`) of
    this backend, seed and network; False if no finished run; ParameterError if it holds a run
    of something else."""
    from pynn_hpc.analysis.compare import RunError, read_results
    from pynn_hpc.rundir import settle
    settle(run_dir)
    if not (run_dir / "results.json").exists():
        port = mapped_run(run_dir)
        if port is None:
            return False
        r = port["run"]
    else:
        try:
            r = read_results(run_dir)
        except RunError as err:
            raise ParameterError(f"{err} (or delete it, or choose another --output)")
    found = difference({"backend": backend, "seed": seed, **network},
                       {"backend": r.get("backend"), "seed": r.get("seed"),
                        **{k: r.get(k) for k in SAME_NETWORK}})
    if found:
        name, asked, there = found
        raise ParameterError(f"{run_dir} holds a run of another network ({name}: {there!r} "
                             f"there, {asked!r} asked for): delete it to run it again, or "
                             "choose another --output")
    return True


def _signal_of(exc):
    """The signal to pass on to a child for exception ``exc`` (the CLI's, a Ctrl-C, a bug)."""
    signum = getattr(exc, "signum", None)
    if signum is not None:
        return signum
    return signal.SIGINT if isinstance(exc, KeyboardInterrupt) else signal.SIGTERM


def _stop(child, signum):
    """Pass ``signum`` on to ``child``; kill it if it has not stopped after STOP_GRACE_S."""
    try:
        child.send_signal(signum)
        child.wait(STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    except BaseException:               # a second signal while waiting: do not wait longer
        child.kill()
        child.wait()
        raise


def _run(cmd):
    """Run ``cmd``; returns (exit code, stderr).  Any exception here (a signal turned into one
    by the CLI, Ctrl-C) reaches the child as a signal before it propagates."""
    child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    try:
        _, err = child.communicate()
    except BaseException as exc:
        _stop(child, _signal_of(exc))
        raise
    return child.returncode, err


def _stop_all(children, signum):
    """Pass ``signum`` on to every running child at once; kill those that have not stopped
    after STOP_GRACE_S (together, not one grace period each)."""
    for child in children:
        try:
            child.send_signal(signum)
        except OSError:
            pass
    deadline = time.monotonic() + STOP_GRACE_S
    try:
        for child in children:
            try:
                child.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
    finally:                            # also after a second signal while waiting
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


def _rate(run_dir):
    if mapped_run(run_dir) is not None:
        return "mapped (no spikes)"
    try:
        rate = json.loads((run_dir / "results.json").read_text()).get("rate_hz")
        return f"{rate:.2f} Hz"
    except (OSError, ValueError, TypeError):
        return "rate unknown"


#: written by ``make_runs`` beside a run's results.json: how the run was made (``jobs``: runs
#: allowed at once, ``elapsed_s``, ``load_1min``: the machine's load when it started)
MADE_FILE = "made_by_compare.json"


def _command(request, backend, seed, run_dir):
    cmd = [sys.executable, "-m", "pynn_hpc.cli", "run", "--backend", backend,
           "--seed", str(seed), "--output", str(run_dir)]
    for name in RUN_OPTIONS:
        value = getattr(request, name)
        if value is not None:
            cmd += ["--" + name.replace("_", "-"), str(value)]
    return cmd + ["--compensation", request.compensation]


def make_runs(request, output, network, say):
    """One ``pynn-hpc run`` per backend and seed (fresh processes, ``request.jobs`` at a time)
    into ``output``/runs, reusing finished ones of ``network`` (``requested_network``).

    Returns (run directories that finished, failed runs as dicts), both in the order of
    backends and seeds whatever order the runs finish in.  Every existing run is checked, and
    ``output`` created, before anything runs (ParameterError).  Any exception while runs are
    going (a signal turned into one by the CLI) reaches every running child as a signal."""
    from . import results as R
    jobs = request.jobs
    plan = [(b, s, Path(output) / "runs" / f"{backends.dir_name(b)}-seed{s}")
            for b in request.backends for s in request.seeds]
    done = {run_dir: finished_run(run_dir, b, s, network) for b, s, run_dir in plan}
    R.prepare_output(output)
    finished, failed = {}, {}
    todo = [(b, s, d) for b, s, d in plan if not done[d]]
    for backend, seed, run_dir in plan:
        if done[run_dir]:
            say(f"{backend}, seed {seed}: reusing {run_dir} ({_rate(run_dir)})")
            finished[run_dir] = True
    running = {}                    # child -> (backend, seed, run_dir, start, stderr file)
    k = 0
    try:
        while todo or running:
            while todo and len(running) < jobs:
                backend, seed, run_dir = todo.pop(0)
                k += 1
                say(f"{backend}, seed {seed}: running ({k} of {k + len(todo)}) into {run_dir}")
                err = tempfile.TemporaryFile(mode="w+")
                load = os.getloadavg()[0]
                child = subprocess.Popen(_command(request, backend, seed, run_dir),
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=err, text=True)
                running[child] = (backend, seed, run_dir, time.monotonic(), err, load)
            ended = [c for c in running if c.poll() is not None]
            if not ended:
                time.sleep(0.05)
                continue
            for child in ended:
                backend, seed, run_dir, t0, err, load = running.pop(child)
                elapsed = time.monotonic() - t0
                err.seek(0)
                text = err.read()
                err.close()
                code = child.returncode
                if code == 0 and ((run_dir / "results.json").is_file()
                                  or mapped_run(run_dir) is not None):
                    R.write_json(run_dir / MADE_FILE, {"jobs": jobs, "elapsed_s": elapsed,
                                                       "load_1min": load})
                    say(f"{backend}, seed {seed}: done in {elapsed:.1f} s, {_rate(run_dir)}")
                    finished[run_dir] = True
                    continue
                lines = [line for line in text.splitlines() if line.strip()]
                message = lines[-1].strip() if lines else "no message"
                if code == 0:
                    message = "it ended without a results.json or a mapped run's port.json"
                failed[run_dir] = {"backend": backend, "seed": seed, "path": str(run_dir),
                                   "exit_code": code, "error": message}
                print(f"{backend}, seed {seed}: FAILED after {elapsed:.1f} s (exit code {code}): "
                      f"{message}", file=sys.stderr, flush=True)
    except BaseException as exc:
        _stop_all(list(running), _signal_of(exc))
        raise
    finally:
        for *_, err, _load in running.values():
            err.close()
    return ([d for _, _, d in plan if d in finished],
            [failed[d] for _, _, d in plan if d in failed])


def load_runs(dirs):
    """(measured, mapped): each directory's run (analysis.compare.load_run), and the mapped
    runs among them (port.json's "run", with ``path`` and the whole ``port``); ParameterError
    naming the first that cannot be read, or two that are different networks."""
    from pynn_hpc.analysis import compare as C
    runs, mapped = [], []
    for d in dirs:
        port = mapped_run(d)
        if port is not None:
            mapped.append(dict(port["run"], path=str(d), port=port))
            continue
        try:
            runs.append(C.load_run(d))
        except C.RunError as err:
            raise ParameterError(str(err))
    first = (runs + mapped)[0]
    for r in (runs + mapped)[1:]:
        for key in SAME_NETWORK:
            if r.get(key) != first.get(key):
                raise ParameterError(f"{r['path']} and {first['path']} are different networks "
                                     f"('{key}' differs): compare runs of the same network")
    return runs, mapped


#: the report's files in OUTPUT, beside comparison.json and comparison.png
REPORT_FILES = ("report.html", "report.md", "figures", "replay.json")


def check_output(output):
    """ParameterError, before anything is written, if a file of the comparison or its report
    cannot be written in ``output`` (e.g. a directory where report.html goes)."""
    output = Path(output)
    for name in ("comparison.json", "comparison.png") + REPORT_FILES:
        path = output / name
        is_dir = name == "figures"
        if path.exists() and (path.is_dir() != is_dir or not os.access(path, os.W_OK)):
            raise ParameterError(f"--output {output}: {path} cannot be written (it is "
                                 f"{'not ' if is_dir else ''}a directory, or read-only): "
                                 "remove it or choose another --output")


#: the trains the report's synapse-level check replays on every backend (pynn-hpc replay)
REPLAY = {"rate_hz": 20.0, "duration_ms": 1000.0, "seed": 1}


def replay(backend_names, output):
    """``pynn-hpc replay`` of REPLAY's trains on ``backend_names`` in a fresh process
    (signals reach it), into ``output``/replay.json; returns its result, or
    ``{"error": its last line, "exit_code": ...}``."""
    cmd = [sys.executable, "-m", "pynn_hpc.cli", "replay", "--backends", *backend_names,
           "--rate", str(REPLAY["rate_hz"]), "--duration", str(REPLAY["duration_ms"]),
           "--seed", str(REPLAY["seed"]), "--output", str(output)]
    code, err = _run(cmd)
    if code == 0 and (Path(output) / "replay.json").is_file():
        r = json.loads((Path(output) / "replay.json").read_text())
        return dict(r, trains=REPLAY, backends=list(backend_names))
    lines = [line for line in err.splitlines() if line.strip()]
    return {"trains": REPLAY, "backends": list(backend_names), "exit_code": code,
            "error": lines[-1].strip() if lines else "no message"}


def _made(run):
    """``jobs`` and ``load_1min`` of MADE_FILE beside run ``run`` (None when absent)."""
    try:
        made = json.loads((Path(run["path"]) / MADE_FILE).read_text())
    except (OSError, ValueError):
        made = {}
    return {"jobs": made.get("jobs"), "load_1min": made.get("load_1min")}


def _setup_and_versions(runs):
    import platform
    from . import __version__
    r0 = runs[0] if runs else {}
    setup = {k: r0.get(k) for k in ("n_neurons", "n_connections", "scale", "indegree_scale",
                                    "presim_ms", "simtime_ms", "dt_ms", "threads",
                                    "mpi_processes", "preset")}
    versions = {"pynn_hpc": __version__, "python": platform.python_version(),
                "host": {"cpus": os.cpu_count()}, "backends": {}}
    for r in runs:
        versions["backends"].setdefault(r["backend"], {k: r.get(k) for k in (
            "simulator", "simulator_version", "pynn_version", "mpi")})
    return setup, versions


def _png(fig):
    import matplotlib.pyplot as plt
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=110)
    plt.close(fig)
    return png.getvalue()


def _figures(c, groups, reference):
    """The report's figures as PNG bytes (name -> bytes), and why any could not be drawn."""
    from pynn_hpc.analysis import plots, run_figure
    from pynn_hpc.analysis.compare import RunError
    figures, errors = {}, {}
    if c.get("statistics"):
        figures["distributions"] = _png(plots.comparison_figure(groups, c, c["network"]))
    seeds = [set(r["seed"] for r in runs) for runs in groups.values()]
    common = sorted(set.intersection(*seeds)) if seeds else []
    chosen = {}
    for b, runs in groups.items():
        run = next((r for r in runs if common and r["seed"] == common[0]), runs[0])
        try:
            chosen[b] = run_figure.load(run["path"])
        except RunError as err:
            errors["activity"] = str(err)
    if chosen and "activity" not in errors:
        figures["activity"] = _png(plots.activity_figure(chosen, reference))
    if groups:
        figures["weights"] = _png(plots.weight_figure(groups, reference))
        figures["timing"] = _png(plots.timing_figure(c["timing"], c.get("predicted")))
    if c.get("replay") and not c["replay"].get("error"):
        figures["replay"] = _png(plots.replay_figure(c["replay"], reference))
    return figures, errors


def write_report(output, groups, backend_names, reference, failed, jobs, verdict=None,
                 reason=None, mapped=None):
    """comparison.json, comparison.png and the report (report.html, report.md, figures/)
    in ``output``.  ``verdict``: analysis.compare.compare's result, or None with ``reason``
    (too few runs): then the report says why there is no verdict.  ``mapped``: backend ->
    mapped runs (:func:`load_runs`), which have no spikes and no verdict: their predicted
    cost goes beside the measured timing (``predicted``), labelled so.  Everything the report
    shows is put in comparison.json first and the report rendered from what the file holds.
    Returns comparison.json's content."""
    from . import results as R
    from pynn_hpc.analysis import compare as C, report as RE, timing as T
    mapped = mapped or {}
    runs = [r for rs in groups.values() for r in rs]
    everything = runs + [r for rs in mapped.values() for r in rs]
    r0 = everything[0] if everything else None
    title = (f"{r0['n_neurons']:,} neurons, indegree x {r0['indegree_scale']:g}, "
             f"{r0['simtime_ms']:g} ms after {r0['presim_ms']:g} ms") if r0 else "no run finished"
    c = dict(verdict) if verdict else {
        "reference": reference, "agrees": {b: None for b in backend_names if b != reference},
        "no_verdict": {}}
    if reason:
        c["no_verdict_reason"] = reason
    setup, versions = _setup_and_versions(everything)
    c.update(network=title, backends=list(backend_names), date=time.strftime(
        "%Y-%m-%d %H:%M:%S %Z"), setup=setup, versions=versions,
        runs={b: [r["path"] for r in rs] for b, rs in groups.items()}, failed=failed,
        table=C.table(verdict) if verdict else None)
    c["timing"] = T.timing({b: [dict(r, **_made(r)) for r in rs] for b, rs in groups.items()},
                           reference, jobs)
    c["predicted"] = T.predicted(mapped, c["timing"])
    c["runs"].update({b: [r["path"] for r in rs] for b, rs in mapped.items()})
    names = list(groups) + list(mapped)
    c["replay"] = replay(names, output) if names else None
    c = json.loads(json.dumps(R._plain(c)))           # what comparison.json will hold
    figures, errors = _figures(c, groups, reference)
    c["figures"] = list(figures)
    if errors:
        c["figure_errors"] = errors
    if "distributions" in figures:
        R.write_bytes(output / "comparison.png", figures["distributions"])
    (output / "figures").mkdir(exist_ok=True)
    for name, png in figures.items():
        if name != "distributions":
            R.write_bytes(output / RE.FIGURES[name][0], png)
    R.write_bytes(output / "report.md", RE.markdown(c).encode())
    R.write_bytes(output / "report.html", RE.html_page(c, figures).encode())
    R.write_json(output / "comparison.json", c)
    return c


def _groups(runs):
    groups = {}
    for r in runs:
        groups.setdefault(r["backend"], []).append(r)
    return groups


def _check_reference(groups, reference, mapped=()):
    """ParameterError unless ``groups`` hold C_MIN_RUNS runs of ``reference`` with different
    seeds (their differences are the tolerance); ``mapped``: the backends that only mapped."""
    ref = groups.get(reference, [])
    if not ref and reference in mapped:
        raise ParameterError(f"the reference backend '{reference}' only mapped the network (no "
                             "spikes): choose a backend that runs it as --reference")
    if not ref:
        raise ParameterError(f"no run of the reference backend '{reference}' among "
                             f"the runs (backends: {', '.join(groups)})")
    seeds = [r["seed"] for r in ref]
    if len(set(seeds)) != len(seeds):
        raise ParameterError(f"two runs of '{reference}' have the same seed: the "
                             "tolerance needs runs that differ in their seed")
    if len(ref) < C_MIN_RUNS:
        raise ParameterError(f"need at least {C_MIN_RUNS} runs of '{reference}' with "
                             "different seeds: their differences are the tolerance")


def _names(value, what):
    """``value`` as a tuple of strings; ParameterError for one string or other types (a
    Python caller's mistake that the CLI's parser cannot make)."""
    if isinstance(value, (str, bytes)) or not all(isinstance(v, str) for v in value):
        raise ParameterError(f"{what} must be a list of names (got {value!r})")
    return tuple(value)


@dataclass(frozen=True)
class ComparisonRequest:
    """What to compare: the runs to make (one per backend and seed, of the network the preset
    and the options describe) or the run directories ``runs`` to load; the reference backend,
    whose seed-to-seed spread is the tolerance; where to write (``output``), how many runs at
    a time (``jobs``), and whether to say a line per run (not ``quiet``).

    The types are checked here (ParameterError); the values by :func:`compare`, before
    anything is written.  The defaults are the Python call's (the teaching network)."""
    backends: tuple = ("nest", "neuron")
    seeds: tuple = (1, 2, 3, 4, 5)
    reference: str = "nest"
    runs: tuple = ()            # run directories of finished runs: compared as they are
    output: Path = Path("comparison")
    jobs: int = 1
    quiet: bool = True
    # the network (protocol.network_options), passed on to every run made
    preset: str = "teaching"
    scale: float = None
    indegree_scale: float = None
    dc_rate: float = None
    compensation: str = "dc"
    threads: int = None
    simtime: float = None
    presim: float = None

    def __post_init__(self):
        def whole(value):
            return isinstance(value, int) and not isinstance(value, bool)

        def set_(name, value):              # frozen: the checked values set once, here
            object.__setattr__(self, name, value)

        set_("backends", _names(self.backends, "backends"))
        if isinstance(self.seeds, (str, bytes)) or not all(whole(s) for s in self.seeds):
            raise ParameterError(f"seeds must be whole numbers (got {self.seeds!r})")
        set_("seeds", tuple(self.seeds))
        if not isinstance(self.reference, str):
            raise ParameterError(f"reference must be a backend's name (got {self.reference!r})")
        if isinstance(self.runs, (str, bytes, os.PathLike)):
            raise ParameterError(f"runs must be a list of run directories (got {self.runs!r})")
        set_("runs", tuple(Path(r) for r in self.runs or ()))
        from pynn_hpc.rundir import check_path
        set_("output", check_path(self.output))     # "" is not "." (nor None)
        if not whole(self.jobs):
            raise ParameterError(f"--jobs must be a whole number (got {self.jobs!r})")


def compare(request):
    """Make or load the runs of ``request`` (a :class:`ComparisonRequest`), judge every
    backend against the reference, write comparison.json, comparison.png and the report in
    ``request.output``; return comparison.json's content.

    Bad input raises ParameterError before anything is written (the runs, the network, the
    output, and every finished run the output already holds).  Runs that fail are reported
    on stderr as they fail and listed in ``failed``; when too few runs finished for a verdict
    the comparison holds ``no_verdict_reason`` (and no ``statistics``)."""
    from pynn_hpc import rundir
    from .seeds import check_seed
    jobs = request.jobs
    if jobs < 1:
        raise ParameterError(f"--jobs must be >= 1 (got {jobs}): the number of runs made at "
                             "a time")
    if len(set(request.seeds)) != len(request.seeds):
        raise ParameterError("--seeds must be different from each other")
    for seed in request.seeds:
        check_seed(seed, "--seeds")
    output = rundir.check_path(request.output)
    loaded = None
    if request.runs:
        loaded = load_runs(list(request.runs))
        _check_reference(_groups(loaded[0]), request.reference, _groups(loaded[1]))
        network = None
    else:
        from pynn_hpc import estimate as E, protocol
        for b in request.backends:
            backends.check_name(b)          # unknown backend or variant: ParameterError
        if request.reference not in request.backends:
            raise ParameterError(f"--reference {request.reference} is not among --backends")
        if len(request.seeds) < C_MIN_RUNS:
            raise ParameterError(f"give at least {C_MIN_RUNS} --seeds: the reference's "
                                 "seed-to-seed spread is the tolerance")
        opts, d, stdp = protocol.network_options(     # checked before anything runs
            request.preset, scale=request.scale, indegree_scale=request.indegree_scale,
            dc_rate=request.dc_rate, compensation=request.compensation,
            threads=request.threads, simtime=request.simtime, presim=request.presim,
            backend=request.reference)
        n_runs = len(request.backends) * len(request.seeds)
        E.check_time(d, opts["presim"] + opts["simtime"], opts["threads"],
                     runs=math.ceil(n_runs / min(jobs, n_runs)),
                     hint="fewer --seeds or --backends")
        network = requested_network(d, stdp, opts)
    check_output(output)
    # locked while comparing; the report's files are written beside the old ones and
    # swapped in at the end (the runs, in OUTPUT/runs, are each a run's own directory)
    with rundir.claim(output, finished=None, replaces=COMPARISON_FILES) as claim:
        c = _compare(request, claim, network, loaded)
        claim.commit()
    return c


#: the files of a comparison (the runs it made are in ``runs/``, kept)
COMPARISON_FILES = ("comparison.json", "comparison.png", "report.html", "report.md",
                    "figures", "replay.json")


def _compare(request, claim, network, loaded):
    """:func:`compare` once its input is checked and ``claim`` holds the output;
    ``loaded``: :func:`load_runs`' answer for the run directories given, or None."""
    say = (lambda line: None) if request.quiet else (lambda line: print(line, flush=True))
    failed, jobs, output = [], request.jobs, claim.staging
    if loaded is not None:
        runs, mapped = loaded
        backend_names = list(dict.fromkeys(r["backend"] for r in runs + mapped))
    else:
        dirs, failed = make_runs(request, claim.path, network, say)
        runs, mapped = load_runs(dirs) if dirs else ([], [])
        backend_names = list(request.backends)
    groups, mapped = _groups(runs), _groups(mapped)
    ref = groups.get(request.reference, [])
    reason = None
    if failed:
        lost = [b for b in request.backends if b not in groups and b not in mapped]
        if not runs and not mapped:
            reason = "every run failed (see above)"
        elif len(ref) < C_MIN_RUNS:
            reason = (f"{len(ref)} run(s) of the reference '{request.reference}' finished, "
                      f"at least {C_MIN_RUNS} are needed (failures above; the finished runs "
                      "are reused next time)")
        elif lost and len(groups) == 1:
            reason = f"every run of {', '.join(lost)} failed (see above)"
    if reason:
        return write_report(output, groups, backend_names, request.reference, failed, jobs,
                            reason=reason, mapped=mapped)
    _check_reference(groups, request.reference, mapped)
    from pynn_hpc.analysis import compare as C
    verdict = C.compare(groups, request.reference)
    return write_report(output, groups, backend_names, request.reference, failed, jobs,
                        verdict=verdict, mapped=mapped)


def summary(c):
    """The lines that say a comparison's verdict (``c``: :func:`compare`'s result with a
    verdict, i.e. without ``no_verdict_reason``): the network, the table, one line per
    backend, the runs not compared, a failed replay."""
    reference = c["reference"]
    ref = c["runs"].get(reference, [])
    lines = [c["network"], c["table"]]
    for b, ok in c["agrees"].items():
        if ok is None:
            lines.append(f"{b}: no verdict possible against {reference}: "
                         + "; ".join(c["no_verdict"][b]))
            continue
        lines.append(f"{b}: {'agrees with' if ok else 'DIFFERS from'} {reference} "
                     f"({c.get('test') or c['tolerance']}); with {len(c['runs'][b])} and "
                     f"{len(ref)} runs a backend identical to the reference is judged different "
                     f"on any statistic at most {_percent(c['false_alarm'][b])} of the time")
    from pynn_hpc.analysis.timing import predicted_line
    for b, p in (c.get("predicted") or {}).items():
        lines.append(f"{b}: {predicted_line(p)}")
    for f in c["failed"]:
        lines.append(f"not compared: {f['backend']}, seed {f['seed']} failed: {f['error']}")
    r = c.get("replay") or {}
    if r.get("error"):
        lines.append(f"replay of one synapse failed: {r['error']}")
    return lines
