"""What porting the network to SpiNNaker changes, measured: ``pynn-hpc compare`` of exact NEST
against the ``spinnaker-emulated`` backend with each of SpiNNaker's deviations alone, all together,
and with the corrections a porting user can apply (docs: "Porting to SpiNNaker").

    python benchmarks/spinnaker_port.py --preset teaching --output /tmp/port/teaching
    python benchmarks/spinnaker_port.py --preset desktop --output /tmp/port/desktop \\
        --tables all --figure docs/port_desktop.png

One ``pynn-hpc compare --backends nest neuron <variants...>`` makes every run (one per backend
and seed, each in a fresh process, into ``OUTPUT/runs``; finished runs are reused, so the same
command continues where an earlier one stopped and ``--tables`` can add variants later) and
judges every variant against NEST's seed-to-seed spread.  This script then reads
``OUTPUT/comparison.json`` and prints, as Markdown:

* a table per deviation (and all together): each statistic's mean over seeds, its shift from
  exact NEST's mean in % and in units of NEST's seed-to-seed sd of that mean, and compare's
  verdict on it (its permutation test's Holm-adjusted p-value); the corrected variants beside;
* the emulation's cost: each backend's ``time_simulate`` (mean over seeds) against the NEURON
  backend's, which the emulation runs on (target <= 2x).  Other work on the machine inflates
  both; the ratio of runs made side by side is what to read.

``--figure`` writes compare's figure of NEST, every deviation on, and every deviation on with
the exact alpha synapse (a second ``pynn-hpc compare`` of those run directories, ``OUTPUT/figure``).
``neuron`` is the host simulator with nothing emulated: the control (it agrees with NEST, docs
"Comparing simulators") and the baseline of the cost.
"""
import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from pynn_hpc.analysis.compare import STATISTICS

DEVIATIONS = ("weights", "stdp", "alpha", "lif")
HOST = "neuron"
#: Hz: the rate the ``load`` correction expects, exact NEST's mean over seeds on the preset
#: (docs: "Measurements", comparing: teaching 41.97, desktop 19.43); --expected-rate overrides
EXPECTED_RATE = {"teaching": 42.0, "desktop": 19.4}


def emulated(*switches):
    """The ``compare`` backend name of the emulation with these deviations and corrections on
    (backends/spinnaker_emulated/variants.py: ``peak`` weights x e tau_syn, ``load`` weights x
    ``neuron_numerics.correction`` at each receptor's expected load, ``nearest`` rounding)."""
    return "spinnaker-emulated:" + ",".join(switches)


def tables(load="load=40"):
    """table -> (what it shows, [(column label, backend)]): the first variant as ported, the
    rest the corrections beside it; ``load``: the load correction's item, with its rate."""
    return {
        "weights": ("every weight (static and plastic) stored in 16 bits at its receptor's LSB",
                    [("as ported", emulated("weights"))]),
        "stdp": ("the power-law rule in SpiNNaker's fixed point (c/power_law_rule.h), weights "
                 "written back with stochastic rounding, as the port does; beside it rounding to "
                 "nearest",
                 [("stochastic rounding (the port's)", emulated("stdp")),
                  ("round to nearest", emulated("stdp", "nearest"))]),
        "alpha": ("sPyNNaker's alpha synapse (unit area, exact only for isolated spikes); beside "
                  "it weights x e tau_syn (unit peak, as PyNN's), weights x correction(load) "
                  "per receptor, and the synapse type c/alpha_exact_synapse.h instead",
                  [("as ported", emulated("alpha")),
                   ("weights x e tau_syn", emulated("alpha", "peak")),
                   ("weights x correction(load)", emulated("alpha", load)),
                   ("exact alpha synapse", emulated("alpha", "exact_alpha"))]),
        "lif": ("sPyNNaker's LIF update in s16.15 (current held over the step)",
                [("as ported", emulated("lif"))]),
        "weights+stdp": ("the synapses' two deviations together (the plastic weights in 16 bits "
                         "and the fixed-point rule)",
                         [("as ported", emulated("weights", "stdp"))]),
        "all": ("every deviation on; beside it with the weight correction at the expected load "
                "and with the synapse type c/alpha_exact_synapse.h (the correction that works)",
                [("as ported", emulated(*DEVIATIONS)),
                 ("weights x correction(load)", emulated(*DEVIATIONS, load)),
                 ("exact alpha synapse", emulated(*DEVIATIONS, "exact_alpha"))]),
    }


