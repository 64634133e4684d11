"""``pynn-hpc``: run the seed's network on a simulator, estimate its cost, list the backends.

    pynn-hpc run --backend nest --scale 1 --threads 2 --simtime 250 --presim 50 --seed 1 --output out
    pynn-hpc run --preset desktop --backend nest
    pynn-hpc estimate --preset hpc --backend nest
    pynn-hpc compare --backends nest neuron --seeds 1 2 3 --preset teaching --output cmp
    pynn-hpc plot results                      # raster, population rate, weights -> results/run.png
    pynn-hpc info

Bad input ends with one line on stderr and exit code 2, before anything is built or written.
"""
import argparse
import importlib.metadata
import json
import math
import sys
from pathlib import Path

from pynn_hpc import backends, stopping
from . import parameters as P, presets
from pynn_hpc.backends import launcher
from .errors import ParameterError


class _Parser(argparse.ArgumentParser):
    """argparse's parser with one-line errors, and no abbreviated options: ``--simtim``
    must not be taken for ``--simtime`` (a typo would start a full-size run)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog.split()[0]} --help)\n")


def _number(text):
    """A float option's value: a finite number (NaN and infinities pass every ``<``/``>`` check)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number (got {text!r})")
    return value


def _fail(message):
    """One line on stderr (from the launcher's rank 0 only, under mpirun), exit code 2."""
    if launcher.rank() == 0:
        stopping.say(f"pynn-hpc: error: {message}")
    return 2


def _network_options(p, backend=True):
    if backend:
        p.add_argument("--backend", default="nest", help="simulator backend (default: nest)")
    p.add_argument("--preset",
                   help=f"one of {', '.join(presets.PRESETS)}; options below override it")
    p.add_argument("--scale", type=_number, help="network size: 11,250 x scale neurons (default 1)")
    p.add_argument("--indegree-scale", type=_number, dest="indegree_scale",
                   help="k in (0, 1]: indegree x k, weights / sqrt(k), DC compensation (default 1)")
    p.add_argument("--dc-rate", type=_number, dest="dc_rate",
                   help=f"recurrent rate (Hz) the DC compensation stands in for "
                        f"(default {P.SCALING['dc_rate']:g}; 0 = no DC)")
    p.add_argument("--compensation", choices=["dc", "weights"], default="dc",
                   help="for k < 1: DC current at --dc-rate (default), or weights J/k that keep "
                        "the mean at any rate (variance x 1/k)")
    p.add_argument("--threads", type=int, help="threads per MPI process (default 1)")
    p.add_argument("--simtime", type=_number, help="measured simulation time in ms (default 250)")
    p.add_argument("--presim", type=_number,
                   help="presimulation in ms, excluded from timing and rates (default 50)")


