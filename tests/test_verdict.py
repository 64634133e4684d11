"""The verdict on synthetic runs whose truth is known: its false-alarm rate is the stated one,
a shift is found with the power the report claims, power grows with seeds, too few runs give
no verdict, and the numbers of comparison.json and its table agree (analysis.verdict)."""
import json
from itertools import combinations

import numpy as np
import pytest
from scipy import stats

from pynn_hpc.analysis import verdict as V
from pynn_hpc.analysis.compare import STATISTICS, compare, ks, table

#: like the teaching network (100 + 200 ms, 5 seeds): run means and their seed-to-seed sd
TEACHING = {"rate": (40.0, 3.8), "cv_isi": (0.80, 0.021), "correlation": (0.032, 0.0081),
            "weight": (263.5, 0.29)}


def synthetic_run(rng, seed, shift=None, n=1000):
    """A run of a process like the teaching network: per-neuron rates (gamma, rounded to the
    5 Hz steps of a 200 ms window), CVs, correlations, weights; each run's mean drawn from the
    seed-to-seed spread.  ``shift``: statistic -> shift as a fraction of the process's mean
    (values scaled, correlations moved: as analysis.verdict injects them)."""
    shift = shift or {}
    m = {s: rng.normal(mean, sd) for s, (mean, sd) in TEACHING.items()}
    rates = np.round(rng.gamma(6.0, m["rate"] / 6.0, n) * (1 + shift.get("rate", 0)) / 5) * 5
    return {"seed": seed, "distributions": {
        "rate": rates,
        "cv_isi": rng.gamma(10.0, m["cv_isi"] / 10.0, n) * (1 + shift.get("cv_isi", 0)),
        "correlation": rng.normal(m["correlation"] + shift.get("correlation", 0) *
                                  TEACHING["correlation"][0], 0.17, 4 * n),
        "weight": rng.normal(m["weight"], 6.0, 4 * n) * (1 + shift.get("weight", 0))}}


def groups(rng, n_ref, n_other, shift=None, n=1000):
    return {"ref": [synthetic_run(rng, s, n=n) for s in range(n_ref)],
            "other": [synthetic_run(rng, 100 + s, shift, n=n) for s in range(n_other)]}


def test_ks_is_scipys_distance():
    rng = np.random.default_rng(1)
    for a, b in [(rng.normal(0, 1, 300), rng.normal(0.2, 1, 500)),
                 (rng.integers(0, 5, 200).astype(float), rng.integers(0, 6, 90).astype(float))]:
        assert ks(a, b) == pytest.approx(stats.ks_2samp(a, b).statistic, abs=1e-12)
    assert np.isnan(ks([], [1.0]))


def test_the_permutation_statistic_and_p_value_by_brute_force():
    rng = np.random.default_rng(2)
    n, k = 7, 3
    x = rng.random((n, n))
    d = x + x.T
    np.fill_diagonal(d, 0)

    def excess(members):
        inside = [(i, j) for i, j in combinations(range(n), 2) if (i in members) == (j in members)]
        across = [(i, j) for i, j in combinations(range(n), 2) if (i in members) != (j in members)]
        return np.mean([d[p] for p in across]) - np.mean([d[p] for p in inside])

    every = [excess(set(c)) for c in combinations(range(n), k)]
    observed = excess({4, 5, 6})
    t, p = V.permutation_test(d, k)
    assert t == pytest.approx(observed)
    assert p == pytest.approx(np.mean(np.array(every) >= observed - 1e-12))
    assert V.smallest_p(5, 5) == pytest.approx(2 / 252) and V.smallest_p(5, 4) == 1 / 126
    assert V.smallest_p(3, 3) == pytest.approx(0.1)
    # groups apart: the smallest p-value possible
    far = np.ones((10, 10))
    far[:5, :5] = far[5:, 5:] = 0.1
    np.fill_diagonal(far, 0)
    assert V.permutation_test(far, 5)[1] == pytest.approx(2 / 252)


def test_holm():
    adjusted = V.holm({"a": 0.01, "b": 0.04, "c": 0.03, "d": None})
    assert adjusted["d"] is None and adjusted["a"] == pytest.approx(0.03)
    assert adjusted["b"] == pytest.approx(0.06) and adjusted["c"] == pytest.approx(0.06)


def test_a_backend_identical_to_the_reference_is_judged_different_at_most_alpha():
    """200 comparisons of 5 + 5 runs of one process: each statistic's p <= 0.05 about as
    often as the test's exact size (12/252, binomial bounds on both sides: a test that is too
    liberal or needlessly conservative fails), the backend judged different no more often
    than the stated bound (<= alpha)."""
    rng = np.random.default_rng(3)
    trials = 200
    small = {s: 0 for s in STATISTICS}
    differs = 0
    for _ in range(trials):
        report = compare(groups(rng, 5, 5, n=200), "ref", detect=False)
        differs += report["agrees"]["other"] is False
        for s in STATISTICS:
            small[s] += report["statistics"][s]["other"]["p_value"] <= 0.05
    size = V.size(5, 5, 0.05)
    assert size == pytest.approx(12 / 252)
    low, high = stats.binom.ppf([0.0005, 0.9995], trials, size)
    for s, k in small.items():
        assert low <= k <= high, (s, k, low, high)
    bound = report["false_alarm"]["other"]
    assert bound == pytest.approx(4 * 2 / 252) and bound <= V.ALPHA
    assert differs <= stats.binom.ppf(0.999, trials, bound), differs