#: the tables with the default load correction (``main`` sets the preset's rate)
TABLES = tables()
NETWORK_OPTIONS = ("preset", "scale", "indegree_scale", "dc_rate", "simtime", "presim")


def parse():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="teaching", help="default: teaching")
    ap.add_argument("--scale", type=float)
    ap.add_argument("--indegree-scale", type=float, dest="indegree_scale")
    ap.add_argument("--dc-rate", type=float, dest="dc_rate")
    ap.add_argument("--simtime", type=float)
    ap.add_argument("--presim", type=float)
    ap.add_argument("--threads", type=int, default=1, help="per run (default 1)")
    ap.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3, 4, 5])
    ap.add_argument("--jobs", type=int, default=1, help="runs made at a time (compare --jobs; "
                    "default 1: times side by side are perturbed)")
    ap.add_argument("--tables", nargs="+", default=list(TABLES), choices=list(TABLES),
                    help="which variants to run and tabulate (default: all tables)")
    ap.add_argument("--expected-rate", type=float, dest="expected_rate",
                    help="Hz, for the load correction (default: exact NEST's mean rate on the "
                    "preset: " + ", ".join(f"{k} {v:g}" for k, v in EXPECTED_RATE.items()) + ")")
    ap.add_argument("--no-host", dest="host", action="store_false",
                    help="leave out the NEURON backend (the control and the cost's baseline)")
    ap.add_argument("--report-only", action="store_true",
                    help="tabulate OUTPUT/comparison.json as it is, run nothing")
    ap.add_argument("--figure", help="copy compare's figure of NEST, all deviations and all "
                    "with the exact alpha synapse to this PNG")
    ap.add_argument("--reuse", nargs="+", default=[], metavar="DIR",
                    help="other compare outputs whose finished runs (DIR/runs/<backend>-seed<k>) "
                    "of these backends and seeds are copied in first (e.g. NEST's reference runs)")
    ap.add_argument("--output", required=True, help="compare's output directory (runs reused)")
    return ap.parse_args()


def backends_of(tables, host=True):
    """The backends to compare: NEST, the host, and every variant of ``tables`` that this
    installation knows (one that it refuses, e.g. a deviation not built yet, is left out with
    its reason on stderr: compare would refuse the whole command)."""
    from pynn_hpc import backends
    from pynn_hpc.errors import ParameterError
    names = ["nest"] + ([HOST] if host else [])
    for t in tables:
        for _, b in TABLES[t][1]:
            if b in names:
                continue
            try:
                getattr(backends, "check_name", lambda n: None)(b)
            except ParameterError as err:
                print(f"left out: {err}", file=sys.stderr)
                continue
            names.append(b)
    return names


def compare_argv(backends, args, output):
    """The ``pynn-hpc compare`` arguments that make every run of ``backends``."""
    argv = ["compare", "--backends", *backends, "--seeds", *map(str, args.seeds),
            "--threads", str(args.threads), "--jobs", str(args.jobs)]
    for name in NETWORK_OPTIONS:
        value = getattr(args, name)
        if value is not None:
            argv += ["--" + name.replace("_", "-"), str(value)]
    return argv + ["--reference", "nest", "--output", str(output)]


