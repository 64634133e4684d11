"""pynn_hpc on NEST is the seed's network: the same spikes as the seed hand-written in PyNEST.

Both draw V_m from numpy's RandomState(seed) (E then I, as the seed draws with numpy), the
connections from NEST's kernel RNG in the same order, and the Poisson drive from one generator,
so the recorded spike trains must be identical, spike for spike.
"""
import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--scale", "0.02", "--threads", "2", "--simtime", "80", "--presim", "20", "--seed", "4"]


def test_identical_spikes_to_native_nest(tmp_path):
    native = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "native_nest.py"), *ARGS,
                             "--spikes", str(tmp_path / "native.npz")],
                            capture_output=True, text=True, timeout=600)
    assert native.returncode == 0, native.stderr
    ours = subprocess.run([sys.executable, "-m", "pynn_hpc.cli", "run", *ARGS,
                           "--output", str(tmp_path / "ours")], capture_output=True, text=True,
                          timeout=600)
    assert ours.returncode == 0, ours.stderr

    ref = np.load(tmp_path / "native.npz")
    with open(tmp_path / "ours" / "spikes.pkl", "rb") as f:
        trains = pickle.load(f).segments[0].spiketrains
    index = np.concatenate([np.full(len(st), st.annotations["source_index"]) for st in trains])
    times = np.concatenate([st.rescale("ms").magnitude for st in trains])
    t_end = 20 + 80      # the native run stops here; PyNN's runs one min_delay further
    keep = times <= t_end + 1e-9
    ours_spikes = sorted(zip(np.round(times[keep], 4), index[keep]))
    native_spikes = sorted(zip(np.round(ref["times"], 4), ref["index"]))
    assert len(native_spikes) > 100
    assert ours_spikes == native_spikes

    r = json.loads((tmp_path / "ours" / "results.json").read_text())
    n = json.loads(native.stdout.strip().splitlines()[-1])
    assert r["n_connections"] == n["n_connections"]
    assert r["rate_hz"] == n["rate_hz"]
