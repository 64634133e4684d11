"""A run-level verdict with a stated false-alarm rate and a power that grows with the seeds.

:mod:`.compare` gives, per statistic, the Kolmogorov-Smirnov distance D between any two runs.
This module judges a backend from those distances, run against run (a run, one seed, is the
independent unit; its thousands of neurons or pairs are not).

**Test** (per statistic): D between all n = n_ref + n_b runs of the reference and the backend;
T = mean D between runs of different groups - mean D between runs of the same group.  If the
backend is the reference (its runs are more seeds of the same process), every way of choosing
which n_b of the n runs carry the backend's label is equally likely, so the p-value, the
fraction of the C(n, n_b) labellings whose T is at least the observed one, satisfies
P(p <= a) <= a for every a (a permutation test).  All labellings when there are at most
``EXACT_LIMIT`` (8 + 8 runs: 12,870), else the observed one and ``RANDOM_LABELLINGS`` - 1
drawn with a fixed seed.  The smallest p-value possible is 2 / C(n, n_b) with equal groups
(a labelling and its swap give the same T), 1 / C(n, n_b) otherwise: 5 + 5 runs 0.008,
4 + 4 runs 0.029, 3 + 3 runs 0.1.

**Verdict**: the four statistics of a backend are four tests; Holm's step-down adjustment of
their p-values keeps the chance that a backend identical to the reference is judged different
on *any* of them at most ``ALPHA`` (0.05).  A statistic differs when its adjusted p-value is
<= ALPHA.  A lone difference must reach p <= ALPHA / 4 = 0.0125: 5 runs of each (or 5 and 4,
6 and 3) is the fewest that can; fewer give no verdict (``None``, with the reason).

**Effect**: the difference of run-level means (backend - reference), its 95 % confidence
interval (Welch's t, scipy), in the statistic's unit, relative to the reference's mean and in
units of the reference's seed-to-seed sd of run means.

**Detectable shift**: the smallest shift the runs at hand detect with ``POWER`` (80 %)
probability at level ALPHA / 4, measured by injecting it (``detectable``).  Synthetic runs
are resampled from the reference: values drawn from the reference's runs pooled (each run
first moved to the common mean), each synthetic run moved to a mean of its own drawn from the
reference's seed-to-seed spread, with as many values as make synthetic runs differ from each
other, on average, as much as the reference's runs do (fewer than a run has when its values
are not independent, e.g. correlations of pairs sharing a neuron).  The backend's group is
moved by the shift (values x (1 + shift) for positive statistics: rates, CVs, weights;
+ shift x mean for signed ones: correlations), and the same test is run on 64 such
comparisons per shift (fixed seeds), bisecting for 80 %.  On a process whose truth is known
the claimed shift is found with 50-97 % probability in fresh runs (tests/test_verdict.py);
the estimate carries the uncertainty of the reference's spread, measured on few seeds.
"Agrees" then means: a difference that large would have been found 4 times in 5; smaller
ones may exist.

Why the old rule (median D to the reference <= largest D within the reference) is kept
beside it, as ``within_seed_spread``, and no longer decides: the largest of more distances
grows with the seeds, so more seeds made a real difference harder to see; but it still says
how large a difference is in the reference's own terms (a difference the test finds with many
seeds may be smaller than changing the seed), and the distances figure draws it.
"""
from functools import lru_cache
from itertools import combinations
from math import comb

import numpy as np
from scipy import stats as _stats

#: the chance that a backend identical to the reference is judged different on any statistic
ALPHA = 0.05
#: the probability with which ``detectable`` shifts are detected
POWER = 0.8
#: all labellings up to this many, else a fixed random subset of RANDOM_LABELLINGS
EXACT_LIMIT = 20000
RANDOM_LABELLINGS = 5000
#: statistics whose values are signed: shifted by adding (the others are scaled)
SIGNED = ("correlation",)

TEST = (f"permutation test on run labels over the KS distances between runs (mean distance "
        f"between groups - within groups), Holm-adjusted over the statistics: a backend "
        f"identical to the reference is judged different at most {100 * ALPHA:g} % of the time")


@lru_cache(maxsize=32)
def labellings(n, k, limit=EXACT_LIMIT, n_random=RANDOM_LABELLINGS, seed=0):
    """Boolean (P, n) matrix: which k of n runs carry the second label, row 0 the observed
    one (the last k runs); all C(n, k) rows when at most ``limit``, else ``n_random`` rows
    (the observed one and random ones, fixed ``seed``).  Returns (matrix, exact)."""
    total = comb(n, k)
    if total <= limit:
        g = np.zeros((total, n), dtype=bool)
        rows = combinations(range(n - 1, -1, -1), k)     # first: the last k runs
        for i, c in enumerate(rows):
            g[i, list(c)] = True
        return g, True
    rng = np.random.default_rng(seed)
    g = np.zeros((n_random, n), dtype=bool)
    g[0, n - k:] = True
    for i in range(1, n_random):
        g[i, rng.choice(n, k, replace=False)] = True
    return g, False