def reuse(sources, backends, seeds, args, output):
    """Copy finished runs of ``backends`` and ``seeds`` of the requested network from other
    compare outputs ``sources`` into ``output``/runs where it has none (compare then reuses
    them); runs of another network are left where they are."""
    from pynn_hpc import backends as B, comparison, protocol
    from pynn_hpc.errors import ParameterError
    dir_name = getattr(B, "dir_name", lambda name: name)
    opts, d, stdp = protocol.network_options(
        args.preset, scale=args.scale, indegree_scale=args.indegree_scale, dc_rate=args.dc_rate,
        threads=args.threads, simtime=args.simtime, presim=args.presim)
    network = comparison.requested_network(d, stdp, opts)
    for b in backends:
        for k in seeds:
            name = f"{dir_name(b)}-seed{k}"
            target = output / "runs" / name
            if (target / "results.json").exists():
                continue
            for source in sources:
                run = Path(source) / "runs" / name
                try:
                    if not comparison.finished_run(run, b, k, network):
                        continue
                except ParameterError:
                    continue
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(run, target)
                print(f"reused {run}", file=sys.stderr)
                break


def compare(backends, args, output, runs=None):
    """``pynn-hpc compare`` (its progress and table go to stderr); its exit code."""
    cmd = [sys.executable, "-m", "pynn_hpc.cli"]
    if runs:
        cmd += ["compare", *map(str, runs), "--reference", "nest", "--output", str(output)]
    else:
        cmd += compare_argv(backends, args, output)
    print("$ " + " ".join(cmd[1:]), file=sys.stderr, flush=True)
    return subprocess.run(cmd, stdout=sys.stderr).returncode


def _num(x, spec=".4g"):
    return "n/a" if x is None else format(x, spec)


def _verdict(entry, e):
    """compare's verdict on one statistic: the Holm-adjusted p-value of its permutation test
    (older reports: the median KS distance / tolerance) and agrees / DIFFERS."""
    if e["agrees"] is None:
        return "no verdict"
    if e.get("p_adjusted") is not None:
        size = f"p {e['p_adjusted']:.2g}"
    else:
        size = f"KS {e['median_ks'] / entry['tolerance_ks']:.2f} x tol."
    return f"{size}, " + ("agrees" if e["agrees"] else "**DIFFERS**")


def _shift(report, stat, backend):
    """(mean, shift in % of NEST's mean, shift in NEST's seed-to-seed sd), None if undefined."""
    ref = report["means"]["nest"][stat]
    m = report["means"][backend][stat]["mean"]
    if m is None or ref["mean"] is None:
        return m, None, None
    rel = (m - ref["mean"]) / abs(ref["mean"]) if ref["mean"] else None
    sd = (m - ref["mean"]) / ref["sd"] if ref["sd"] else None
    return m, rel, sd


def cell(report, stat, backend):
    """mean (shift in %, in NEST's seed-to-seed sd); compare's verdict."""
    if backend not in report["means"]:
        failed = [f for f in report.get("failed", []) if f["backend"] == backend]
        return "failed: " + failed[0]["error"][:60] if failed else "not run"
    m, rel, sd = _shift(report, stat, backend)
    if m is None:
        return "no values"
    shift = ([f"{100 * rel:+.1f} %"] if rel is not None else []) + \
        ([f"{sd:+.1f} sd"] if sd is not None else [])
    entry = report["statistics"][stat]
    return f"{_num(m)} ({', '.join(shift)}); {_verdict(entry, entry[backend])}"