def build_parser():
    parser = _Parser(prog="pynn-hpc", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="build and simulate the network, write results.json")
    _network_options(run)
    run.add_argument("--seed", type=int, help="seed of every random draw (default 1)")
    run.add_argument("--output", default="results", help="directory for results.json, "
                     "spikes.nix and weights_EE.npy (default: %(default)s)")
    run.add_argument("--overwrite", action="store_true",
                     help="replace a finished run in --output (its results.json is removed "
                          "first); without it such a directory is refused")
    run.add_argument("--spikes-format", choices=["nix", "pickle"], default="nix",
                     dest="spikes_format", help="spikes.nix (Neo NixIO, default) or spikes.pkl "
                     "(a pickled Neo Block: only for readers without nixio)")
    run.add_argument("--quiet", action="store_true",
                     help="no progress on stderr (phases, memory, progress bar)")
    run.add_argument("--force", action="store_true",
                     help="run even if the memory estimate says it will not fit")
    run.add_argument("--processes-per-node", type=int, dest="processes_per_node",
                     help="MPI processes sharing this node's memory (default: from the MPI "
                          "launcher, else all)")
    stdp = run.add_argument_group("power-law STDP (E->E), defaults from the seed")
    stdp.add_argument("--lambda", dest="lambda_", type=_number, default=P.STDP["lambda"])
    stdp.add_argument("--alpha", type=_number, default=P.STDP["alpha"])
    stdp.add_argument("--mu", type=_number, default=P.STDP["mu"])
    stdp.add_argument("--tau-plus", type=_number, default=P.STDP["tau_plus"], help="ms")
    stdp.add_argument("--tau-minus", type=_number, default=P.STDP["tau_minus"], help="ms")
    stdp.add_argument("--w0", type=_number, default=P.STDP["w0"],
                      help="reference weight of the power law in nA at k = 1 "
                           "(default: 0.001 = 1 pA; scaled by 1/sqrt(k))")

    est = sub.add_parser("estimate", help="predict connections and peak memory, build nothing")
    _network_options(est)
    est.add_argument("--processes", type=int, default=1, help="MPI processes (default 1)")
    est.add_argument("--processes-per-node", type=int, dest="processes_per_node",
                     help="of them on one node (default: as many as fit in this machine's memory)")

    rep = sub.add_parser("replay", help="one plastic synapse driven by given spike trains, "
                         "on each backend beside the reference rule")
    rep.add_argument("--backends", nargs="+", default=["nest"], help="default: nest")
    rep.add_argument("--pre", help="file of presynaptic spike times (ms)")
    rep.add_argument("--post", help="file of postsynaptic spike times (ms)")
    rep.add_argument("--rate", type=_number, default=20.0,
                     help="without files: Poisson rate of both trains in Hz (default 20)")
    rep.add_argument("--duration", type=_number, default=1000.0,
                     help="without files: length of the trains in ms (default 1000)")
    rep.add_argument("--seed", type=int, default=1, help="without files: seed of the trains")
    rep.add_argument("--delay", type=_number, default=P.NETWORK["delay"], help="ms (default 1.5)")
    rep.add_argument("--output", help="directory for replay.json")

    cmp = sub.add_parser("compare", help="do the backends run the same network? each "
                         "statistic's distributions against the reference's seed-to-seed spread")
    cmp.add_argument("runs", nargs="*", help="output directories of 'pynn-hpc run' to compare "
                     "(default: make the runs, one per backend and seed, in OUTPUT/runs)")
    cmp.add_argument("--backends", nargs="+", default=["nest", "neuron"],
                     help="default: nest neuron")
    cmp.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3, 4, 5],
                     help="one run per backend and seed (default: 1 2 3 4 5; at least 3)")
    cmp.add_argument("--reference", default="nest", help="the backend whose seed-to-seed "
                     "spread is the tolerance (default: nest)")
    _network_options(cmp, backend=False)
    cmp.add_argument("--output", default="comparison", help="directory for comparison.json, "
                     "comparison.png, report.html, report.md and the runs (default: %(default)s)")
    cmp.add_argument("--quiet", action="store_true",
                     help="no line per run (backend, seed, time, rate): the verdict only")
    cmp.add_argument("--jobs", type=int, default=1, help="runs made at a time, each its own "
                     "process (default 1; more share the cores: the timing table says so)")

    plot = sub.add_parser("plot", help="draw a finished run: raster, population rate, "
                          "E->E weight distribution")
    plot.add_argument("run_dir", metavar="RUN_DIR", help="output directory of 'pynn-hpc run'")
    plot.add_argument("--output", help="figure file, format from its suffix (default: "
                      "RUN_DIR/run.png)")

    sub.add_parser("info", help="list the backends, installed or not, with versions")
    return parser


def _network(args):
    """The network the parsed ``args`` ask for (:func:`pynn_hpc.protocol.network_options`)."""
    from pynn_hpc import protocol
    return protocol.network_options(**_network_args(args), backend=args.backend,
                                    processes_per_node=getattr(args, "processes_per_node", None))


def _network_args(args):
    """The network options of a parsed command line, as keyword arguments."""
    stdp = {name: getattr(args, option) for name, option in _STDP_OPTIONS.items()
            if hasattr(args, option)}
    return dict(preset=args.preset, scale=args.scale, indegree_scale=args.indegree_scale,
                dc_rate=args.dc_rate, compensation=args.compensation, threads=args.threads,
                simtime=args.simtime, presim=args.presim, seed=getattr(args, "seed", None),
                **({"stdp": stdp} if stdp else {}))


#: STDP parameter -> the ``run`` option's attribute
_STDP_OPTIONS = {"lambda": "lambda_", "alpha": "alpha", "mu": "mu", "tau_plus": "tau_plus",
                 "tau_minus": "tau_minus", "w0": "w0"}


