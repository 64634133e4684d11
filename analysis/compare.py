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
(tests/test_compare.py).  A statistic that is identical in every reference run (a silent
network: every rate 0) or has no values (no neuron fires 3 spikes) gives no tolerance: its
verdict is ``None`` with the reason, never 0/0.
"""
import hashlib
import json
import logging
import math
import os
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


class RunError(ValueError):
    """A run directory that cannot be compared; the message says which and what to do."""


def read_spiketrains(path):
    """The spike trains of a ``pynn-hpc run`` spikes file: Neo NIX (``.nix``) or a pickled
    Neo Block (anything else; loading a pickle runs code of whoever wrote it)."""
    path = Path(path)
    if path.suffix == ".nix":
        trains = _read_nix_spiketrains(path)
        if trains is not None:
            return trains
        from neo.io import NixIO
        io = NixIO(str(path), mode="ro")
        try:
            block = io.read_block()
        finally:
            io.close()
    else:
        with open(path, "rb") as f:
            block = pickle.load(f)
    return block.segments[0].spiketrains


def _read_nix_spiketrains(path):
    """The spike trains of a NIX file as Neo's NixIO writes one segment of them, read with
    nixio directly: times, unit, t_start and t_stop, in the segment's order (8x faster than
    ``NixIO.read_block``, which also rebuilds every annotation: 2 s instead of 18 s for 1,000
    trains).  None for any other layout (then Neo reads it)."""
    import neo
    import nixio
    f = nixio.File.open(str(path), nixio.FileMode.ReadOnly)
    try:
        if len(f.blocks) != 1 or len(f.blocks[0].groups) != 1:
            return None
        trains = []
        for tag in f.blocks[0].groups[0].multi_tags:
            if tag.type != "neo.spiketrain" or tag.metadata is None:
                return None
            meta = tag.metadata
            unit = tag.positions.unit or "ms"
            trains.append(neo.SpikeTrain(tag.positions[:], units=unit,
                                         t_start=meta["t_start"] * pq.Quantity(1, unit),
                                         t_stop=meta["t_stop"] * pq.Quantity(1, unit)))
        return trains
    finally:
        f.close()


#: what a comparison reads from results.json
_NEEDED = ("backend", "seed", "presim_ms", "simtime_ms", "spikes_file", "weights_file")


def read_results(path):
    """``results.json`` of run directory ``path`` as a dict; RunError if missing or corrupt."""
    path = Path(path)
    file = path / "results.json"
    if not file.is_file():
        raise RunError(f"{path} holds no results.json: give output directories of "
                       "'pynn-hpc run'")
    try:
        results = json.loads(file.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise RunError(f"{file} cannot be read ({err}): run that directory again")
    missing = [k for k in _NEEDED if not isinstance(results, dict) or k not in results]
    if missing:
        raise RunError(f"{file} lacks '{missing[0]}': not the results.json of a "
                       "'pynn-hpc run'; run that directory again")
    return results


def load_run(path, bin_ms=5.0, n_correlated=200):
    """results.json, spikes and weights of a ``pynn-hpc run`` output directory, with its
    distributions (key ``distributions``); RunError if a file is missing or unreadable.

    The distributions are cached in the run directory (``CACHE_FILE``): reading the spikes
    takes seconds, and a comparison reads every run again."""
    path = Path(path)
    results = read_results(path)
    for key in ("spikes_file", "weights_file"):
        if not (path / results[key]).is_file():
            raise RunError(f"{path / results[key]} is missing (results.json names it): run "
                           "that directory again")
    cache_key = _cache_key(path, results, bin_ms, n_correlated)
    dist = _cached(path, cache_key)
    if dist is not None:
        return dict(results, path=str(path), distributions=dist)
    files = {}
    for key, read in (("spikes_file", read_spiketrains), ("weights_file", np.load)):
        file = path / results[key]
        try:
            files[key] = read(file)
        except Exception as err:          # whatever a damaged NIX, pickle or npy raises
            raise RunError(f"{file} cannot be read ({type(err).__name__}: "
                           f"{str(err).splitlines()[0] if str(err) else ''}): run that "
                           "directory again")
    t0 = results["presim_ms"]
    dist = distributions(files["spikes_file"], t0, t0 + results["simtime_ms"],
                         files["weights_file"], bin_ms, n_correlated)
    _store(path, cache_key, dist)
    return dict(results, path=str(path), distributions=dist)


#: a run's distributions, kept beside its results.json (recomputed when the key changes)
CACHE_FILE = "distributions.npz"
#: raise when ``distributions`` computes anything differently: old caches are then ignored
CACHE_VERSION = 1


def _cache_key(path, results, bin_ms, n_correlated):
    """What the distributions of run ``path`` depend on: results.json's bytes, the size and
    time of its spikes and weights files, the binning, and CACHE_VERSION."""
    h = hashlib.sha256((path / "results.json").read_bytes())
    for key in ("spikes_file", "weights_file"):
        st = (path / results[key]).stat()
        h.update(f"{results[key]}:{st.st_size}:{st.st_mtime_ns};".encode())
    h.update(f"{bin_ms!r}:{n_correlated!r}:{CACHE_VERSION}".encode())
    return h.hexdigest()


def _cached(path, key):
    """The distributions cached in run ``path`` under ``key``, or None."""
    try:
        with np.load(path / CACHE_FILE) as z:
            if str(z["key"]) == key:
                return {stat: z[stat] for stat in STATISTICS}
    except (OSError, KeyError, ValueError):
        pass
    return None


def _store(path, key, dist):
    """Cache ``dist`` in run ``path`` (atomically; a directory we cannot write is no error)."""
    tmp = path / f".{CACHE_FILE}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            np.savez(f, key=key, **dist)
        os.replace(tmp, path / CACHE_FILE)
    except OSError:
        tmp.unlink(missing_ok=True)


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


def _number(x):
    """A finite float, or None (JSON has no NaN)."""
    return float(x) if x is not None and math.isfinite(x) else None


def _no_verdict(reference, label, per, within):
    """Why the reference's seed-to-seed distances ``within`` give no tolerance, or None."""
    finite = [d for d in within if math.isfinite(d)]
    if not finite:
        return (f"no two runs of {reference} have a {label} to compare (too few "
                f"{per}s with a value, e.g. neurons firing 3 spikes)")
    if max(finite) == 0:
        return (f"the {label} is identical in every run of {reference} (e.g. a silent "
                "network): no seed-to-seed spread to judge against")
    return None