def table(report, name):
    what, variants = TABLES[name]
    head = ["statistic", "exact NEST (mean +- sd)"] + [label for label, _ in variants]
    lines = [f"**{name}**: {what}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for stat, (label, _) in STATISTICS.items():
        ref = report["means"]["nest"][stat]
        cells = [label, f"{_num(ref['mean'])} +- {_num(ref['sd'], '.2g')}"]
        cells += [cell(report, stat, b) for _, b in variants]
        lines.append("| " + " | ".join(cells) + " |")
    verdicts = []
    for label, b in variants:
        ok = report["agrees"].get(b, "not run")
        verdicts.append(f"{label}: " + {True: "agrees", False: "DIFFERS", None: "no verdict",
                                        "not run": "not run"}[ok])
    lines += ["", "Verdict: " + "; ".join(verdicts) + "."]
    return "\n".join(lines)


def _simulate_times(report):
    """backend -> mean time_simulate (s) over its runs."""
    out = {}
    for backend, paths in report["runs"].items():
        t = [json.loads((Path(p) / "results.json").read_text())["timings"]["time_simulate"]
             for p in paths if (Path(p) / "results.json").is_file()]
        if t:
            out[backend] = sum(t) / len(t)
    return out


def summary(report):
    """One row per backend: each statistic's shift in % and in NEST's seed-to-seed sd (bold where
    compare finds it differs), the verdict, and time_simulate against the host's (the cost)."""
    sim = _simulate_times(report)
    base = sim.get(HOST)
    head = ["backend", "runs"] + [label for label, _ in STATISTICS.values()] + \
        ["verdict", "time_simulate (s)", f"/ {HOST}"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for backend in report["means"]:
        if backend == "nest":
            continue
        cells = [f"`{backend}`", str(len(report["runs"][backend]))]
        for stat in STATISTICS:
            m, rel, sd = _shift(report, stat, backend)
            e = report["statistics"][stat][backend]
            if rel is None:
                cells.append("n/a")
                continue
            text = f"{100 * rel:+.1f} %" + (f", {sd:+.1f} sd" if sd is not None else "")
            cells.append(f"**{text}**" if e["agrees"] is False else text)
        cells.append({True: "agrees", False: "DIFFERS", None: "no verdict"}[
            report["agrees"][backend]])
        t = sim.get(backend)
        cells += [_num(t, ".1f"), f"{t / base:.2f}" if t and base else "n/a"]
        lines.append("| " + " | ".join(cells) + " |")
    if "nest" in sim:
        lines.append(f"| `nest` (reference) | {len(report['runs']['nest'])} | | | | | | "
                     f"{sim['nest']:.1f} | {sim['nest'] / base:.2f} |" if base else "")
    return "\n".join(lines)


def figure(report, args, output):
    """compare's figure of NEST, all deviations as ported and with the exact alpha synapse (the
    last column of the table ``all``), copied to --figure."""
    wanted = ["nest", TABLES["all"][1][0][1], TABLES["all"][1][-1][1]]
    dirs = [p for b in wanted for p in report["runs"].get(b, [])]
    missing = [b for b in wanted if b not in report["runs"]]
    if missing:
        print(f"no figure: no runs of {', '.join(missing)}", file=sys.stderr)
        return
    out = output / "figure"
    if compare(None, args, out, runs=dirs) not in (0, 1):
        sys.exit("spinnaker_port: the figure's compare failed (above)")
    Path(args.figure).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(out / "comparison.png", args.figure)
    print(f"figure: {args.figure}", file=sys.stderr)


def main():
    global TABLES
    args = parse()
    rate = args.expected_rate or EXPECTED_RATE.get(args.preset)
    if rate is None:
        sys.exit(f"spinnaker_port: give --expected-rate (no default for preset {args.preset})")
    TABLES = tables(f"load={rate:g}")
    output = Path(args.output)
    if not args.report_only:
        names = backends_of(args.tables, args.host)
        reuse(args.reuse, names, args.seeds, args, output)
        code = compare(names, args, output)
        if code not in (0, 1):
            sys.exit(f"spinnaker_port: compare stopped (exit code {code}); see above")
    path = output / "comparison.json"
    if not path.is_file():
        sys.exit(f"spinnaker_port: {path} was not written (see above)")
    report = json.loads(path.read_text())
    if not report.get("statistics"):
        sys.exit("spinnaker_port: no verdict in " + str(path) + ": "
                 + str(report.get("no_verdict_reason", "see above")))
    print(report["network"] + f", seeds {' '.join(map(str, args.seeds))} per backend; each cell: "
          "mean over seeds (shift from NEST's mean in %, in NEST's seed-to-seed sd); compare's "
          "verdict (Holm-adjusted p-value of its permutation test)")
    for name in args.tables:
        print()
        print(table(report, name))
    print()
    print("All variants: each statistic's shift from NEST's mean in % and in NEST's seed-to-seed "
          "sd (bold: compare finds it differs), and the simulation's cost:")
    print()
    print(summary(report))
    if args.figure:
        figure(report, args, output)


if __name__ == "__main__":
    main()