def _summary(r):
    t = r["timings"]
    w = r["weights_EE"]
    lines = [
        f"{r['simulator']} {r['simulator_version']} (PyNN {r['pynn_version']}): "
        f"{r['n_neurons']:,} neurons, {r['n_connections']:,} connections "
        f"(indegree x {r['indegree_scale']:g}), "
        f"{r['threads']} thread(s) x {r['mpi_processes']} process(es)",
        f"create {t['time_create']:.2f} s  connect {t['time_connect']:.2f} s  "
        f"presimulate {t['time_presimulate']:.2f} s  simulate {t['time_simulate']:.2f} s  "
        f"(real-time factor {r['real_time_factor']:.1f}), peak RSS {r['peak_rss_mb']:.0f} MB"
        + (f"; build {t['time_build']:.1f} s" if "time_build" in t else ""),
        f"rate {r['rate_hz']:.2f} Hz, CV(ISI) {r['cv_isi']:.2f}, synchrony {r['synchrony']:.4f} "
        f"(Fano factor {r['fano_factor']:.2f})  ({r['n_recorded']} E neurons, "
        f"{r['simtime_ms']:g} ms after {r['presim_ms']:g} ms)",
        f"E->E weights (sample of {w['n']:,}): mean {w['mean'] * 1000:.3f} pA, "
        f"sd {w['sd'] * 1000:.3f} pA",
    ]
    regime = r["regime"]
    lines.append("regime: asynchronous irregular" if regime["asynchronous_irregular"]
                 else f"WARNING: {regime['warning']}")
    if not regime["seed_rate_below_10hz"]:
        lines.append("note: the seed asks for a rate below 10 Hz for meaningful use")
    return "\n".join(lines)


def cmd_run(args):
    """Check and claim (one line, exit 2, on bad input), then run and write
    (:func:`pynn_hpc.protocol.prepare_run`); print what was written."""
    from pynn_hpc import protocol
    try:
        prepared = protocol.prepare_run(
            args.output, **_network_args(args), backend=args.backend,
            overwrite=args.overwrite, force=args.force, spikes_format=args.spikes_format,
            quiet=args.quiet, processes_per_node=args.processes_per_node)
    except (ParameterError, backends.BackendUnavailable) as err:
        return _fail(str(err))
    written = prepared.run()
    if written.port is not None:
        print("\n".join(written.port.get("summary", [])))
        print(f"written: {written.port_path}")
    if written.path is not None:
        print(_summary(written.results))
        print(f"written: {written.path}")
    return 0


def cmd_estimate(args):
    from . import estimate as E
    available = E.available_mb()
    try:
        _, d, _ = _network(args)
        est, per_node, fits = E.plan(args.backend, d, args.processes, args.processes_per_node,
                                     available)
    except ParameterError as err:
        return _fail(str(err))
    per_process = est["peak_rss_mb_per_process"]
    total = per_process * args.processes
    nodes = est["nodes_needed"]
    print(f"{args.backend}: {d.n_neurons:,} neurons, {d.n_connections:,} connections "
          f"({d.n_plastic:,} plastic), indegree x {d.indegree_scale:g}")
    print(f"predicted peak memory: {per_process:,.0f} MB per process x "
          f"{args.processes} = {total:,.0f} MB; available here: "
          + (f"{available:,.0f} MB" if available else "unknown")
          + ("" if available is None or total <= available or args.processes > 1
             else "  -> DOES NOT FIT"))
    if per_node is not None:
        print(f"{per_node} processes per node x {-(-args.processes // per_node)} nodes: "
              f"{per_process * per_node:,.0f} MB per node"
              + ("" if fits else "  -> DOES NOT FIT in this machine's memory"))
    elif available is not None and args.processes > 1 or (nodes or 0) > 1:
        print(f"nodes of this machine's memory needed: {nodes}" if nodes else
              f"one process alone needs more than this machine's {available:,.0f} MB: "
              "use more processes (--processes)")
    print(f"costs measured {est['costs']['measured']}")
    print(json.dumps({"derived": d.as_dict(), "estimate": est}, default=float))
    return 0


def cmd_replay(args):
    from . import replay as RP, results as R, rundir
    claim = None
    try:
        pre, post = RP.requested_trains(args.pre, args.post, args.rate, args.duration, args.seed)
        RP.check_delay(args.delay)
        for name in args.backends:
            backends.check_name(name)
        if args.output is not None:
            rundir.creatable(args.output)    # created only once there is something to write
        for name in args.backends:
            backends.load_ready(name)        # before replay says a word
    except (ValueError, backends.BackendUnavailable) as err:
        return _fail(str(err))
    try:
        r = RP.compare(args.backends, pre, post, delay=args.delay, progress=stopping.note)
        if args.output is not None:          # locked while written; replay.json swapped in
            claim = rundir.claim(args.output, finished=None, replaces=("replay.json",))
    except (ParameterError, backends.BackendUnavailable) as err:  # e.g. no compiler for a rule
        return _fail(str(err))
    try:
        return _print_replay(args, R, r, claim)
    finally:
        if claim is not None:
            claim.release()


