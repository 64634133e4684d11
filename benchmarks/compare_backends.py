"""Every backend against hand-written NEST on the same network, cores and seed, in one go:
connect time, simulate time per recorded spike and peak memory as ratios to hand-written NEST.

    python benchmarks/compare_backends.py --preset desktop --threads 1 2
    python benchmarks/compare_backends.py --preset teaching --backends nest neuron brian2
    python benchmarks/compare_backends.py --scale 1 --threads 2          # the seed's network

Hand-written NEST is ``benchmarks/native_nest.py`` (the seed in PyNEST, reduced by the same
indegree scaling as ``pynn-hpc run``); each backend is ``pynn-hpc run`` in a fresh process.
For each thread count the runs go one after another, native NEST first.  Rates differ between
simulators (other random numbers, other networks in detail), so simulate time is compared per
recorded spike: a backend that fires more does more work.  ``speed`` is native NEST's simulate
time per spike over the backend's: above 1 the backend is faster.  A backend that runs fewer
threads than asked (Brian2's runtime mode: one) says so in its row.  ``brian2:standalone``
generates and compiles a program first (``build``, its own column: not connect, not
simulate; little when the same network was built before).  Prints a Markdown table for the
docs' performance page.
"""
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

from compare_neuron import network_parser, run

HERE = Path(__file__).resolve().parent


def native(args, threads):
    """``native_nest.py`` on the network ``args`` names (a preset's values, or the options)."""
    from pynn_hpc.presets import resolve
    given = {k: getattr(args, k) for k in ("scale", "indegree_scale", "dc_rate", "simtime",
                                           "presim") if getattr(args, k) is not None}
    net = resolve(args.preset, threads=threads, seed=args.seed, **given)
    cmd = [sys.executable, str(HERE / "native_nest.py"), "--threads", str(threads),
           "--seed", str(args.seed)]
    for name in ("scale", "indegree_scale", "dc_rate", "simtime", "presim"):
        cmd += ["--" + name.replace("_", "-"), str(net[name])]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"compare_backends: native NEST failed: {p.stderr.strip()[-500:]}")
    r = json.loads(p.stdout.strip().splitlines()[-1])
    print(f"native NEST {threads} thread(s): connect {r['timings']['time_connect']:.1f} s, "
          f"simulate {r['timings']['time_simulate']:.1f} s, peak RSS {r['peak_rss_mb']:.0f} MB, "
          f"rate {r['rate_hz']:.2f} Hz", file=sys.stderr)
    return r


def per_spike(r):
    return r["timings"]["time_simulate"] / max(r["n_spikes"], 1)


def main():
    ap = network_parser(__doc__)
    ap.add_argument("--backends", nargs="+", default=["nest", "neuron", "brian2"])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    args = ap.parse_args()
    if args.preset is None and args.scale is None:
        args.preset = "desktop"
    rows = []
    for threads in args.threads:
        ref = native(args, threads)
        rows.append((threads, "hand-written NEST", ref, ref))
        for backend in args.backends:
            rows.append((threads, backend, run(backend, args, threads=threads), ref))
    first = rows[0][2]
    out = [f"{first['n_neurons']:,} neurons, {first['n_connections']:,} connections "
           f"({args.preset or 'scale ' + str(args.scale)}), seed {args.seed}; "
           f"{platform.node()} ({platform.machine()}), {time.strftime('%Y-%m-%d')}; "
           f"`python benchmarks/{Path(__file__).name} {' '.join(sys.argv[1:])}`", "",
           "| threads | engine | connect (s) | simulate (s) | rate (Hz) | simulate per spike "
           "(us) | peak RSS (MB) | connect / native | speed per spike vs native | "
           "memory / native | build (s) |", "|---" * 11 + "|"]
    for threads, name, r, ref in rows:
        used = r.get("threads_used", threads)
        label = name if used == threads else f"{name} (runs {used} thread)"
        t = r["timings"]
        out.append(f"| {threads} | {label} | {t['time_connect']:.2f} | {t['time_simulate']:.2f} "
                   f"| {r['rate_hz']:.2f} | {1e6 * per_spike(r):.1f} | {r['peak_rss_mb']:.0f} | "
                   f"{t['time_connect'] / ref['timings']['time_connect']:.2f} | "
                   f"{per_spike(ref) / per_spike(r):.2f} | "
                   f"{r['peak_rss_mb'] / ref['peak_rss_mb']:.2f} | "
                   + (f"{t['time_build']:.1f} |" if "time_build" in t else " |"))
    print("\n".join(out))


if __name__ == "__main__":
    main()
