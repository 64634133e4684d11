"""Measure peak memory of ``pynn-hpc run`` at several sizes and fit the estimate's costs.

    python benchmarks/memory_costs.py --backend nest

    peak RSS (MB) = base_mb + per_neuron_kb N / 1024 + per_connection_b n_connections / 2^20

(plastic and static synapses come in a fixed proportion in this model, so one cost per
connection is all the data can tell).  Prints the measurements, the fit, its worst relative
error, and the entry for ``backends/costs.py``.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SIZES = [(0.1, 0.1), (0.5, 0.2), (1.0, 0.1), (2.0, 0.1), (0.5, 1.0), (1.0, 0.5), (1.0, 1.0)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", default="nest")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    rows = []
    for scale, k in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-m", "pynn_hpc.cli", "run", "--backend", args.backend,
                            "--scale", str(scale), "--indegree-scale", str(k), "--presim", "10",
                            "--simtime", "10", "--threads", str(args.threads), "--output", tmp,
                            "--force"], check=True, capture_output=True)
            r = json.loads((Path(tmp) / "results.json").read_text())
        rows.append((r["n_neurons"], r["n_connections"], r["peak_rss_mb"]))
        print(f"scale {scale:g} k {k:g}: {r['n_neurons']:,} neurons, {r['n_connections']:,} "
              f"connections, peak RSS {r['peak_rss_mb']:.0f} MB", flush=True)
    n, c, rss = (np.array(x, dtype=float) for x in zip(*rows))
    A = np.column_stack([np.ones_like(n), n / 1024.0, c / 2 ** 20])
    from scipy.optimize import nnls          # costs are not negative (least squares may say so)
    (base, per_neuron_kb, per_connection_b), _ = nnls(A, rss)
    worst = np.max(np.abs(A @ [base, per_neuron_kb, per_connection_b] / rss - 1))
    print(f"fit: base {base:.0f} MB, {per_neuron_kb:.1f} kB per neuron, "
          f"{per_connection_b:.1f} B per connection; worst relative error {worst:.1%}")
    import pyNN
    print(json.dumps({args.backend: {
        "measured": f"{time.strftime('%Y-%m-%d')}, PyNN {pyNN.__version__}, {args.threads} threads",
        "base_mb": round(base, 1), "per_neuron_kb": round(per_neuron_kb, 2),
        "per_connection_b": round(per_connection_b, 2)}}, indent=4))


if __name__ == "__main__":
    main()
