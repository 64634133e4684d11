"""NEST and NEURON across processes, in one go: NEST 2 threads x 1 process, NEST 1 thread x 2
processes (MPI), NEURON 1 thread x 2 processes; times, memory per process and their ratios.

    python benchmarks/compare_mpi.py --preset desktop
    python benchmarks/compare_mpi.py --preset seed            # the seed's scale 1, full indegree

Needs NEST built with MPI (``bash scripts/install_nest_mpi.sh``) and mpich + mpi4py
(``bash scripts/install_mpi.sh``).  Each run is ``pynn-hpc run`` in fresh processes with the same
seed: the two NEST runs have the same number of virtual processes, so NEST promises identical
spikes (checked here by the spike count); NEURON draws other random numbers and agrees only
statistically.  Prints a Markdown table.
"""
import platform
import time

from compare_neuron import KEYS, network_parser, run as run_cli


def run(backend, args, threads, processes):
    r = run_cli(backend, args, processes=processes, threads=threads)
    return f"{r['simulator']} {threads} thread(s) x {processes} process(es)", r


def main():
    ap = network_parser(__doc__)
    args = ap.parse_args()

    runs = [run("nest", args, 2, 1), run("nest", args, 1, 2), run("neuron", args, 1, 2)]
    (l0, ref), (l1, mpi), _ = runs
    out = [f"{ref['n_neurons']:,} neurons, {ref['n_connections']:,} connections (scale "
           f"{ref['scale']:g}, indegree x {ref['indegree_scale']:g}), {ref['presim_ms']:g} ms "
           f"presim + {ref['simtime_ms']:g} ms, seed {args.seed}; {platform.node()} "
           f"({platform.machine()}), {time.strftime('%Y-%m-%d')}, NEST "
           f"{ref['simulator_version']}, NEURON {runs[2][1]['simulator_version']}", "",
           "| quantity | " + " | ".join(label for label, _ in runs)
           + " | NEST 1x2 / 2x1 |", "|---" * (len(runs) + 2) + "|"]

    def row(name, get, fmt):
        values = [get(r) for _, r in runs]
        ratio = get(mpi) / get(ref) if get(ref) else float("nan")
        out.append(f"| {name} | " + " | ".join(fmt.format(v) for v in values)
                   + f" | {ratio:.2f} |")

    for key in KEYS:
        row(f"{key} (s)", lambda r, k=key: r["timings"][k], "{:.2f}")
    row("peak RSS per process (MB)", lambda r: r["peak_rss_mb"], "{:.0f}")
    row("rate (Hz)", lambda r: r["rate_hz"], "{:.2f}")
    row("recorded spikes", lambda r: r["n_spikes"], "{:,}")
    same = "identical" if ref["n_spikes"] == mpi["n_spikes"] else "DIFFERENT"
    extra = mpi["timings"]["time_simulate"] - ref["timings"]["time_simulate"]
    out += ["", f"NEST {l0} and {l1}: {ref['n_spikes']:,} and {mpi['n_spikes']:,} recorded "
            f"spikes ({same} counts).",
            f"Simulating with 2 processes instead of 2 threads costs {extra:+.2f} s: the MPI spike "
            "exchange and any difference in load balance (NEST's basic kernel timers do not "
            "separate them; -Dwith-detailed-timers=ON would)."]
    print("\n".join(out))


if __name__ == "__main__":
    main()
