"""NEURON against NEST on the same reduced network, in one go: NEST (1 thread), NEURON on one
process and NEURON on N MPI processes; times, memory and their ratios.

    python benchmarks/compare_neuron.py --scale 1 --indegree-scale 0.1 --simtime 250 --presim 50
    python benchmarks/compare_neuron.py --preset desktop --processes 2

Each run is ``pynn-hpc run`` in a fresh process (peak RSS is per process; under MPI the
largest over ranks).  The three runs build the same model from the same seed; NEST and NEURON
draw different random numbers (connections, drives), so their rates and weights agree only
statistically.  Prints a Markdown table for the docs' measurement pages.
"""
import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KEYS = ("time_create", "time_connect", "time_presimulate", "time_simulate")


def run(backend, args, processes=1, threads=1):
    """``pynn-hpc run`` of the network ``args`` describes in fresh processes; its results.json."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pynn_hpc.cli", "run", "--backend", backend,
               "--threads", str(threads), "--seed", str(args.seed), "--output", tmp, "--force",
               "--quiet"]
        for name in ("preset", "scale", "indegree_scale", "dc_rate", "simtime", "presim"):
            value = getattr(args, name)
            if value is not None:
                cmd += ["--" + name.replace("_", "-"), str(value)]
        if processes > 1:
            cmd = [shutil.which("mpirun") or "mpirun", "-np", str(processes)] + cmd
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            sys.exit(f"{Path(sys.argv[0]).stem}: {backend} {threads} thread(s) x {processes} "
                     f"process(es) failed: {p.stderr.strip()[-500:]}")
        r = json.loads((Path(tmp) / "results.json").read_text())
    r["wall_s"] = wall
    print(f"{backend} {threads} x {processes}: "
          + ", ".join(f"{k[5:]} {r['timings'][k]:.1f} s" for k in KEYS)
          + f", peak RSS {r['peak_rss_mb']:.0f} MB, rate {r['rate_hz']:.2f} Hz", file=sys.stderr)
    return r


def network_parser(doc):
    """The network options every benchmark passes on to ``pynn-hpc run``."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--preset")
    ap.add_argument("--scale", type=float)
    ap.add_argument("--indegree-scale", type=float, dest="indegree_scale")
    ap.add_argument("--dc-rate", type=float, dest="dc_rate")
    ap.add_argument("--simtime", type=float)
    ap.add_argument("--presim", type=float)
    ap.add_argument("--seed", type=int, default=1)
    return ap


def main():
    ap = network_parser(__doc__)
    ap.add_argument("--processes", type=int, default=2, help="MPI processes for NEURON (default 2)")
    args = ap.parse_args()

    nest = run("nest", args)
    neuron1 = run("neuron", args)
    neuronN = run("neuron", args, args.processes)
    P = args.processes
    out = [f"{nest['n_neurons']:,} neurons, {nest['n_connections']:,} connections (scale "
           f"{nest['scale']:g}, indegree x {nest['indegree_scale']:g}), {nest['presim_ms']:g} ms "
           f"presim + {nest['simtime_ms']:g} ms, seed {args.seed}; {platform.node()} "
           f"({platform.machine()}), {time.strftime('%Y-%m-%d')}, NEST "
           f"{nest['simulator_version']} (1 thread), NEURON {neuron1['simulator_version']}, "
           f"PyNN {nest['pynn_version']}", "",
           f"| quantity | NEST | NEURON | NEURON x {P} MPI | NEURON / NEST | "
           f"NEURON 1 / {P} processes |", "|---|---|---|---|---|---|"]
    for key in KEYS:
        a, b, c = nest["timings"][key], neuron1["timings"][key], neuronN["timings"][key]
        out.append(f"| {key} (s) | {a:.2f} | {b:.2f} | {c:.2f} | {b / a:.1f} | {b / c:.2f} |")
    a, b, c = nest["peak_rss_mb"], neuron1["peak_rss_mb"], neuronN["peak_rss_mb"]
    out.append(f"| peak RSS (MB, per process) | {a:.0f} | {b:.0f} | {c:.0f} | {b / a:.1f} | "
               f"{b / c:.2f} |")
    out.append(f"| connections | {nest['n_connections']:,} | {neuron1['n_connections']:,} | "
               f"{neuronN['n_connections']:,} | | |")
    for label, get in (("rate (Hz)", lambda r: r["rate_hz"]),
                       ("CV(ISI)", lambda r: r["cv_isi"]),
                       ("mean E->E weight (pA)", lambda r: r["weights_EE"]["mean"] * 1000)):
        a, b, c = get(nest), get(neuron1), get(neuronN)
        out.append(f"| {label} | {a:.2f} | {b:.2f} | {c:.2f} | {b / a:.2f} | |")
    same = "identical" if neuron1["n_spikes"] == neuronN["n_spikes"] else "DIFFERENT"
    out.append("")
    out.append(f"NEURON on 1 and {P} processes: {neuron1['n_spikes']:,} and "
               f"{neuronN['n_spikes']:,} recorded spikes ({same} counts).")
    print("\n".join(out))


if __name__ == "__main__":
    main()
