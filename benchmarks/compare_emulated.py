"""What SpiNNaker's emulated numerics cost: spinnaker-emulated variants against the NEURON backend
they run on, same network and seed (target: simulate time <= 2x NEURON's on the desktop network).

    python benchmarks/compare_emulated.py --preset desktop
    python benchmarks/compare_emulated.py --preset teaching --variants spinnaker-emulated:stdp

Each run is ``pynn-hpc run`` in a fresh process (``compare_neuron.run``, 1 thread).  Prints a
Markdown table; timings taken beside other work are loose (say so when quoting them).
"""
import platform
import time

from compare_neuron import KEYS, network_parser, run


def main():
    ap = network_parser(__doc__)
    ap.add_argument("--variants", nargs="+", default=["spinnaker-emulated:none",
                                                       "spinnaker-emulated",
                                                       "spinnaker-emulated:exact_alpha"],
                    help="spinnaker-emulated backend names (default: none, everything, and "
                    "everything with the exact alpha synapse: the corrected port)")
    args = ap.parse_args()
    base = run("neuron", args)
    runs = {name: run(name, args) for name in args.variants}
    out = [f"{base['n_neurons']:,} neurons, {base['n_connections']:,} connections (scale "
           f"{base['scale']:g}, indegree x {base['indegree_scale']:g}), {base['presim_ms']:g} ms "
           f"presim + {base['simtime_ms']:g} ms, seed {args.seed}, 1 thread; {platform.node()}, "
           f"{time.strftime('%Y-%m-%d')}, NEURON {base['simulator_version']}", "",
           "| backend | " + " | ".join(k[5:] + " (s)" for k in KEYS)
           + " | simulate / NEURON's | rate (Hz) | peak RSS (MB) |",
           "|---|" + "---|" * (len(KEYS) + 3)]
    for name, r in {"neuron": base, **runs}.items():
        t = r["timings"]
        out.append(f"| {name} | " + " | ".join(f"{t[k]:.2f}" for k in KEYS)
                   + f" | {t['time_simulate'] / base['timings']['time_simulate']:.2f} | "
                   f"{r['rate_hz']:.2f} | {r['peak_rss_mb']:.0f} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
