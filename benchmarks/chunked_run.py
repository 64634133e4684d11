"""What running the simulation in chunks (progress, prompt Ctrl-C) costs: the same network
simulated in one ``run`` call and in chunks of ~0.5 s of wall time, alternately, on each backend.

    python benchmarks/chunked_run.py nest neuron [--repeats 3] [network options of pynn-hpc run]

Prints ``time_simulate`` of both ways per repeat, the median overhead, and whether the recorded
spikes are the same (they must be: run(x + y) is run(x); run(y)).
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

NETWORK = ["--scale", "0.02", "--indegree-scale", "0.1", "--dc-rate", "0", "--presim", "20",
           "--simtime", "500", "--seed", "5"]


def one(backend, chunked, args, out):
    prelude = (f"import sys, importlib; b = importlib.import_module('pynn_hpc.backends.{backend}')"
               f"; b.CHUNKED_RUN = {chunked}; from pynn_hpc.cli import main; "
               "sys.exit(main(sys.argv[1:]))")
    p = subprocess.run([sys.executable, "-c", prelude, "run", "--backend", backend, *args,
                        "--quiet", "--output", str(out)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    r = json.loads((out / "results.json").read_text())
    return r["timings"]["time_simulate"], r["n_spikes"], r["weights_EE"]["mean"]


def main(argv):
    repeats = 3
    if "--repeats" in argv:
        i = argv.index("--repeats")
        repeats = int(argv[i + 1])
        del argv[i:i + 2]
    first_option = next((i for i, a in enumerate(argv) if a.startswith("-")), len(argv))
    backends = argv[:first_option] or ["nest", "neuron"]     # the names before any option
    args = argv[first_option:] or NETWORK
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            ratios, same = [], True
            for k in range(repeats):
                whole = one(backend, False, args, Path(tmp) / f"{backend}-whole-{k}")
                parts = one(backend, True, args, Path(tmp) / f"{backend}-chunked-{k}")
                ratios.append(parts[0] / whole[0] - 1)
                same &= whole[1:] == parts[1:]
                print(f"{backend} repeat {k}: simulate one call {whole[0]:.2f} s, chunked "
                      f"{parts[0]:.2f} s ({100 * ratios[-1]:+.1f} %); spikes {whole[1]} / "
                      f"{parts[1]}", flush=True)
            print(f"{backend}: median overhead of chunking {100 * np.median(ratios):+.2f} % "
                  f"over {repeats} repeats; same spikes and weights: {same}")


if __name__ == "__main__":
    main(sys.argv[1:])