def smallest_p(n_ref, n_other):
    """The smallest p-value ``permutation_test`` can give with these numbers of runs."""
    g, exact = labellings(n_ref + n_other, n_other)
    ties = 2 if exact and n_ref == n_other else 1
    return ties / len(g)


def size(n_ref, n_other, level):
    """P(p <= level) for a backend identical to the reference (the test's exact size)."""
    g, exact = labellings(n_ref + n_other, n_other)
    step = smallest_p(n_ref, n_other)
    return float(np.floor(level / step + 1e-9) * step)


def false_alarm(n_ref, n_other, n_statistics=4, alpha=ALPHA):
    """Largest chance that a backend identical to the reference is judged different on any of
    ``n_statistics`` (Holm: only if one p-value <= alpha / n_statistics; Bonferroni bound)."""
    if n_statistics == 0:
        return 0.0
    return min(alpha, n_statistics * size(n_ref, n_other, alpha / n_statistics))


def _excess(d, g):
    """T = mean between-group - mean within-group distance for every labelling (rows of g)
    of every distance matrix in ``d`` (..., n, n): returns (..., P)."""
    n = d.shape[-1]
    k = int(g[0].sum())
    gf = g.astype(d.dtype)
    row = d.sum(-1)                                      # (..., n)
    total = row.sum(-1)[..., None] / 2                   # unordered sum, (..., 1)
    inside = np.einsum("...pi,pi->...p", np.matmul(gf, d), gf) / 2   # pairs within label 1
    towards = np.matmul(row, gf.T)                       # (..., P): sum over i in label 1
    between = towards - 2 * inside
    within = total - between
    n_between = k * (n - k)
    n_within = comb(k, 2) + comb(n - k, 2)
    return between / n_between - within / n_within


def permutation_test(d, n_other):
    """The test on distance matrix ``d`` (n x n, symmetric; the last ``n_other`` runs are the
    backend's): (T observed, p-value); None if a distance is undefined or no pair of runs
    shares a group."""
    d = np.asarray(d, dtype=float)
    n = len(d)
    if not np.all(np.isfinite(d)) or n - n_other < 1 or n_other < 1 or n < 3:
        return None
    g, _ = labellings(n, n_other)
    t = _excess(d, g)
    observed = t[0]
    return float(observed), float(np.mean(t >= observed - 1e-12 * max(1.0, abs(observed))))


def holm(pvalues):
    """Holm's step-down adjusted p-values of dict name -> p (None stays None)."""
    items = sorted((p, name) for name, p in pvalues.items() if p is not None)
    m, running, out = len(items), 0.0, {name: None for name in pvalues}
    for i, (p, name) in enumerate(items):
        running = max(running, min(1.0, (m - i) * p))
        out[name] = running
    return out


def _finite(x):
    return float(x) if x is not None and np.isfinite(x) else None


def effect(ref_means, other_means, confidence=0.95):
    """Difference of run-level means (other - reference) with Welch's confidence interval:
    in the unit (``difference``, ``ci``), relative to the reference's mean (``relative``,
    ``relative_ci``) and in the reference's seed-to-seed sd (``in_sd``, ``in_sd_ci``)."""
    r = np.asarray([m for m in ref_means if m is not None], dtype=float)
    o = np.asarray([m for m in other_means if m is not None], dtype=float)
    out = dict.fromkeys(("difference", "ci", "relative", "relative_ci", "in_sd", "in_sd_ci"))
    if len(r) == 0 or len(o) == 0:
        return out
    diff = float(o.mean() - r.mean())
    ci = None
    if len(r) > 1 and len(o) > 1 and (r.std() > 0 or o.std() > 0):
        res = _stats.ttest_ind(o, r, equal_var=False)
        low, high = res.confidence_interval(confidence)
        ci = [_finite(low), _finite(high)]
    out.update(difference=diff, ci=ci)
    for key, scale in (("relative", abs(r.mean())), ("in_sd", r.std(ddof=1) if len(r) > 1
                                                       else 0.0)):
        if scale > 0:
            out[key] = diff / scale
            out[key + "_ci"] = None if ci is None else [c / scale for c in ci]
    return out


# ---- the detectable shift, by injection into runs resampled from the reference ----

#: atoms kept per run (its values, or this many quantiles of them when more distinct)
ATOMS = 100


def _atoms(values):
    """(sorted atoms, probabilities) of a run's values, at most ATOMS atoms."""
    v = np.sort(np.asarray(values, dtype=float))
    u, counts = np.unique(v, return_counts=True)
    if len(u) <= ATOMS:
        return u, counts / counts.sum()
    q = np.quantile(v, (np.arange(ATOMS) + 0.5) / ATOMS)
    return q, np.full(ATOMS, 1.0 / ATOMS)


