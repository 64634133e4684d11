"""``pynn-hpc compare``: make or reuse the runs, load them, judge, write the report.

The statistics and the verdict are :mod:`pynn_hpc.analysis.compare`'s, the figure
:mod:`pynn_hpc.analysis.plots`'; this module is the orchestration around them: one
``pynn-hpc run`` per backend and seed in a fresh process (into ``OUTPUT/runs/<backend>-seed<k>``,
reused when it holds a finished run of the requested network), or the run directories given.
Bad input raises :class:`~pynn_hpc.derived.ParameterError` before anything is written.
"""
import sys
from pathlib import Path

from . import backends
from .derived import ParameterError

#: fewest reference runs for a tolerance (a simulator equal to the reference is judged
#: different on a given statistic ~20 % of the time with 3 runs each, 2-4 % with 5:
#: analysis.compare.false_alarm)
C_MIN_RUNS = 3

#: what must be equal for two runs to be the same network
SAME_NETWORK = ("derived", "stdp", "presim_ms", "simtime_ms", "dt_ms")


def _make_runs(args, output):
    """One ``pynn-hpc run`` per backend and seed (fresh processes), reusing finished ones."""
    import subprocess
    dirs = []
    for backend in args.backends:
        for seed in args.seeds:
            run_dir = output / "runs" / f"{backend}-seed{seed}"
            dirs.append(run_dir)
            if (run_dir / "results.json").exists():
                print(f"{backend}, seed {seed}: reusing {run_dir}")
                continue
            cmd = [sys.executable, "-m", "pynn_hpc.cli", "run", "--backend", backend,
                   "--seed", str(seed), "--output", str(run_dir)]
            for name in ("preset", "scale", "indegree_scale", "dc_rate", "threads", "simtime",
                         "presim"):
                value = getattr(args, name)
                if value is not None:
                    cmd += ["--" + name.replace("_", "-"), str(value)]
            cmd += ["--compensation", args.compensation]
            print(f"{backend}, seed {seed}: running", flush=True)
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode != 0:
                tail = " ".join(p.stderr.strip().splitlines()[-1:])
                raise ParameterError(f"the run of {backend} with seed {seed} failed: {tail}")
    return dirs


def _load_runs(dirs):
    from .analysis import compare as C
    runs = []
    for d in dirs:
        if not (d / "results.json").is_file():
            raise ParameterError(f"{d} holds no results.json: give output directories of "
                                 "'pynn-hpc run'")
        runs.append(C.load_run(d))
    first = runs[0]
    for r in runs[1:]:
        for key in SAME_NETWORK:
            if r.get(key) != first.get(key):
                raise ParameterError(f"{r['path']} and {first['path']} are different networks "
                                     f"('{key}' differs): compare runs of the same network")
    return runs


def _percent(p):
    return "under 1 %" if p < 0.01 else f"{100 * p:.0f} %"


def main(args, network):
    """Run ``pynn-hpc compare`` with parsed ``args``; ``network(args)`` checks the requested
    network and returns (options, Derived, stdp).  Returns the exit code; bad input raises
    ParameterError."""
    from . import results as R
    if len(set(args.seeds)) != len(args.seeds):
        raise ParameterError("--seeds must be different from each other")
    if args.runs:
        dirs = [Path(d) for d in args.runs]
        runs = _load_runs(dirs)
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
        network(args)                       # check the network before running anything
        output = R.prepare_output(args.output)
        runs = _load_runs(_make_runs(args, output))
    groups = {}
    for r in runs:
        groups.setdefault(r["backend"], []).append(r)
    if args.reference not in groups:
        raise ParameterError(f"no run of the reference backend '{args.reference}' among "
                             f"the runs (backends: {', '.join(groups)})")
    seeds = [r["seed"] for r in groups[args.reference]]
    if len(set(seeds)) != len(seeds):
        raise ParameterError(f"two runs of '{args.reference}' have the same seed: the "
                             "tolerance needs runs that differ in their seed")
    if len(groups[args.reference]) < C_MIN_RUNS:
        raise ParameterError(f"need at least {C_MIN_RUNS} runs of '{args.reference}' with "
                             "different seeds: their differences are the tolerance")
    from .analysis import compare as C, plots
    report = C.compare(groups, args.reference)
    r0 = runs[0]
    title = (f"{r0['n_neurons']:,} neurons, indegree x {r0['indegree_scale']:g}, "
             f"{r0['simtime_ms']:g} ms after {r0['presim_ms']:g} ms")
    report.update(network=title, runs={b: [r["path"] for r in rs] for b, rs in groups.items()},
                  table=C.table(report))
    fig = plots.comparison_figure(groups, report, title)
    import io
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=110)
    R.write_bytes(output / "comparison.png", png.getvalue())
    path = R.write_json(output / "comparison.json", report)
    print(title)
    print(report["table"])
    for b, ok in report["agrees"].items():
        print(f"{b}: {'agrees with' if ok else 'DIFFERS from'} {args.reference} "
              f"({report['tolerance']}); with {len(groups[b])} and "
              f"{len(groups[args.reference])} runs a backend identical to the reference is "
              f"judged different on a given statistic {_percent(report['false_alarm'][b])} of "
              "the time (more seeds: less)")
    print(f"written: {path}, {output / 'comparison.png'}")
    return 0
