"""Rate, irregularity and synchrony against the indegree scale k, on NEST (docs: "Scaling").

    python benchmarks/scaling_table.py --scale 1 --ks 1 0.5 0.2 0.1 0.05 --seeds 1 2

Runs ``pynn-hpc run`` for each k, with the DC compensation (--dc-rate 10) and without it
(--dc-rate 0), and prints a Markdown table with the regime verdict of each run.
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path


def run(scale, k, dc_rate, seed, args):
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pynn_hpc.cli", "run", "--scale", str(scale),
               "--indegree-scale", str(k), "--dc-rate", str(dc_rate), "--seed", str(seed),
               "--threads", str(args.threads), "--presim", str(args.presim),
               "--simtime", str(args.simtime), "--output", tmp, "--force",
               "--compensation", args.compensation]
        subprocess.run(cmd, capture_output=True, text=True, check=True)
        return json.loads((Path(tmp) / "results.json").read_text())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--ks", type=float, nargs="+", default=[1.0, 0.5, 0.2, 0.1, 0.05])
    ap.add_argument("--dc-rates", type=float, nargs="+", default=[10.0, 0.0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--presim", type=float, default=100.0)
    ap.add_argument("--simtime", type=float, default=500.0)
    ap.add_argument("--compensation", choices=["dc", "weights"], default="dc")
    args = ap.parse_args()
    print(f"scale {args.scale:g}, {args.threads} threads, {args.presim:g} + {args.simtime:g} ms, "
          f"compensation {args.compensation}, NEST\n")
    print("| k | DC (nA) | seed | rate (Hz) | CV(ISI) | synchrony | Fano | AI | simulate (s) | peak RSS (MB) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for k in args.ks:
        for dc_rate in (args.dc_rates if k < 1 else args.dc_rates[:1]):
            for seed in args.seeds:
                r = run(args.scale, k, dc_rate, seed, args)
                dc = r["derived"]["i_dc"]
                print(f"| {k:g} | {dc:.4f} ({dc_rate:g} Hz) | {seed} | {r['rate_hz']:.2f} | "
                      f"{r['cv_isi']:.2f} | {r['synchrony']:.4f} | {r['fano_factor']:.1f} | "
                      f"{'yes' if r['regime']['asynchronous_irregular'] else 'no'} | "
                      f"{r['timings']['time_simulate']:.1f} | {r['peak_rss_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