def _print_replay(args, R, r, claim):
    names = list(r["weights"])
    print(f"{len(r['pre'])} pre and {len(r['post'])} post spikes, delay {args.delay:g} ms; "
          "weight (pA) after each presynaptic spike:")
    print("  t_pre (ms)  reference  " + "  ".join(f"{n:>10s}" for n in names))
    for i, t in enumerate(r["pre"]):
        print(f"  {t:10.1f}  {r['reference'][i] * 1000:9.5f}  "
              + "  ".join(f"{r['weights'][n][i] * 1000:10.5f}" for n in names))
    for pair, diff in r["max_rel_diff"].items():
        lsb = r["max_diff_lsb"].get(pair)
        print(f"largest difference, {pair}: {diff:.2e} relative, "
              f"{r['max_abs_diff_pA'][pair]:.4g} pA"
              + (f" = {lsb:.2f} LSB" if lsb is not None else ""))
    if claim is not None:
        R.write_json(claim.staged("replay.json"), r)
        claim.commit()
        print(f"written: {claim.path / 'replay.json'}")
    return 0


def cmd_compare(args):
    """:func:`pynn_hpc.compare`, then its verdict; exit code 0 with a verdict for every
    backend (agrees or differs), 1 when a run failed or no verdict was possible, 2 bad input."""
    import pynn_hpc
    from pynn_hpc import comparison
    try:
        c = pynn_hpc.compare(
            backends=args.backends, seeds=args.seeds, preset=args.preset,
            reference=args.reference, output=args.output, jobs=args.jobs, runs=args.runs,
            quiet=args.quiet, scale=args.scale, indegree_scale=args.indegree_scale,
            dc_rate=args.dc_rate, compensation=args.compensation, threads=args.threads,
            simtime=args.simtime, presim=args.presim)
    except ParameterError as err:
        return _fail(str(err))
    output = Path(args.output)
    if "no_verdict_reason" in c:
        print(f"written: {output / 'comparison.json'}, {output / 'report.html'}, "
              f"{output / 'report.md'} (no verdict)")
        print(f"pynn-hpc: no verdict possible: {c['no_verdict_reason']}", file=sys.stderr)
        return 1
    print("\n".join(comparison.summary(c)))
    print(f"written: {output / 'comparison.json'}, {output / 'comparison.png'}, "
          f"{output / 'report.html'}, {output / 'report.md'}")
    return 1 if c["failed"] or None in c["agrees"].values() else 0


def cmd_plot(args):
    """The figure of a finished run (:mod:`pynn_hpc.analysis.run_figure`)."""
    from pynn_hpc.analysis import run_figure
    for option, value in (("RUN_DIR", args.run_dir), ("--output", args.output)):
        if value is not None and not value.strip():
            return _fail(f"{option} must name a {'directory' if option == 'RUN_DIR' else 'file'}"
                         " (got '')")
    try:
        path = run_figure.save(args.run_dir, args.output)
    except ValueError as err:           # RunError: no or a corrupt run; an unwritable output
        return _fail(str(err))
    print(f"written: {path}")
    return 0


def cmd_info(args):
    """One line per backend: versions, 'not installed' with the pip command, or why it is broken.

    Exit code 1 when an installed backend cannot start (e.g. its NMODL build failed), else 0."""
    print(f"pynn_hpc {importlib.metadata.version('pynn_hpc')}")
    broken = False
    width = max(map(len, backends.names()))
    for name in backends.names():
        try:
            sim = backends.load(name)
        except backends.BackendBroken as err:
            print(f"  {name:{width}s} installed but broken: {err}")
            broken = True
            continue
        except backends.BackendUnavailable:
            print(f"  {name:{width}s} not installed: {backends.install_hint(name)}")
            continue
        v = sim.versions()
        mpi = {True: " (with MPI)", False: " (without MPI)"}.get(v.get("mpi"), "")
        print(f"  {name:{width}s} {v['simulator']} {v['simulator_version']}{mpi}, "
              f"PyNN {v['pynn_version']}")
    return 1 if broken else 0


def main(argv=None):
    """Parse, then run the command under :func:`pynn_hpc.stopping.guarded`: SIGINT/SIGTERM
    stop it at once (exit 128 + signal, one line), and under MPI a rank that fails or is
    interrupted prints one line and aborts every rank."""
    args = build_parser().parse_args(argv)
    commands = {"run": cmd_run, "estimate": cmd_estimate, "replay": cmd_replay,
                "compare": cmd_compare, "plot": cmd_plot, "info": cmd_info}
    return stopping.guarded(commands[args.command], args, supervise=argv is None)


if __name__ == "__main__":
    sys.exit(main())