def _power(rng, n_ref, n_other, stat, shift, trials):
    """How often the test (level ALPHA / 4) finds ``shift`` of ``stat`` in fresh runs."""
    found = 0
    for _ in range(trials):
        g = groups(rng, n_ref, n_other, {stat: shift})
        values = [np.sort(r["distributions"][stat]) for r in g["ref"] + g["other"]]
        d = np.zeros((len(values), len(values)))
        for i, j in combinations(range(len(values)), 2):
            d[i, j] = d[j, i] = ks(values[i], values[j])
        found += V.permutation_test(d, n_other)[1] <= V.ALPHA / 4
    return found / trials


def test_a_5_percent_rate_shift_with_8_seeds_is_found_or_said_to_be_undetectable():
    """Runs like the teaching network's (seed-to-seed sd of the rate 9.5 % of the mean), 8 of
    each, the backend firing 5 % faster: judged different, or the report says a shift that
    small is below what 8 seeds detect.  And the detectable shift the report gives is found
    with about the claimed 80 % probability in fresh runs of the same process."""
    rng = np.random.default_rng(4)
    report = compare(groups(rng, 8, 8, {"rate": 0.05}), "ref", detect=["rate"])
    e = report["statistics"]["rate"]["other"]
    found = e["agrees"] is False
    smallest = e["detectable"]["relative"]
    assert found or smallest is None or smallest > 0.05, e
    assert smallest is not None and 0.02 < smallest < 0.5, e["detectable"]
    assert e["detectable"]["in_sd"] == pytest.approx(
        smallest * TEACHING["rate"][0] / TEACHING["rate"][1], rel=0.35)
    assert 0.5 <= _power(rng, 8, 8, "rate", smallest, 60) <= 0.97


def test_the_detectable_shift_of_a_signed_statistic_has_the_claimed_power():
    rng = np.random.default_rng(5)
    report = compare(groups(rng, 8, 8), "ref", detect=["correlation"])
    e = report["statistics"]["correlation"]["other"]["detectable"]
    assert report["statistics"]["rate"]["other"]["detectable"]["reason"] == "not computed"
    assert e["relative"] is not None and e["difference"] == pytest.approx(
        e["relative"] * abs(report["means"]["ref"]["correlation"]["mean"]))
    assert 0.5 <= _power(rng, 8, 8, "correlation", e["relative"], 60) <= 0.97


def test_power_grows_with_seeds():
    """The same process: 8 runs of each detect smaller shifts than 5 (the old rule's
    tolerance instead grew with the seeds)."""
    rng = np.random.default_rng(6)
    runs = [synthetic_run(rng, s) for s in range(8)]
    for stat in ("rate", "correlation"):
        values = [r["distributions"][stat] for r in runs]
        shift = {}
        for n in (5, 8):
            within = [ks(a, b) for a, b in combinations(values[:n], 2)]
            shift[n] = V.detectable(values[:n], n, V.ALPHA / 4, within,
                                    signed=stat in V.SIGNED)["relative"]
        assert shift[8] < 0.8 * shift[5], (stat, shift)


def test_too_few_runs_give_no_verdict_and_say_why():
    rng = np.random.default_rng(7)
    report = compare(groups(rng, 3, 3, {"rate": 1.0}), "ref")
    assert report["agrees"] == {"other": None} and report["false_alarm"]["other"] == 0
    e = report["statistics"]["rate"]["other"]
    assert e["p_value"] == pytest.approx(0.1)      # a 100 % shift: the smallest p possible
    assert "3 and 3 runs cannot give a p-value <= 0.0125" in e["reason"]
    assert e["detectable"]["relative"] is None and "cannot give" in e["detectable"]["reason"]
    assert all("give at least 5 seeds" in r for r in report["no_verdict"]["other"])


def test_effect_confidence_interval_table_and_strict_json():
    """The effect is Welch's, the same numbers in comparison.json's fields and the table."""
    rng = np.random.default_rng(8)
    report = compare(groups(rng, 5, 5, {"rate": 0.6, "weight": 0.05}), "ref")
    text = json.dumps(report, allow_nan=False)
    report = json.loads(text)
    assert report["agrees"] == {"other": False}
    lines = table(report).splitlines()
    assert lines[0].startswith("| statistic | ref (reference) | other | other - ref [95 % CI] |")
    for k, (stat, (label, _)) in enumerate(STATISTICS.items()):
        entry = report["statistics"][stat]["other"]
        ref_means = report["means"]["ref"][stat]["runs"]
        other_means = report["means"]["other"][stat]["runs"]
        res = stats.ttest_ind(other_means, ref_means, equal_var=False)
        ci = res.confidence_interval(0.95)
        eff = entry["effect"]
        assert eff["difference"] == pytest.approx(np.mean(other_means) - np.mean(ref_means))
        assert eff["ci"] == pytest.approx([ci.low, ci.high])
        sd = np.std(ref_means, ddof=1)
        assert eff["in_sd"] == pytest.approx(eff["difference"] / sd)
        assert eff["relative_ci"] == pytest.approx([c / abs(np.mean(ref_means)) for c in eff["ci"]])
        assert entry["p_adjusted"] >= entry["p_value"]
        assert entry["agrees"] == (entry["p_adjusted"] > V.ALPHA)
        det = entry["detectable"]
        assert det["level"] == pytest.approx(V.ALPHA / 4) and det["power"] == V.POWER
        row = lines[2 + k]
        assert row.startswith(f"| {label} |")
        assert f"{eff['difference']:+.3g} [{eff['ci'][0]:+.3g}, {eff['ci'][1]:+.3g}]" in row
        assert f"{entry['p_value']:.2g} ({entry['p_adjusted']:.2g})" in row
        assert f">= {100 * det['relative']:.2g} %" in row
        assert row.endswith("| DIFFERS |" if entry["agrees"] is False else "| agrees |")
    assert report["statistics"]["rate"]["other"]["agrees"] is False
    assert report["statistics"]["weight"]["other"]["agrees"] is False
