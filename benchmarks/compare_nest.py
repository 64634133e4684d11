"""Our PyNN network on NEST against hand-written PyNEST, in one go, and the ratios.

    python benchmarks/compare_nest.py --scale 1 --threads 2 --seeds 1 2 3

Each run is a fresh process (peak RSS is per process).  At scale 1 the
dynamics are bursty and differ from seed to seed, and the two programs draw
different random numbers (V_m, Poisson trains), so simulation times are
compared over several seeds: ratios are of sums over seeds (times) and of
the largest values (memory).  Prints a Markdown table for the docs' measurement pages.
"""
import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def native(args, seed):
    cmd = [sys.executable, str(HERE / "native_nest.py"), "--scale", str(args.scale),
           "--threads", str(args.threads), "--simtime", str(args.simtime),
           "--presim", str(args.presim), "--seed", str(seed)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def ours(args, seed):
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pynn_hpc.cli", "run", "--backend", "nest",
               "--scale", str(args.scale), "--threads", str(args.threads),
               "--simtime", str(args.simtime), "--presim", str(args.presim),
               "--seed", str(seed), "--output", tmp]
        subprocess.run(cmd, capture_output=True, text=True, check=True)
        r = json.loads((Path(tmp) / "results.json").read_text())
    r["weights_EE_mean"] = r["weights_EE"]["mean"]
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--simtime", type=float, default=250.0)
    ap.add_argument("--presim", type=float, default=50.0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = ap.parse_args()

    rows = []
    for seed in args.seeds:
        n, o = native(args, seed), ours(args, seed)    # alternate, so load drifts hit both
        rows.append((seed, n, o))
        print(f"seed {seed}: native connect {n['timings']['time_connect']:.1f} s, simulate "
              f"{n['timings']['time_simulate']:.1f} s, {n['rate_hz']:.1f} Hz | pynn_hpc connect "
              f"{o['timings']['time_connect']:.1f} s, simulate {o['timings']['time_simulate']:.1f} s, "
              f"{o['rate_hz']:.1f} Hz", file=sys.stderr)


    rows_n = [r[1] for r in rows]
    rows_o = [r[2] for r in rows]
    out = []
    out.append(f"Scale {args.scale:g}, {args.threads} threads, {args.presim:g} ms presim + "
               f"{args.simtime:g} ms, seeds {' '.join(map(str, args.seeds))}; "
               f"{platform.node()} ({platform.machine()}, {platform.processor() or '?'}), "
               f"{time.strftime('%Y-%m-%d')}, NEST {rows_n[0]['simulator_version']}, "
               f"PyNN {rows_o[0]['pynn_version']}")
    out.append("")
    out.append("| quantity | native NEST | pynn_hpc | ratio |")
    out.append("|---|---|---|---|")
    for key in ("time_create", "time_connect", "time_presimulate", "time_simulate"):
        a = sum(r["timings"][key] for r in rows_n)
        b = sum(r["timings"][key] for r in rows_o)
        out.append(f"| {key} (s, sum over seeds) | {a:.2f} | {b:.2f} | {b / a:.2f} |")
    a = max(r["peak_rss_mb"] for r in rows_n)
    b = max(r["peak_rss_mb"] for r in rows_o)
    out.append(f"| peak RSS (MB, largest) | {a:.0f} | {b:.0f} | {b / a:.2f} |")
    out.append(f"| connections | {rows_n[0]['n_connections']:,} | {rows_o[0]['n_connections']:,} | "
               f"{rows_o[0]['n_connections'] / rows_n[0]['n_connections']:.6f} |")
    for label, key in (("rate (Hz)", "rate_hz"), ("mean E->E weight (pA)", "weights_EE_mean")):
        unit = 1000.0 if "weight" in key else 1.0
        a = [r[key] * unit for r in rows_n]
        b = [r[key] * unit for r in rows_o]
        out.append(f"| {label}, per seed | {' / '.join(f'{x:.2f}' for x in a)} | "
                   f"{' / '.join(f'{x:.2f}' for x in b)} | {sum(b) / sum(a):.2f} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