class _Resampler:
    """Synthetic runs like the reference's runs (see the module doc): all drawn from the
    reference's values pooled (each run's moved to the common mean first), each moved to a
    mean of its own drawn from the reference's seed-to-seed spread.  A run is its counts on
    the pooled values' atoms, moved by an offset (in log space for scaled statistics, where
    scaling is moving), so that the KS distance of two runs needs no values."""

    def __init__(self, runs, signed, rng):
        self.means = np.array([np.mean(v) for v in runs])
        self.n = int(np.median([len(v) for v in runs]))
        self.mean = float(self.means.mean())
        self.signed = (signed or bool(np.any(self.means <= 0))
                       or bool(min(np.min(v) for v in runs) < 0))
        if self.signed:
            self.spread = float(self.means.std(ddof=1))
            pooled = np.concatenate([np.asarray(v) - m + self.mean
                                     for v, m in zip(runs, self.means)])
        else:
            self.spread = float(np.log(self.means).std(ddof=1))
            pooled = np.concatenate([np.asarray(v) * (self.mean / m)
                                     for v, m in zip(runs, self.means)])
        self.atoms, self.p = _atoms(pooled)
        with np.errstate(divide="ignore"):
            self.base = self.atoms if self.signed else np.log(self.atoms)   # 0 -> -inf
        self.rng = rng

    def draw(self, trials, n_runs, n_values):
        """Random parts of ``trials`` x ``n_runs`` synthetic runs: seed effect, counts."""
        z = self.rng.standard_normal((trials, n_runs))
        counts = self.rng.multinomial(n_values, self.p, size=(trials, n_runs))
        return z, counts

    def offsets(self, z, shift, n_other):
        """Offsets of the runs' atoms (``base`` units): seed effect ``z`` (standard normal
        draws), the last ``n_other`` runs moved by ``shift`` (a fraction of the mean)."""
        moved = np.zeros(z.shape[-1])
        if n_other:
            moved[-n_other:] = (shift * abs(self.mean) if self.signed else np.log1p(shift))
        return self.spread * z + moved

    def distances(self, z, counts, shift, n_other):
        """(trials, n, n) KS distances of the synthetic runs, the last ``n_other`` moved."""
        o = self.offsets(z, shift, n_other)
        trials, n = z.shape
        cum = (np.cumsum(counts, axis=-1) / counts.sum(axis=-1, keepdims=True)).astype(np.float32)
        cum = np.concatenate([np.zeros((trials, n, 1), np.float32), cum], axis=-1)
        step = o[:, :, None] - o[:, None, :]                  # run i's atoms in run j's frame
        idx = np.searchsorted(self.base, self.base + step[..., None], side="right")
        other = cum[np.arange(trials)[:, None, None, None], np.arange(n)[None, None, :, None],
                    idx]                                      # F_j at run i's atoms
        half = np.abs(cum[:, :, None, 1:] - other).max(axis=-1)
        return np.maximum(half, half.transpose(0, 2, 1)).astype(float)


def detectable(ref_runs, n_other, level, observed_within, signed=False, power=POWER,
               trials=64, seed=0, largest=3.0):
    """The smallest shift (a fraction of the reference's mean) that ``n_other`` runs detect
    against ``ref_runs`` (lists of values) with probability ``power`` at ``level``; measured
    (module doc).  ``observed_within``: the KS distances between the reference's runs, which
    synthetic runs are made to match.  Returns a dict: ``relative`` (None if not detectable
    below ``largest``), ``reason`` (why not, else None), ``n_values`` (values per synthetic run)."""
    n_ref = len(ref_runs)
    if smallest_p(n_ref, n_other) > level:
        return {"relative": None, "n_values": None,
                "reason": f"{n_ref} and {n_other} runs cannot give a p-value <= {level:.3g} "
                          f"(the smallest possible is {smallest_p(n_ref, n_other):.3g})"}
    rng = np.random.default_rng(seed)
    sampler = _Resampler(ref_runs, signed, rng)
    target = float(np.mean(observed_within))
    n_values = sampler.n

    def within_mean(n_values):
        z, c = sampler.draw(30, n_ref, n_values)
        iu = np.triu_indices(n_ref, 1)
        return sampler.distances(z, c, 0.0, 0)[:, iu[0], iu[1]].mean()

    if within_mean(n_values) < target:       # synthetic runs too alike: draw fewer values
        low, high = 4.0, np.log(n_values)
        for _ in range(8):
            mid = (low + high) / 2
            if within_mean(int(np.exp(mid))) < target:
                high = mid
            else:
                low = mid
        n_values = int(np.exp((low + high) / 2))
    sampler.rng = np.random.default_rng(seed + 1)
    z, counts = sampler.draw(trials, n_ref + n_other, n_values)
    g, _ = labellings(n_ref + n_other, n_other, limit=2000, n_random=2000)

    def detected(shift):
        t = _excess(sampler.distances(z, counts, shift, n_other), g)
        p = np.mean(t >= t[:, :1] - 1e-12, axis=1)
        return float(np.mean(p <= level))

    if detected(largest) < power:
        return {"relative": None, "n_values": n_values,
                "reason": f"not detectable below {100 * largest:g} % of the mean with "
                          f"{n_ref} and {n_other} runs"}
    low, high = np.log(1e-3), np.log(largest)
    for _ in range(7):
        mid = (low + high) / 2
        if detected(np.exp(mid)) >= power:
            high = mid
        else:
            low = mid
    return {"relative": float(np.exp(high)), "n_values": n_values, "reason": None}
