"""``pynn-hpc compare``: make or reuse the runs, load them, judge, write the report.

The statistics and the verdict are :mod:`pynn_hpc.analysis.compare`'s, the figure
:mod:`pynn_hpc.analysis.plots`'; this module is the orchestration around them:

* without run directories, one ``pynn-hpc run`` per backend and seed, each in a fresh process,
  into ``OUTPUT/runs/<backend>-seed<k>``.  A directory that already holds a finished run
  (a results.json) is reused if that run is of the requested backend, seed and network
  (every field of ``SAME_NETWORK``), and refused otherwise, before anything runs;
* a run that fails is reported (backend, seed, its last line on stderr), the others still
  run, and the verdict is made from the runs that finished, or "no verdict possible" says
  why not; ``comparison.json`` lists the failed runs;
* a signal (SIGINT, SIGTERM: the CLI turns them into an exception) is passed on to the run
  in progress, which gets ``STOP_GRACE_S`` to stop before it is killed; finished runs stay
  and are reused next time, no comparison is written;
* one line per run on stdout (backend, seed, elapsed time, rate) unless ``--quiet``.

Exit codes: 0 a verdict for every backend (agrees or differs), 1 a run failed or a verdict
was not possible (the message says why), 2 bad input (raised as ParameterError before
anything is written; the CLI prints it).
"""
import io
import json
import math
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import backends, parameters as P
from .derived import ParameterError

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


def _finished(run_dir, backend, seed, network):
    """True if ``run_dir`` holds a finished run of this backend, seed and network; False if no
    finished run; ParameterError if it holds a run of something else."""
    from .analysis.compare import RunError, read_results
    if not (run_dir / "results.json").exists():
        return False
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


def _rate(run_dir):
    try:
        rate = json.loads((run_dir / "results.json").read_text()).get("rate_hz")
        return f"{rate:.2f} Hz"
    except (OSError, ValueError, TypeError):
        return "rate unknown"


def make_runs(args, output, network, say):
    """One ``pynn-hpc run`` per backend and seed (fresh processes) into ``output``/runs,
    reusing finished ones of ``network`` (``requested_network``).

    Returns (run directories that finished, failed runs as dicts).  Every existing run is
    checked, and ``output`` created, before anything runs (ParameterError)."""
    from . import results as R
    plan = [(b, s, Path(output) / "runs" / f"{b}-seed{s}")
            for b in args.backends for s in args.seeds]
    done = {run_dir: _finished(run_dir, b, s, network) for b, s, run_dir in plan}
    R.prepare_output(output)
    dirs, failed = [], []
    todo = sum(not v for v in done.values())
    k = 0
    for backend, seed, run_dir in plan:
        if done[run_dir]:
            say(f"{backend}, seed {seed}: reusing {run_dir} ({_rate(run_dir)})")
            dirs.append(run_dir)
            continue
        k += 1
        cmd = [sys.executable, "-m", "pynn_hpc.cli", "run", "--backend", backend,
               "--seed", str(seed), "--output", str(run_dir)]
        for name in RUN_OPTIONS:
            value = getattr(args, name)
            if value is not None:
                cmd += ["--" + name.replace("_", "-"), str(value)]
        cmd += ["--compensation", args.compensation]
        say(f"{backend}, seed {seed}: running ({k} of {todo}) into {run_dir}")
        t0 = time.monotonic()
        code, err = _run(cmd)
        elapsed = time.monotonic() - t0
        if code == 0 and (run_dir / "results.json").is_file():
            say(f"{backend}, seed {seed}: done in {elapsed:.1f} s, {_rate(run_dir)}")
            dirs.append(run_dir)
            continue
        lines = [line for line in err.splitlines() if line.strip()]
        message = lines[-1].strip() if lines else "no message"
        if code == 0:                   # e.g. a virtual SpiNNaker board: mapped, not run
            message = "it ended without a results.json (a backend that produces no spikes?)"
        failed.append({"backend": backend, "seed": seed, "path": str(run_dir),
                       "exit_code": code, "error": message})
        print(f"{backend}, seed {seed}: FAILED after {elapsed:.1f} s (exit code {code}): "
              f"{message}", file=sys.stderr, flush=True)
    return dirs, failed


