"""What this machine's memory allows for synapse events: streaming bandwidth and random access.

    python benchmarks/memory_bound.py
    python benchmarks/memory_bound.py --size-mb 2048 --threads 2

A synapse event reads and writes its synapse (weight and traces, a few tens of bytes, in rows
that can stream) and adds to a target neuron's input at a place that is random for every
event.  Two numbers bound how fast that can be done, measured here with numpy on arrays much
larger than the caches:

* **stream**: bytes per second read plus written by ``b[:] = a`` (copy) and
  ``a += s * b`` (triad): the bound for synapse data that is read in order;
* **gather**: random 8-byte reads per second from an array of ``--size-mb`` (``a[idx]``,
  ``idx`` a random permutation): the bound for accesses that miss every cache, as a target's
  input or its spike history can.

``--threads`` runs that many copies at once (one process each), as the simulators' threads
share the memory bus.  Prints one JSON line per measure and the rates per copy and in all.
"""
import argparse
import json
import multiprocessing as mp
import time

import numpy as np


def _stream(size_mb, repeats):
    n = size_mb * 2**20 // 8
    a, b = np.ones(n), np.empty(n)
    best_copy = best_triad = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        b[:] = a
        best_copy = min(best_copy, time.perf_counter() - t0)
        t0 = time.perf_counter()
        a += 0.5 * b                       # reads a and b, writes a temporary and a
        best_triad = min(best_triad, time.perf_counter() - t0)
    return {"copy_gb_s": 2 * 8 * n / best_copy / 1e9,          # read a, write b
            "triad_gb_s": 5 * 8 * n / best_triad / 1e9}        # b, 0.5*b (w+r), a (r+w)


def _gather(size_mb, repeats, seed=1):
    n = size_mb * 2**20 // 8
    a = np.ones(n)
    m = min(n, 2**24)
    idx = np.random.default_rng(seed).integers(0, n, size=m)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        a[idx].sum()
        best = min(best, time.perf_counter() - t0)
    return {"random_reads_per_s": m / best, "ns_per_random_read": best / m * 1e9}


def _one(args):
    size_mb, repeats = args
    return {**_stream(size_mb, repeats), **_gather(size_mb, repeats)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=int, default=1024, help="each array (default 1024)")
    ap.add_argument("--threads", type=int, default=1, help="copies at once (default 1)")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    with mp.Pool(args.threads) as pool:
        each = pool.map(_one, [(args.size_mb, args.repeats)] * args.threads)
    for k in each[0]:
        values = [e[k] for e in each]
        total = sum(values) if not k.startswith("ns_") else np.mean(values)
        print(json.dumps({"measure": k, "per_copy": [round(v, 3) for v in values],
                          "all": round(total, 3), "copies": args.threads}))


if __name__ == "__main__":
    main()