def compare(groups, reference):
    """Judge every backend against ``reference``.

    ``groups``: backend -> list of runs (each with ``distributions`` and ``seed``), the
    reference with at least two.  Returns a JSON-ready dict: per statistic the reference's
    seed-to-seed distances and each backend's distances to the reference with its verdict
    (True, False, or None with a ``reason`` when no verdict is possible); per backend the
    mean and seed-to-seed sd of each statistic's mean; ``agrees`` per backend (False if a
    statistic differs, else None if one has no verdict, else True) and ``no_verdict``, the
    reasons per backend.  Undefined numbers are None.
    """
    ref = groups[reference]
    if len(ref) < 2:
        raise ValueError(f"need at least two runs of the reference '{reference}' with "
                         "different seeds: their differences are the tolerance")
    out = {"reference": reference, "tolerance": TOLERANCE, "statistics": {}, "means": {},
           "agrees": {}, "no_verdict": {}}
    for stat, (label, unit) in STATISTICS.items():
        within = [ks(a["distributions"][stat], b["distributions"][stat])
                  for a, b in combinations(ref, 2)]
        reason = _no_verdict(reference, label, unit, within)
        tolerance = None if reason else max(d for d in within if math.isfinite(d))
        entry = {"label": label, "per": unit, "reference_ks": [_number(d) for d in within],
                 "tolerance_ks": tolerance}
        for backend, runs in groups.items():
            if backend == reference:
                continue
            cross = [ks(a["distributions"][stat], b["distributions"][stat])
                     for a in runs for b in ref]
            finite = [d for d in cross if math.isfinite(d)]
            median = float(np.median(finite)) if finite else None
            why = reason or (None if finite else f"the runs of {backend} have no {label}")
            entry[backend] = {"ks": [_number(d) for d in cross], "median_ks": median,
                              "agrees": None if why else bool(median <= tolerance)}
            if why:
                entry[backend]["reason"] = why
        out["statistics"][stat] = entry
    for backend, runs in groups.items():
        means = {}
        for stat in STATISTICS:
            per_run = [float(np.mean(r["distributions"][stat])) if len(r["distributions"][stat])
                       else None for r in runs]
            values = [m for m in per_run if m is not None]
            means[stat] = {"mean": float(np.mean(values)) if values else None,
                           "sd": float(np.std(values, ddof=1)) if len(values) > 1 else None,
                           "runs": per_run}
        out["means"][backend] = dict(means, seeds=[r.get("seed") for r in runs])
        if backend != reference:
            verdicts = [out["statistics"][s][backend]["agrees"] for s in STATISTICS]
            out["agrees"][backend] = (False if False in verdicts else
                                      None if None in verdicts else True)
            reasons = [f"{s}: {out['statistics'][s][backend]['reason']}" for s in STATISTICS
                       if out["statistics"][s][backend]["agrees"] is None]
            if reasons:
                out["no_verdict"][backend] = reasons
            out.setdefault("false_alarm", {})[backend] = false_alarm(len(ref), len(runs))
    return out


def _cell(x, spec):
    return "n/a" if x is None else format(x, spec)


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
            cells.append(f"{_cell(m['mean'], '.4g')} +- {_cell(m['sd'], '.2g')}")
        cells.append(_cell(entry["tolerance_ks"], ".3f"))
        for b in others:
            e = entry[b]
            if e["agrees"] is None:
                cells.append(f"{_cell(e['median_ks'], '.3f')} (no verdict)")
            else:
                cells.append(f"{e['median_ks']:.3f} ({e['median_ks'] / entry['tolerance_ks']:.2f}, "
                             f"{'agrees' if e['agrees'] else 'DIFFERS'})")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
