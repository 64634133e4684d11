"""The same network on two simulators, and whether they agree
===========================================================

NEST and NEURON, five seeds each, judged by :func:`pynn_hpc.compare` (``pynn-hpc compare``)::

    python examples/3_two_backends.py                     # NEST and NEURON, 5 seeds each
    python examples/3_two_backends.py --seeds 1 2 3 4 5 6 7 8 --output cmp

Two simulators given the same model and seed draw different random numbers (connections,
drive), so their spikes cannot be compared one by one: only the network's statistics can.
This calls ``pynn_hpc.compare`` (each run a fresh ``pynn-hpc run`` process, teaching preset,
into ``OUTPUT/runs/<backend>-seed<k>``; finished runs are reused when the command is
repeated), which judges four distributions (rates, CVs of interspike intervals, spike-count
correlations, E->E weights) by their Kolmogorov-Smirnov distance against the reference
simulator's own seed-to-seed spread.  Then it draws the first seed of each simulator one
above the other (the figure of ``pynn-hpc plot``).

What it leaves in OUTPUT: ``comparison.json`` (every number), ``comparison.png`` (the
distributions and distances), ``report.html`` (one page: verdict, timing and memory per
simulator, figures; open it in a browser) and ``report.md``, and the runs themselves.

The verdict is statistical: with few seeds a real difference can go unseen, and a simulator
identical to the reference can be judged different now and then; compare says how often and
what it could detect, or that the seeds are too few for a verdict.  Ten teaching runs, two
at a time (``--jobs 2``), should take about a minute on two idle cores (estimated from single
runs, not timed); repeating the command reuses them.
"""
import argparse
import sys
from pathlib import Path

import pynn_hpc
from pynn_hpc import comparison
from pynn_hpc.analysis import run_figure
from pynn_hpc.errors import ParameterError


def main(argv=None):
    """Returns 0 with a verdict on every statistic (agree or differ), 1 when a run failed or the
    runs are too few for a verdict (as ``pynn-hpc compare``'s exit code)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", nargs=2, default=["nest", "neuron"],
                        help="two simulators, the first is the reference (default: nest neuron)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3, 4, 5],
                        help="one run per simulator and seed (default: 1 2 3 4 5)")
    parser.add_argument("--simtime", type=float, help="ms after the presimulation (default 300)")
    parser.add_argument("--threads", type=int, default=1, help="per run (default 1)")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (default 2: one per "
                        "core of a laptop; the report's timing table says they shared it)")
    parser.add_argument("--output", default="two_backends", help="directory for the comparison "
                        "and the runs (default: %(default)s)")
    parser.add_argument("--figure", help="figure file (default: OUTPUT/two_backends.png)")
    args = parser.parse_args(argv)
    figure = Path(args.figure) if args.figure else Path(args.output) / "two_backends.png"
    if args.figure:
        try:
            run_figure.check_output(figure)
        except ValueError as err:
            parser.error(str(err))

    # the command line a lecturer can type instead (pynn-hpc is installed with the package)
    command = ["compare", "--backends", *args.backends, "--reference", args.backends[0],
               "--seeds", *map(str, args.seeds), "--preset", "teaching",
               "--threads", str(args.threads), "--jobs", str(args.jobs), "--output", args.output]
    if args.simtime:
        command += ["--simtime", str(args.simtime)]
    print("the same as: pynn-hpc " + " ".join(command), flush=True)
    try:
        c = pynn_hpc.compare(backends=args.backends, reference=args.backends[0],
                             seeds=args.seeds, preset="teaching", threads=args.threads,
                             simtime=args.simtime, jobs=args.jobs, output=args.output,
                             quiet=False)
    except ParameterError as err:
        parser.error(str(err))
    if "no_verdict_reason" in c:
        print(f"no verdict possible: {c['no_verdict_reason']}")
    else:
        print("\n".join(comparison.summary(c)))
    code = 1 if "no_verdict_reason" in c or c["failed"] or None in c["agrees"].values() else 0

    runs = [Path(args.output) / "runs" / f"{name}-seed{args.seeds[0]}" for name in args.backends]
    runs = [r for r in runs if (r / "results.json").is_file()]
    if not runs:
        sys.exit(f"3_two_backends.py: error: no finished run of seed {args.seeds[0]} to draw")
    import matplotlib.pyplot as plt
    from pynn_hpc.analysis.plots import backend_colours
    colours = backend_colours(args.backends)        # as in the comparison's figures
    fig = plt.figure(figsize=(12, 4.4 * len(runs)), layout="constrained")
    grid = fig.add_gridspec(2 * len(runs), 2, width_ratios=[2.2, 1],
                            height_ratios=[2, 1] * len(runs))
    for k, path in enumerate(runs):
        run = run_figure.load(path)
        raster = fig.add_subplot(grid[2 * k, 0])
        axes = (raster, fig.add_subplot(grid[2 * k + 1, 0], sharex=raster),
                fig.add_subplot(grid[2 * k:2 * k + 2, 1]))
        r = run["results"]
        run_figure.draw(axes, run, label=f"{r['simulator']} {r['simulator_version']}, "
                        f"seed {r['seed']}", colour=colours.get(run_figure.backend_of(r)))
    fig.suptitle("the same network on " + " and ".join(args.backends)
                 + ": different random numbers, the same statistics?", fontsize=11)
    figure.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(figure, dpi=100)
    print(f"written: {figure}")
    report = Path(args.output) / "report.html"
    print(f"the comparison: {Path(args.output) / 'comparison.png'}"
          + (f", {report} (open it in a browser)" if report.is_file() else ""))
    return code


# %%
# Run it (the runs are made two at a time, or reused): compare's verdict table, then the first
# seed of each simulator one above the other, and compare's own figure of the distributions.

if __name__ == "__main__":
    code = main()
    if code:        # 1: no verdict (exit status 0 otherwise, without raising SystemExit)
        sys.exit(code)
