"""``pynn-hpc``: run the seed's network on a simulator, list the backends.

    pynn-hpc run --backend nest --scale 1 --threads 2 --simtime 250 --presim 50 --seed 1 --output out
    pynn-hpc info

Bad input ends with one line on stderr and exit code 2, before anything is built or written.
"""
import argparse
import importlib.metadata
import sys

from . import backends, parameters as P
from .derived import ParameterError


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog.split()[0]} --help)\n")


def _fail(message):
    print(f"pynn-hpc: error: {message}", file=sys.stderr)
    return 2


def build_parser():
    parser = _Parser(prog="pynn-hpc", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="build and simulate the network, write results.json")
    run.add_argument("--backend", default="nest", help="simulator backend (default: nest)")
    run.add_argument("--scale", type=float, default=P.RUN["scale"],
                     help="network size: 11,250 x scale neurons (default: %(default)s)")
    run.add_argument("--threads", type=int, default=P.RUN["threads"],
                     help="threads per MPI process (default: %(default)s)")
    run.add_argument("--simtime", type=float, default=P.RUN["simtime"],
                     help="measured simulation time in ms (default: %(default)s)")
    run.add_argument("--presim", type=float, default=P.RUN["presim"],
                     help="presimulation in ms, excluded from timing and rates (default: %(default)s)")
    run.add_argument("--seed", type=int, default=P.RUN["seed"],
                     help="seed of every random draw (default: %(default)s)")
    run.add_argument("--output", default="results", help="directory for results.json and "
                     "spikes.pkl (default: %(default)s)")
    stdp = run.add_argument_group("power-law STDP (E->E), defaults from the seed")
    stdp.add_argument("--lambda", dest="lambda_", type=float, default=P.STDP["lambda"])
    stdp.add_argument("--alpha", type=float, default=P.STDP["alpha"])
    stdp.add_argument("--mu", type=float, default=P.STDP["mu"])
    stdp.add_argument("--tau-plus", type=float, default=P.STDP["tau_plus"], help="ms")
    stdp.add_argument("--tau-minus", type=float, default=P.STDP["tau_minus"], help="ms")
    stdp.add_argument("--w0", type=float, default=P.STDP["w0"],
                      help="reference weight of the power law in nA (default: 0.001 = 1 pA)")

    sub.add_parser("info", help="list the backends, installed or not, with versions")
    return parser


def _summary(r):
    t = r["timings"]
    w = r["weights_EE"]
    return "\n".join([
        f"{r['simulator']} {r['simulator_version']} (PyNN {r['pynn_version']}): "
        f"{r['n_neurons']:,} neurons, {r['n_connections']:,} connections, "
        f"{r['threads']} thread(s) x {r['mpi_processes']} process(es)",
        f"create {t['time_create']:.2f} s  connect {t['time_connect']:.2f} s  "
        f"presimulate {t['time_presimulate']:.2f} s  simulate {t['time_simulate']:.2f} s  "
        f"(real-time factor {r['real_time_factor']:.1f}), peak RSS {r['peak_rss_mb']:.0f} MB",
        f"rate {r['rate_hz']:.2f} Hz, CV(ISI) {r['cv_isi']:.2f}, Fano factor {r['fano_factor']:.2f}"
        f"  ({r['n_recorded']} E neurons, {r['simtime_ms']:g} ms after {r['presim_ms']:g} ms)",
        f"E->E weights (sample of {w['n']:,}): mean {w['mean'] * 1000:.3f} pA, "
        f"sd {w['sd'] * 1000:.3f} pA",
    ])


def cmd_run(args):
    from . import protocol, results as R
    stdp = {"lambda": args.lambda_, "alpha": args.alpha, "mu": args.mu,
            "tau_plus": args.tau_plus, "tau_minus": args.tau_minus, "w0": args.w0}
    try:
        protocol.check_run(args.scale, args.threads, args.simtime, args.presim)
        protocol.check_stdp(stdp)
        from .derived import derive
        derive(args.scale, w0=args.w0)
        sim = backends.load(args.backend)
    except (ParameterError, KeyError, backends.BackendUnavailable) as err:
        return _fail(str(err).strip("'\""))
    if sim.rank() == 0:
        try:
            output = R.prepare_output(args.output)
        except ParameterError as err:
            return _fail(str(err))
    results, block = protocol.run(sim, scale=args.scale, threads=args.threads,
                                  simtime=args.simtime, presim=args.presim, seed=args.seed,
                                  stdp=stdp)
    if results and sim.rank() == 0:
        path = R.write(output, results, block)
        print(_summary(results))
        print(f"written: {path}")
    return 0


def cmd_info(args):
    print(f"pynn_hpc {importlib.metadata.version('pynn_hpc')}")
    for name in backends.names():
        try:
            sim = backends.load(name)
        except backends.BackendUnavailable:
            print(f"  {name:10s} not installed: {backends.install_hint(name)}")
            continue
        v = sim.versions()
        print(f"  {name:10s} {v['simulator']} {v['simulator_version']}, PyNN {v['pynn_version']}")
    return 0


def main(argv=None):
    args = build_parser().parse_args(argv)
    return {"run": cmd_run, "info": cmd_info}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