def load_runs(dirs):
    """Each directory's run (analysis.compare.load_run); ParameterError naming the first that
    cannot be read, or two that are different networks."""
    from .analysis import compare as C
    runs = []
    for d in dirs:
        try:
            runs.append(C.load_run(d))
        except C.RunError as err:
            raise ParameterError(str(err))
    first = runs[0]
    for r in runs[1:]:
        for key in SAME_NETWORK:
            if r.get(key) != first.get(key):
                raise ParameterError(f"{r['path']} and {first['path']} are different networks "
                                     f"('{key}' differs): compare runs of the same network")
    return runs


def _no_verdict(message):
    print(f"pynn-hpc: no verdict possible: {message}", file=sys.stderr)
    return 1


def main(args, network):
    """Run ``pynn-hpc compare`` with parsed ``args``; ``network(args)`` checks the requested
    network and returns (options, Derived, stdp).  Returns the exit code (see the module doc);
    bad input raises ParameterError before anything is written."""
    from . import results as R
    say = (lambda line: None) if getattr(args, "quiet", False) else \
        (lambda line: print(line, flush=True))
    failed = []
    if len(set(args.seeds)) != len(args.seeds):
        raise ParameterError("--seeds must be different from each other")
    if args.runs:
        runs = load_runs([Path(d) for d in args.runs])
        output = R.prepare_output(args.output)
    else:
        unknown = [b for b in args.backends if b not in backends.BACKENDS]
        if unknown:
            raise ParameterError(f"unknown backend '{unknown[0]}': choose from "
                                 f"{', '.join(backends.BACKENDS)}")
        if args.reference not in args.backends:
            raise ParameterError(f"--reference {args.reference} is not among --backends")
        if len(args.seeds) < C_MIN_RUNS:
            raise ParameterError(f"give at least {C_MIN_RUNS} --seeds: the reference's "
                                 "seed-to-seed spread is the tolerance")
        args.backend = args.reference
        opts, d, stdp = network(args)       # check the network before running anything
        output = Path(args.output)
        dirs, failed = make_runs(args, output, requested_network(d, stdp, opts), say)
        if not dirs:
            return _no_verdict("every run failed (see above)")
        runs = load_runs(dirs)
    groups = {}
    for r in runs:
        groups.setdefault(r["backend"], []).append(r)
    ref = groups.get(args.reference, [])
    if failed:
        if len(ref) < C_MIN_RUNS:
            return _no_verdict(f"{len(ref)} run(s) of the reference '{args.reference}' "
                               f"finished, at least {C_MIN_RUNS} are needed (failures above; "
                               "the finished runs are reused next time)")
        lost = [b for b in args.backends if b not in groups]
        if lost and len(groups) == 1:
            return _no_verdict(f"every run of {', '.join(lost)} failed (see above)")
    if not ref:
        raise ParameterError(f"no run of the reference backend '{args.reference}' among "
                             f"the runs (backends: {', '.join(groups)})")
    seeds = [r["seed"] for r in ref]
    if len(set(seeds)) != len(seeds):
        raise ParameterError(f"two runs of '{args.reference}' have the same seed: the "
                             "tolerance needs runs that differ in their seed")
    if len(ref) < C_MIN_RUNS:
        raise ParameterError(f"need at least {C_MIN_RUNS} runs of '{args.reference}' with "
                             "different seeds: their differences are the tolerance")
    from .analysis import compare as C, plots
    report = C.compare(groups, args.reference)
    r0 = runs[0]
    title = (f"{r0['n_neurons']:,} neurons, indegree x {r0['indegree_scale']:g}, "
             f"{r0['simtime_ms']:g} ms after {r0['presim_ms']:g} ms")
    report.update(network=title, runs={b: [r["path"] for r in rs] for b, rs in groups.items()},
                  failed=failed, table=C.table(report))
    fig = plots.comparison_figure(groups, report, title)
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=110)
    R.write_bytes(output / "comparison.png", png.getvalue())
    path = R.write_json(output / "comparison.json", report)
    print(title)
    print(report["table"])
    for b, ok in report["agrees"].items():
        if ok is None:
            print(f"{b}: no verdict possible against {args.reference}: "
                  + "; ".join(report["no_verdict"][b]))
            continue
        print(f"{b}: {'agrees with' if ok else 'DIFFERS from'} {args.reference} "
              f"({report['tolerance']}); with {len(groups[b])} and "
              f"{len(ref)} runs a backend identical to the reference is "
              f"judged different on a given statistic {_percent(report['false_alarm'][b])} of "
              "the time (more seeds: less)")
    for f in failed:
        print(f"not compared: {f['backend']}, seed {f['seed']} failed: {f['error']}")
    print(f"written: {path}, {output / 'comparison.png'}")
    return 1 if failed or None in report["agrees"].values() else 0
