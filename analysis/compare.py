"""Do two simulators run the same network? Distributions compared against seed-to-seed spread.

Two simulators given the same model and seed still draw different random numbers
(connectivity, drive), so their spikes cannot be compared one by one; only the
statistics of the network can.  For each run (after the presimulation) we take four
distributions over neurons, pairs or synapses:

* ``rate``: firing rate of each recorded neuron (Hz), silent ones included;
* ``cv_isi``: coefficient of variation of the interspike intervals of each neuron with
  at least 3 spikes;
* ``correlation``: Pearson correlation of the spike counts in ``bin_ms`` bins of every
  pair among the first ``n_correlated`` recorded neurons that fire (Elephant);
* ``weight``: the E->E weights of the run's sample (pA).

Each is compared by the two-sample Kolmogorov-Smirnov distance D (scipy), and D is judged
against what the reference simulator does to itself: **a backend agrees on a statistic when
the median D between its runs and the reference's runs is no larger than the largest D
between two runs of the reference that differ only in their seed** (the recipe of the PD14
microcircuit validations: a difference smaller than changing the seed is no difference).
The largest of few distances is itself noisy: a simulator that IS the reference is still
judged different on a statistic now and then.  ``false_alarm`` measures how often, by Monte
Carlo on runs that all come from one process (1,000 values each, a random shift per seed):
per statistic about 20 % with 3 runs per backend, 2-4 % with 5, under 1 % with 8; the report
states it for the numbers of runs at hand.  5 seeds by default.
The test can fail: a network with other plasticity parameters lies outside the spread
(tests/test_compare.py).
"""
import logging
import pickle
import warnings
from itertools import combinations
from pathlib import Path

import numpy as np
import quantities as pq
from elephant.conversion import BinnedSpikeTrain
from elephant.spike_train_correlation import correlation_coefficient
from elephant.statistics import cv, isi
from scipy.stats import ks_2samp

from .statistics import window

# spikes on the 0.1 ms grid fall on bin edges: Elephant corrects each by a warning per train
import elephant.utils  # noqa: E402
logging.getLogger(elephant.utils.__file__).setLevel(logging.ERROR)

#: statistic -> (label with unit, what one value is)
STATISTICS = {
    "rate": ("firing rate (Hz)", "neuron"),
    "cv_isi": ("CV of interspike intervals", "neuron"),
    "correlation": ("spike-count correlation", "pair"),
    "weight": ("E->E weight (pA)", "synapse"),
}

TOLERANCE = ("median KS distance to the reference's runs <= largest KS distance between two "
             "runs of the reference with different seeds")


def distributions(spiketrains, t_start, t_stop, weights_nA, bin_ms=5.0, n_correlated=200):
    """The four distributions of one run (see module doc); times in ms."""
    trains = window(spiketrains, t_start, t_stop)
    duration_s = (t_stop - t_start) / 1000.0
    rates = np.array([len(st) / duration_s for st in trains])
    cvs = np.array([cv(isi(st.rescale(pq.ms).magnitude)) for st in trains if len(st) >= 3])
    firing = [st for st in trains if len(st) > 0][:n_correlated]
    if len(firing) >= 2:
        with warnings.catch_warnings():     # a spike at exactly t_stop belongs to no bin
            warnings.simplefilter("ignore", UserWarning)
            binned = BinnedSpikeTrain(firing, bin_size=bin_ms * pq.ms, t_start=t_start * pq.ms,
                                      t_stop=t_stop * pq.ms)
        matrix = correlation_coefficient(binned)
        corr = matrix[np.triu_indices(len(firing), k=1)]
        corr = corr[np.isfinite(corr)]
    else:
        corr = np.array([])
    return {"rate": rates, "cv_isi": cvs, "correlation": corr,
            "weight": np.asarray(weights_nA, dtype=float) * 1000.0}


def load_run(path, bin_ms=5.0, n_correlated=200):
    """results.json, spikes and weights of a ``pynn-hpc run`` output directory, with its
    distributions (key ``distributions``)."""
    import json
    path = Path(path)
    results = json.loads((path / "results.json").read_text())
    with open(path / results["spikes_file"], "rb") as f:
        block = pickle.load(f)
    weights = np.load(path / results["weights_file"])
    t0 = results["presim_ms"]
    dist = distributions(block.segments[0].spiketrains, t0, t0 + results["simtime_ms"], weights,
                         bin_ms, n_correlated)
    return dict(results, path=str(path), distributions=dist)


