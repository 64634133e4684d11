"""Seeds: pynn_hpc on NEST is the seed's network, and one --seed gives independent streams.

pynn_hpc and the seed hand-written in PyNEST both draw V_m from numpy's RandomState seeded by
V_m's child of SeedSequence(seed) (E then I, as the seed draws with numpy), the connections
from NEST's kernel RNG in the same order, and the Poisson drive from one generator, so the
recorded spike trains must be identical, spike for spike.

The numpy streams the network draws from (V_m, connections on NEURON) must differ between
purposes and between seeds: ``compare`` treats seeds as independent samples.
"""
import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import small_network

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--scale", "0.02", "--threads", "2", "--simtime", "80", "--presim", "20", "--seed", "4"]


def test_identical_spikes_to_native_nest(tmp_path):
    native = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "native_nest.py"), *ARGS,
                             "--spikes", str(tmp_path / "native.npz")],
                            capture_output=True, text=True, timeout=600)
    assert native.returncode == 0, native.stderr
    ours = subprocess.run([sys.executable, "-m", "pynn_hpc.cli", "run", *ARGS, "--spikes-format",
                           "pickle", "--output", str(tmp_path / "ours")], capture_output=True,
                          text=True, timeout=600)
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


def numpy_streams(sim, seed):
    """The first draws of each NumpyRNG the network built with ``seed`` uses, by purpose."""
    _, _, E, I, _, _, prj = small_network(sim, threads=1, seed=seed)
    rngs = {"V_m": E.initial_values["v"].base_value.rng}
    rngs.update({f"connections {key}": p._connector.rng for key, p in prj.items()
                 if getattr(p._connector, "rng", None) is not None})
    return {(seed, purpose): tuple(np.random.RandomState(rng.seed).random_sample(4))
            for purpose, rng in rngs.items()}


@pytest.mark.parametrize("backend", ["nest", "neuron"])
def test_seeds_and_purposes_draw_independent_streams(backend, request):
    """Seeding V_m with s and connections with s + 1 made run s's connections run s+1's V_m."""
    sim = request.getfixturevalue(f"{backend}_sim")
    streams = {}
    for seed in (1, 2, 3):
        streams.update(numpy_streams(sim, seed))
    assert {purpose for _, purpose in streams} >= {"V_m", "connections EE"}
    first = {}
    for key, draws in streams.items():
        same = first.setdefault(draws, key)
        # the connectors of one network may share a stream; nothing else may
        assert same == key or (same[0] == key[0] and "V_m" not in (same[1], key[1])), \
            f"{key} draws {same}'s stream"
