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

Each is compared by the two-sample Kolmogorov-Smirnov distance D, between every two runs.
**The verdict** is :mod:`.verdict`'s: a permutation test on the run labels over those
distances, per statistic, Holm-adjusted over the four, so that a backend identical to the
reference is judged different on any statistic at most 5 % of the time, whatever the number
of seeds, while the power grows with them; beside it, per statistic, the effect (difference
of run-level means with a 95 % confidence interval, also in the reference's seed-to-seed sd)
and the smallest shift the runs at hand would detect with 80 % probability (measured by
injecting shifts into runs resampled from the reference).  5 runs per backend are the fewest
that can give a verdict (``verdict.smallest_p``); 8 detect smaller differences.
The old rule (median D between the backend's and the reference's runs <= the largest D between
two reference runs, the PD14 recipe) is still reported per statistic as
``within_seed_spread``, as a measure of size, not a verdict (:mod:`.verdict` says why).
The test can fail: a network with other plasticity parameters is judged different
(tests/test_compare.py).  A statistic that is identical in every reference run (a silent
network: every rate 0) or has no values (no neuron fires 3 spikes) gives no verdict: ``None``
with the reason, never 0/0.
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
from pynn_hpc import nix
from . import verdict as V
from .statistics import cv_isi, window, window_ms

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
    times = window_ms(spiketrains, t_start, t_stop)
    duration_s = (t_stop - t_start) / 1000.0
    rates = np.array([len(t) / duration_s for t in times])
    cvs = np.array([cv_isi(t) for t in times if len(t) >= 3])
    firing = window([st for st, t in zip(spiketrains, times) if len(t) > 0][:n_correlated],
                    t_start, t_stop)
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
        trains = nix.read_spiketrains(path)     # as Neo's NixIO reads them, 3x faster
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


#: what a comparison reads from results.json
_NEEDED = ("backend", "seed", "presim_ms", "simtime_ms", "spikes_file", "weights_file")


def read_results(path):
    """``results.json`` of run directory ``path`` as a dict; RunError if missing or corrupt."""
    from pynn_hpc.rundir import settle
    path = Path(path)
    settle(path)                    # a swap its writer left half done (killed) is finished
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
    for key in ("spikes_file", "weights_file"):
        name = results[key]
        # a file of this run: a plain name in its directory, never another run's
        if not isinstance(name, str) or not name or Path(name).name != name \
                or name in (".", ".."):
            raise RunError(f"{file}: '{key}' must name a file in {path} (got {name!r}): not "
                           "the results.json of a 'pynn-hpc run'; run that directory again")
    return results


def check_run_files(path, results):
    """RunError unless the spikes and weights files that ``results`` names are in ``path``."""
    for key in ("spikes_file", "weights_file"):
        if not (path / results[key]).is_file():
            raise RunError(f"{path / results[key]} is missing (results.json names it): run "
                           "that directory again")


def read_run_files(path, results):
    """(spike trains, E->E weight sample in nA) of run ``path``; RunError naming the file."""
    check_run_files(path, results)
    parts = []
    for key, read in (("spikes_file", read_spiketrains), ("weights_file", np.load)):
        file = path / results[key]
        try:
            parts.append(read(file))
        except Exception as err:          # whatever a damaged NIX, pickle or npy raises
            raise RunError(f"{file} cannot be read ({type(err).__name__}: "
                           f"{str(err).splitlines()[0] if str(err) else ''}): run that "
                           "directory again")
    return parts[0], parts[1]


def load_run(path, bin_ms=5.0, n_correlated=200):
    """results.json, spikes and weights of a ``pynn-hpc run`` output directory, with its
    distributions (key ``distributions``); RunError if a file is missing or unreadable.

    The distributions are cached in the run directory (``CACHE_FILE``): reading the spikes
    takes seconds, and a comparison reads every run again."""
    path = Path(path)
    results = read_results(path)
    check_run_files(path, results)
    cache_key = _cache_key(path, results, bin_ms, n_correlated)
    dist = _cached(path, cache_key)
    if dist is not None:
        return dict(results, path=str(path), distributions=dist)
    spiketrains, weights = read_run_files(path, results)
    t0 = results["presim_ms"]
    dist = distributions(spiketrains, t0, t0 + results["simtime_ms"], weights, bin_ms,
                         n_correlated)
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
    """Two-sample Kolmogorov-Smirnov distance (NaN if a sample is empty): scipy's
    ``ks_2samp(a, b).statistic``, without its p-value (which costs more than the distance)."""
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    return _ks_sorted(np.sort(a), np.sort(b))


def _ks_sorted(a, b):
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    x = np.concatenate([a, b])
    return float(np.max(np.abs(np.searchsorted(a, x, side="right") / len(a)
                               - np.searchsorted(b, x, side="right") / len(b))))


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


def _distances(values, known=None):
    """Symmetric matrix of the KS distances between the (sorted) value arrays ``values``;
    ``known``: the matrix of the first len(known) of them, already computed."""
    n, m = len(values), 0 if known is None else len(known)
    d = np.zeros((n, n))
    if m:
        d[:m, :m] = known
    for i, j in combinations(range(n), 2):
        if j >= m:
            d[i, j] = d[j, i] = _ks_sorted(values[i], values[j])
    return d


def _run_means(runs, stat):
    return [float(np.mean(r["distributions"][stat])) if len(r["distributions"][stat]) else None
            for r in runs]


def compare(groups, reference, detect=True):
    """Judge every backend against ``reference``.

    ``groups``: backend -> list of runs (each with ``distributions`` and ``seed``), the
    reference with at least two.  Returns a JSON-ready dict: per statistic the reference's
    seed-to-seed distances (``reference_ks``) and the old rule's tolerance, and per backend its
    distances to the reference (``ks``) and among its own runs (``own_ks``), the test
    (``excess_ks``, ``p_value``, ``p_adjusted``), ``agrees`` (True, False, or None with a
    ``reason``), ``effect`` and ``detectable`` (:mod:`.verdict`), and the old rule
    (``median_ks``, ``within_seed_spread``); per backend the mean and seed-to-seed sd of each
    statistic's run means; ``agrees`` per backend (False if a statistic differs, else None if
    one has no verdict, else True), ``no_verdict`` (the reasons per backend) and
    ``false_alarm`` (the largest chance that a backend identical to the reference is judged
    different, for the runs at hand).  Undefined numbers are None.  ``detect``: for which
    statistics to measure the detectable shift (True: all; a second or two of Monte Carlo
    each), the others say "not computed".
    """
    ref = groups[reference]
    if len(ref) < 2:
        raise ValueError(f"need at least two runs of the reference '{reference}' with "
                         "different seeds: their differences are the tolerance")
    out = {"reference": reference, "test": V.TEST, "alpha": V.ALPHA, "power": V.POWER,
           "tolerance": TOLERANCE, "statistics": {}, "means": {}, "agrees": {},
           "no_verdict": {}, "false_alarm": {}}
    others = [b for b in groups if b != reference]
    for b, runs in groups.items():
        means = {}
        for stat in STATISTICS:
            per_run = _run_means(runs, stat)
            values = [m for m in per_run if m is not None]
            means[stat] = {"mean": float(np.mean(values)) if values else None,
                           "sd": float(np.std(values, ddof=1)) if len(values) > 1 else None,
                           "runs": per_run}
        out["means"][b] = dict(means, seeds=[r.get("seed") for r in runs])
    for stat, (label, per) in STATISTICS.items():
        ref_values = [np.sort(r["distributions"][stat]) for r in ref]
        d_ref = _distances(ref_values)
        within = [d_ref[i, j] for i, j in combinations(range(len(ref)), 2)]
        reason = _no_verdict(reference, label, per, within)
        tolerance = None if reason else max(d for d in within if math.isfinite(d))
        entry = {"label": label, "per": per, "reference_ks": [_number(d) for d in within],
                 "tolerance_ks": tolerance}
        for b in others:
            values = ref_values + [np.sort(r["distributions"][stat]) for r in groups[b]]
            n_b, n_r = len(groups[b]), len(ref)
            d = _distances(values, d_ref)
            cross = [d[i, n_r + j] for j in range(n_b) for i in range(n_r)]
            finite = [x for x in cross if math.isfinite(x)]
            median = float(np.median(finite)) if finite else None
            why = reason or (None if finite else f"the runs of {b} have no {label}")
            test = None if why else V.permutation_test(d, n_b)
            if test is None and not why:
                why = f"a run of {reference} or {b} has no {label}"
            e = {"ks": [_number(x) for x in cross],
                 "own_ks": [_number(d[n_r + i, n_r + j]) for i, j in combinations(range(n_b), 2)],
                 "median_ks": median,
                 "within_seed_spread": None if why else bool(median <= tolerance),
                 "excess_ks": None if test is None else test[0],
                 "p_value": None if test is None else test[1],
                 "effect": V.effect(out["means"][reference][stat]["runs"],
                                    out["means"][b][stat]["runs"])}
            if why:
                e["reason"] = why
            entry[b] = e
        out["statistics"][stat] = entry
    for b in others:
        n_b, n_r = len(groups[b]), len(ref)
        entries = {s: out["statistics"][s][b] for s in STATISTICS}
        adjusted = V.holm({s: e["p_value"] for s, e in entries.items()})
        tested = [s for s in STATISTICS if adjusted[s] is not None]
        level = V.ALPHA / max(len(tested), 1)
        few = V.smallest_p(n_r, n_b) > level
        for s, e in entries.items():
            e["p_adjusted"] = adjusted[s]
            if adjusted[s] is None:
                e["agrees"] = None
            elif few:
                e["agrees"] = None
                e["reason"] = (f"{n_r} and {n_b} runs cannot give a p-value <= {level:.3g} "
                               f"(the smallest possible is {V.smallest_p(n_r, n_b):.3g}): "
                               "give at least 5 seeds of each")
            else:
                e["agrees"] = bool(adjusted[s] > V.ALPHA)
            e["detectable"] = _detectable(groups, reference, b, s, level,
                                          detect is True or bool(detect) and s in detect)
        verdicts = [e["agrees"] for e in entries.values()]
        out["agrees"][b] = (False if False in verdicts else None if None in verdicts else True)
        reasons = [f"{s}: {e['reason']}" for s, e in entries.items() if e["agrees"] is None]
        if reasons:
            out["no_verdict"][b] = reasons
        out["false_alarm"][b] = V.false_alarm(n_r, n_b, len(tested))
    return out


def _detectable(groups, reference, backend, stat, level, detect):
    """The smallest shift of ``stat`` detectable against ``reference`` with ``backend``'s number
    of runs: a fraction of the reference's mean (``relative``), in its unit (``difference``)
    and in its seed-to-seed sd (``in_sd``); ``reason`` when there is none."""
    out = {"relative": None, "difference": None, "in_sd": None, "reason": None,
           "power": V.POWER, "level": level}
    entry = groups[reference]
    runs = [r["distributions"][stat] for r in entry]
    e = None
    if not detect:
        out["reason"] = "not computed"
        return out
    if any(len(v) == 0 for v in runs):
        out["reason"] = "a run of the reference has no values"
        return out
    within = [_ks_sorted(np.sort(a), np.sort(b)) for a, b in combinations(runs, 2)]
    if max(within) == 0:
        out["reason"] = "no seed-to-seed spread in the reference"
        return out
    index = list(STATISTICS).index(stat)
    e = V.detectable(runs, len(groups[backend]), level, within, signed=stat in V.SIGNED,
                     seed=index)
    means = np.array([np.mean(v) for v in runs])
    out.update(reason=e["reason"], n_values=e["n_values"])
    if e["relative"] is not None:
        out["relative"] = e["relative"]
        out["difference"] = e["relative"] * abs(float(means.mean()))
        sd = float(means.std(ddof=1))
        out["in_sd"] = out["difference"] / sd if sd > 0 else None
    return out


def _cell(x, spec):
    return "n/a" if x is None else format(x, spec)


def _effect_cell(e, unit):
    """difference [95 % CI] (in the reference's seed-to-seed sd)."""
    if e["difference"] is None:
        return "n/a"
    text = f"{e['difference']:+.3g}"
    if e["ci"] is not None:
        text += f" [{e['ci'][0]:+.3g}, {e['ci'][1]:+.3g}]"
    text += unit
    if e["in_sd"] is not None:
        text += f" ({e['in_sd']:+.1f} sd)"
    return text


def _detectable_cell(e):
    if e["relative"] is None:
        return "none" if e["reason"] == "not computed" else f"none: {e['reason']}"
    sd = "" if e["in_sd"] is None else f", {e['in_sd']:.1f} sd"
    return f">= {100 * e['relative']:.2g} %{sd}"


def _unit(label):
    return f" {label[label.index('(') + 1:label.index(')')]}" if "(" in label else ""


def table(report):
    """The report as Markdown: per statistic the run means (mean +- seed-to-seed sd), and per
    backend the difference to the reference (95 % CI, in seed-to-seed sd), the test's p-value
    (Holm-adjusted), the smallest shift detectable with 80 % probability (% of the reference's
    mean), the old rule's median KS / tolerance, and the verdict."""
    ref = report["reference"]
    others = [b for b in report["means"] if b != ref]
    head = ["statistic", f"{ref} (reference)"]
    for b in others:
        head += [b, f"{b} - {ref} [95 % CI]", "p (Holm)", "detectable (80 %)",
                 "median KS / tolerance", "verdict"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for stat, entry in report["statistics"].items():
        cells = [entry["label"]]
        m = report["means"][ref][stat]
        cells.append(f"{_cell(m['mean'], '.4g')} +- {_cell(m['sd'], '.2g')}")
        for b in others:
            m, e = report["means"][b][stat], entry[b]
            cells.append(f"{_cell(m['mean'], '.4g')} +- {_cell(m['sd'], '.2g')}")
            cells.append(_effect_cell(e["effect"], _unit(entry["label"])))
            cells.append(f"{_cell(e['p_value'], '.2g')} ({_cell(e['p_adjusted'], '.2g')})")
            cells.append(_detectable_cell(e["detectable"]))
            if e["median_ks"] is None or entry["tolerance_ks"] is None:
                cells.append(f"{_cell(e['median_ks'], '.3f')} / "
                             f"{_cell(entry['tolerance_ks'], '.3f')}")
            else:
                cells.append(f"{e['median_ks']:.3f} / {entry['tolerance_ks']:.3f} = "
                             f"{e['median_ks'] / entry['tolerance_ks']:.2f}")
            cells.append({True: "agrees", False: "DIFFERS", None: "no verdict"}[e["agrees"]])
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