def ks(a, b):
    """Two-sample Kolmogorov-Smirnov distance (NaN if a sample is empty)."""
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    return float(ks_2samp(a, b).statistic)


def false_alarm(n_reference, n_other, trials=200, n_values=1000, seed_sd=0.05, seed=0):
    """How often the verdict says "differs" for a backend that is the reference.

    Monte Carlo: every run is ``n_values`` draws from N(m, 1), with m ~ N(0, seed_sd) per run
    (the seed's effect); the fraction of trials in which the median distance between the two
    groups exceeds the largest distance within the reference group.
    """
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(trials):
        runs = [rng.normal(rng.normal(0.0, seed_sd), 1.0, n_values)
                for _ in range(n_reference + n_other)]
        ref, other = runs[:n_reference], runs[n_reference:]
        within = max(ks(a, b) for a, b in combinations(ref, 2))
        hits += np.median([ks(a, b) for a in other for b in ref]) > within
    return hits / trials


def compare(groups, reference):
    """Judge every backend against ``reference``.

    ``groups``: backend -> list of runs (each with ``distributions`` and ``seed``), the
    reference with at least two.  Returns a JSON-ready dict: per statistic the reference's
    seed-to-seed distances and each backend's distances to the reference with its verdict;
    per backend the mean and seed-to-seed sd of each statistic's mean; ``agrees`` per backend.
    """
    ref = groups[reference]
    if len(ref) < 2:
        raise ValueError(f"need at least two runs of the reference '{reference}' with "
                         "different seeds: their differences are the tolerance")
    out = {"reference": reference, "tolerance": TOLERANCE, "statistics": {}, "means": {},
           "agrees": {}}
    for stat, (label, unit) in STATISTICS.items():
        within = [ks(a["distributions"][stat], b["distributions"][stat])
                  for a, b in combinations(ref, 2)]
        entry = {"label": label, "per": unit,
                 "reference_ks": within, "tolerance_ks": float(np.nanmax(within))}
        for backend, runs in groups.items():
            if backend == reference:
                continue
            cross = [ks(a["distributions"][stat], b["distributions"][stat])
                     for a in runs for b in ref]
            median = float(np.nanmedian(cross)) if np.any(np.isfinite(cross)) else float("nan")
            entry[backend] = {"ks": cross, "median_ks": median,
                              "agrees": bool(median <= entry["tolerance_ks"])}
        out["statistics"][stat] = entry
    for backend, runs in groups.items():
        means = {}
        for stat in STATISTICS:
            per_run = [float(np.mean(r["distributions"][stat])) if len(r["distributions"][stat])
                       else float("nan") for r in runs]
            means[stat] = {"mean": float(np.nanmean(per_run)),
                           "sd": float(np.nanstd(per_run, ddof=1)) if len(runs) > 1 else 0.0,
                           "runs": per_run}
        out["means"][backend] = dict(means, seeds=[r.get("seed") for r in runs])
        if backend != reference:
            out["agrees"][backend] = all(out["statistics"][s][backend]["agrees"]
                                         for s in STATISTICS)
            out.setdefault("false_alarm", {})[backend] = false_alarm(len(ref), len(runs))
    return out


def table(report):
    """The report as Markdown: mean +- seed-to-seed sd, KS median vs tolerance, verdict."""
    ref = report["reference"]
    others = [b for b in report["means"] if b != ref]
    head = ["statistic", f"{ref} (reference)"] + [f"{b}" for b in others] + \
        ["tolerance (KS)"] + [f"{b}: median KS (/ tolerance)" for b in others]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for stat, entry in report["statistics"].items():
        cells = [entry["label"]]
        for b in [ref] + others:
            m = report["means"][b][stat]
            cells.append(f"{m['mean']:.4g} +- {m['sd']:.2g}")
        cells.append(f"{entry['tolerance_ks']:.3f}")
        for b in others:
            e = entry[b]
            cells.append(f"{e['median_ks']:.3f} ({e['median_ks'] / entry['tolerance_ks']:.2f}, "
                         f"{'agrees' if e['agrees'] else 'DIFFERS'})")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
