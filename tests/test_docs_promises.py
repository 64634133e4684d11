"""What the documentation promises and no other test checked, each in seconds: its tables and
numbers are read from the pages themselves (docs/*.md), so documentation and code cannot drift
apart unnoticed."""
import json
import re
import subprocess
import sys
from pathlib import Path

import neo
import numpy as np
import pytest
import quantities as pq

from pynn_hpc.analysis import regime
from pynn_hpc.analysis.statistics import spike_statistics
from pynn_hpc.backends.costs import COSTS
from pynn_hpc.presets import PRESETS, resolve

DOCS = Path(__file__).resolve().parent.parent / "docs"


def page(name):
    """A documentation page's Markdown (``docs/<name>.md``)."""
    return (DOCS / f"{name}.md").read_text()


def text(name):
    """The page's text with wrapped lines joined."""
    return " ".join(page(name).split())


def cli(*args):
    return subprocess.run([sys.executable, "-m", "pynn_hpc.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=600)


def test_presets_are_the_docs_table():
    """docs/scaling.md, "Presets": scale, k, DC and presim + sim of every preset."""
    rows = re.findall(r"^\| `(\w+)` \| ([\d.]+) \| ([\d.]+) \| (\S+) \| (\d+) \+ (\d+) \|",
                      page("scaling"), flags=re.M)
    assert {name for name, *_ in rows} == set(PRESETS)
    for name, scale, k, dc, presim, simtime in rows:
        p = PRESETS[name]
        assert (p["scale"], p["indegree_scale"], p["presim"], p["simtime"]) == \
            (float(scale), float(k), float(presim), float(simtime)), name
        assert (p["dc_rate"] == 0.0) == (dc == "none"), name       # "-": the default (k = 1)


def test_without_a_preset_the_run_is_the_seeds():
    """docs/scaling.md, "Presets": "Without --preset the run is the seed's (scale 1, full
    indegree, 50 + 250 ms, 1 thread)"."""
    assert "Without `--preset` the run is the seed's (scale 1, full indegree, 50 + 250 ms, 1 thread)" \
        in text("scaling")
    r = resolve()
    assert (r["scale"], r["indegree_scale"], r["presim"], r["simtime"], r["threads"]) == \
        (1.0, 1.0, 50.0, 250.0, 1)
    assert resolve("teaching", scale=0.5, simtime=20.0)["scale"] == 0.5       # options override


def stats(rate, cv, synchrony):
    return {"rate_hz": rate, "cv_isi": cv, "synchrony": synchrony}


def test_regime_thresholds_are_the_docs():
    """docs/scaling.md, "The regime report": AI when 0.1 Hz <= rate <= 50 Hz, CV(ISI) >= 0.5,
    synchrony <= 0.02."""
    assert ("0.1 Hz <= rate <= 50 Hz (only silence and runaway excluded), CV(ISI) >= 0.5 and "
            "synchrony <= 0.02") in text("scaling")
    for edge in (stats(0.1, 0.5, 0.02), stats(50.0, 0.5, 0.0)):
        assert regime.assess(edge)["asynchronous_irregular"], edge
    for beyond, failing in ((stats(0.09, 0.9, 0.0), "rate"), (stats(50.1, 0.9, 0.0), "rate"),
                            (stats(10.0, 0.49, 0.0), "irregular"),
                            (stats(10.0, 0.9, 0.021), "asynchronous"),
                            (stats(10.0, float("nan"), 0.0), "irregular")):
        r = regime.assess(beyond)
        assert not r["asynchronous_irregular"] and not r["checks"][failing], beyond
        assert r["warning"]
    assert regime.assess(stats(9.9, 0.9, 0.0))["seed_rate_below_10hz"]
    assert not regime.assess(stats(10.0, 0.9, 0.0))["seed_rate_below_10hz"]


def trains(times_per_neuron, t_stop):
    return [neo.SpikeTrain(np.sort(t) * pq.ms, t_stop=t_stop * pq.ms) for t in times_per_neuron]


def test_spike_statistics_mean_what_results_json_says():
    """docs/formats.md, results.json: rate over the recorded neurons, silent ones included, after the
    presimulation; CV over neurons with >= 3 spikes; Fano factor 1 for independent Poisson;
    synchrony = (fano - 1) / (n - 1), the pairwise correlation of 1 ms counts."""
    rng = np.random.default_rng(0)
    t0, t1 = 100.0, 10100.0
    poisson = [rng.uniform(t0, t1, rng.poisson(10 * 10)) for _ in range(200)]
    s = spike_statistics(trains(poisson + [np.array([]), np.array([50.0])], t1), t0, t1)
    assert s["n_recorded"] == 202 and s["n_spikes"] == sum(len(t) for t in poisson)
    assert s["rate_hz"] == pytest.approx(s["n_spikes"] / (202 * 10.0))      # silent ones count
    assert s["fano_factor"] == pytest.approx(1.0, abs=0.05)
    assert s["synchrony"] == pytest.approx((s["fano_factor"] - 1) / 201) and abs(s["synchrony"]) < 1e-3
    regular = [np.arange(t0 + 1, t1, 100.0), np.array([200.0, 300.0])]      # CV 0; 2 spikes: left out
    assert spike_statistics(trains(regular, t1), t0, t1)["cv_isi"] == pytest.approx(0.0, abs=1e-12)
    one = np.unique(np.floor(rng.uniform(t0, t1, 100))) + 0.5                # identical trains
    assert spike_statistics(trains([one] * 50, t1), t0, t1)["synchrony"] == pytest.approx(1.0, abs=0.02)


@pytest.mark.parametrize("backend, simulator", [("nest", "NEST"), ("neuron", "NEURON"),
                                                ("brian2", "Brian2"),
                                                ("brian2:standalone", "Brian2 C\\+\\+ standalone")])
def test_memory_costs_in_the_docs_are_backends_costs(backend, simulator):
    """docs/scaling.md, "Estimate before building": the figures are those the estimate uses."""
    c = COSTS[backend]
    m = re.search(simulator + r" [\d.]+, \d+ threads?: ([\d.]+) MB \+ ([\d.]+) kB per neuron \+ "
                  r"([\d.]+) B per connection", text("scaling"))
    assert m, f"docs/scaling.md states no memory costs for {simulator}"
    assert [float(x) for x in m.groups()] == \
        [round(c["base_mb"]), round(c["per_neuron_kb"], 1), round(c["per_connection_b"], 1)]


def test_a_run_that_does_not_fit_names_what_would_fit(tmp_path):
    """docs/scaling.md, "Estimate before building": a run predicted to exceed memory stops
    before building, "with the numbers and the options that would fit; --force runs anyway"."""
    assert "with the numbers and the options that would fit; `--force` runs anyway" in text("scaling")
    p = cli("run", "--scale", 40, "--output", tmp_path / "out")
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    for option in ("--scale", "--indegree-scale", "--force"):
        assert option in p.stderr, option
    assert not (tmp_path / "out").exists()


def test_results_json_fields_are_what_the_docs_define(tmp_path):
    """docs/formats.md, results.json: real_time_factor, synchrony, rss_after_connect_mb,
    n_connections; and every field a run writes is described there."""
    p = cli("run", "--scale", 0.02, "--indegree-scale", 0.1, "--dc-rate", 0, "--presim", 20,
            "--simtime", 40, "--output", tmp_path, "--quiet")
    assert p.returncode == 0, p.stderr
    r = json.loads((tmp_path / "results.json").read_text())
    assert r["real_time_factor"] == pytest.approx(r["timings"]["time_simulate"] / 0.040)
    assert r["synchrony"] == pytest.approx((r["fano_factor"] - 1) / (r["n_recorded"] - 1))
    assert 0 < r["rss_after_connect_mb"] <= r["peak_rss_mb"]
    assert r["n_connections"] == r["n_connections_expected"] == \
        r["n_neurons"] * (r["derived"]["CE"] + r["derived"]["CI"]) + r["n_neurons"]
    assert r["mpi_processes"] == 1 and r["seed"] == 1 and r["presim_ms"] == 20.0
    documented = set(re.findall(r"`(\w+)`", page("formats")))
    written = set(r) | set(r["timings"]) | set(r["regime"]) | set(r["weights_EE"])
    assert not written - documented, "results.json fields docs/formats.md does not describe"
