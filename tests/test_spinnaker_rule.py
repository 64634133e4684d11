"""The power-law rule in SpiNNaker's fixed point (backends/spinnaker/c), compiled for the host.

Against the independent reference (pynn_hpc/reference.py): every weight after a presynaptic
spike on 1 s Poisson trains, and the mean drift over 100 s; truncation as the control that
shows the drift test can fail; the parameter words by hand; the weight scale sPyNNaker 7.4.1
derives; refused parameters; the 16-event history and the coincidence rule of sPyNNaker.
"""
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from pynn_hpc import parameters as P
from pynn_hpc.derived import derive
from pynn_hpc.errors import ParameterError
from pynn_hpc.reference import power_law_weights
from pynn_hpc.replay import poisson_trains

from pynn_hpc.backends.spinnaker import fixedpoint as F          # noqa: E402
from pynn_hpc.backends.spinnaker.replay import replay_rule      # noqa: E402

RULE = dict(A_plus=P.STDP["lambda"], A_minus=P.STDP["lambda"] * P.STDP["alpha"],
            mu=P.STDP["mu"], w0=P.STDP["w0"], tau_plus=P.STDP["tau_plus"],
            tau_minus=P.STDP["tau_minus"])
JE = derive(1).JE
DELAY = P.NETWORK["delay"]


def fine_scale():
    """Shift 0: the stored weight is the s16.15 weight itself (LSB 0.0305 pA)."""
    return F.scales_from_weights({"excitatory": [JE]}, fraction=F.lsb(0) / JE * 1.0001)["excitatory"]


def reference_by_traces(pre, post, w, delay, A_plus, A_minus, mu, w0, tau_plus, tau_minus):
    """reference.py's semantics with running traces, O(n) (checked against it below)."""
    EPS = 1e-6
    seen = np.asarray(post, float) + delay
    out, w = [], float(w)
    k_plus, t_last, j, k_minus, t_post, jm = 0.0, -math.inf, 0, 0.0, -math.inf, 0
    for t in np.asarray(pre, float):
        while j < seen.size and seen[j] <= t + EPS:
            if seen[j] > t_last + EPS:
                w += A_plus * w0 ** (1 - mu) * w ** mu * k_plus * math.exp(-(seen[j] - t_last) / tau_plus)
            j += 1
        while jm < seen.size and seen[jm] < t - EPS:
            k_minus = k_minus * math.exp(-(seen[jm] - t_post) / tau_minus) + 1.0
            t_post = seen[jm]
            jm += 1
        if jm:
            w = max(0.0, w - A_minus * w * k_minus * math.exp(-(t - t_post) / tau_minus))
        out.append(w)
        k_plus = k_plus * math.exp(-(t - t_last) / tau_plus) + 1.0
        t_last = t
    return np.array(out)


# ------------------------------------------------------------------ formats and words

def test_parameter_words_by_hand():
    """lambda 0.1, alpha 0.0513, mu 0.4, w0 1 pA: the three words of every receptor."""
    words = F.parameter_words(a_plus=0.1, a_minus=0.1 * 0.0513, mu=0.4, w0=0.001,
                              weight_scale=2.0 ** 12)
    # A_minus 0.00513 x 2^31 = 11016591.1; mu 0.4 x 2^30 = 429496729.6;
    # log2(0.1) + 0.6 log2(0.001) + 15 x 0.6 = -3.3219281 - 5.9794706 + 9 = -0.3013987,
    # x 2^16 = -19752.4 -> -19752 = 0xffffb2d8 as uint32
    assert words == [11016591, 429496730, 0xffffb2d8]
    assert F.parameter_words(0.0, 0.0, 1.0, 1.0)[2] == 0x80000000          # no potentiation
    assert F.to_s1615(0.0456096) == 1495 and F.to_s1615(-1.0) == -32768
    assert F.from_s1615(1495) == pytest.approx(0.045623779296875)


def test_the_weight_dependence_writes_these_words():
    """What sPyNNaker's weight dependence class writes per receptor is parameter_words'."""
    from pynn_hpc.backends.spinnaker.weight_dependence import PowerLawWeightDependence
    wd = PowerLawWeightDependence(w0=0.001, mu=0.4)
    wd.set_a_plus_a_minus(0.1, 0.1 * 0.0513)
    assert wd.parameter_words([2.0 ** 12, 2.0 ** 9]) == [[11016591, 429496730, 0xffffb2d8]] * 2


def test_compiled_increments_follow_the_equations():
    """One potentiation and one depression as the binary computes them, against the formula."""
    words = F.parameter_words(RULE["A_plus"], RULE["A_minus"], RULE["mu"], RULE["w0"])
    for w_nA in np.geomspace(0.002, 50.0, 40):
        raw = int(round(w_nA * F.S1615_ONE))
        for trace in (300, 2048, 9000):                  # 4.11: 0.15, 1.0, 4.4
            exact = (RULE["A_plus"] * RULE["w0"] ** (1 - RULE["mu"]) * (raw / F.S1615_ONE) ** RULE["mu"]
                     * trace / 2048 * F.S1615_ONE)
            got = F.potentiate(raw, trace, words) - raw
            assert abs(got - exact) <= 0.5 + 1e-4 * exact, (w_nA, trace, got, exact)
            exact = RULE["A_minus"] * raw * trace / 2048
            got = raw - F.depress(raw, trace, words)
            assert abs(got - exact) <= 0.5 + 1e-6 * exact, (w_nA, trace, got, exact)
    assert F.depress(1000, 2048 * 15, F.parameter_words(0.1, 0.5, 0.4, 0.001)) == 0   # clipped at 0


def test_weight_scale_of_the_seed_network():
    """LSB = 2^shift / 2^15 nA with sPyNNaker 7.4.1's shift from max_expected_summed_weight."""
    # measured on a virtual board (sPyNNaker 7.4.1): [5.0, 3.0] gave LSB 0.244 pA, 16 nA max
    assert F.spynnaker_shift(5.0) == 3 and F.lsb(3) == pytest.approx(0.000244140625)
    assert F.spynnaker_shift(4.0) == 3 and F.spynnaker_shift(3.0) == 2 and F.spynnaker_shift(0.5) == 0
    s = F.weight_scales(derive(1))
    e, i = s["excitatory"], s["inhibitory"]
    assert (e.shift, i.shift) == (3, 6)
    assert e.lsb <= 0.01 * JE < 2 * e.lsb
    assert e.max_weight == pytest.approx(0xffff * 2 ** 3 / 2 ** 15)
    assert F.spynnaker_shift(e.max_expected_summed_weight) == 3
    assert F.max_expected_summed_weight(derive(1)) == [6.0, 48.0]
    assert i.lsb <= 0.01 * abs(derive(1).JI)
    assert F.stored_weight(JE, e) == 187                 # rint(45.6096 / 0.244140625)
    # the teaching preset's weights (k = 0.03, compensated weights) still fit with 10x room
    t = derive(0.3, indegree_scale=0.03, dc_rate=0.0, compensation="weights")
    assert F.weight_scales(t)["excitatory"].max_weight >= 10 * t.JE


@pytest.mark.parametrize("call, words", [
    (lambda: F.parameter_words(0.1, 1.2, 0.4, 0.001), ["A_minus", "0 <= A_minus < 1"]),
    (lambda: F.parameter_words(0.1, 0.005, 1.5, 0.001), ["mu", "0 <= mu <= 1"]),
    (lambda: F.parameter_words(0.1, 0.005, 0.4, 0.0), ["w0", "> 0"]),
    (lambda: F.parameter_words(-0.1, 0.005, 0.4, 0.001), ["A_plus", ">= 0"]),
    (lambda: F.parameter_words(0.1, 0.005, 0.4, 0.001, weight_scale=3.0), ["weight scale", "0 to 16"]),
    (lambda: F.to_s1615(70000.0, "w_max"), ["w_max", "S1615", "representable"]),
    (lambda: F.scales_from_weights({"excitatory": [1e-7]}), ["excitatory", "finest LSB", "pA"]),
    (lambda: F.scales_from_weights({"excitatory": [0.0456, 2000.0]}), ["16 bits", "representable up to"]),
    (lambda: F.stored_weight(20.0, F.weight_scales()["excitatory"]), ["largest representable"]),
])
def test_out_of_range_refused(call, words):
    with pytest.raises(ParameterError) as err:
        call()
    message = str(err.value)
    assert "\n" not in message and all(w in message for w in words), message


def test_decay_tables_as_spynnaker_writes_them():
    """The tables sPyNNaker 7.4.1 itself writes (header: size, time shift; then the values)."""
    from spynnaker.pyNN.models.neuron.plasticity.stdp.common import get_exp_lut_array
    for tau, dt, size in ((15.0, 0.1, 1144), (30.0, 0.1, 2288), (20.0, 1.0, 154)):
        written = get_exp_lut_array(dt, tau).view(np.uint16)
        lut = F.exp_lut(tau, dt)
        assert lut.size == size and tuple(written[:2]) == (size, 0)
        np.testing.assert_array_equal(lut, written[2:2 + size].astype(np.int16))


# ------------------------------------------------------------------ against the reference

def test_trace_reference_is_the_reference():
    pre, post = poisson_trains(20, 3000, 5)
    np.testing.assert_allclose(reference_by_traces(pre, post, JE, DELAY, **RULE),
                               power_law_weights(pre, post, JE, DELAY, **RULE), rtol=1e-12)


def test_every_weight_within_3_lsb_and_half_a_percent_on_1s_trains():
    """8 Hz pre and post, 1 s, 20 seeds; the stochastic rounding the binary uses."""
    worst = 0.0
    for seed in range(1, 21):
        pre, post = poisson_trains(8, 1000, seed)
        r = replay_rule(pre, post, DELAY, JE, seed=seed, **RULE)
        ref = power_law_weights(pre, post, JE, DELAY, **RULE)
        assert r["lsb"] == pytest.approx(0.000244140625) and r["delay_steps"] == 15
        tolerance = 3 * r["lsb"] + 0.005 * np.abs(ref)
        worst = max(worst, float(np.max(np.abs(r["weights"] - ref) / tolerance, initial=0)))
    print(f"worst |fixed point - reference| / (3 LSB + 0.5 %): {worst:.2f}")
    assert worst <= 1.0


@pytest.fixture(scope="module")
def long_trains():
    """100 synapses, 8 Hz pre and post, 100 s, and the reference's mean weight at the end."""
    trains = [poisson_trains(8, 100_000, 1000 + k) for k in range(100)]
    ref = np.mean([reference_by_traces(pre, post, JE, DELAY, **RULE)[-1] for pre, post in trains])
    return trains, ref


def mean_final_weight(trains, rounding):
    return np.mean([replay_rule(pre, post, DELAY, JE, rounding=rounding, seed=k + 1, **RULE)["weights"][-1]
                    for k, (pre, post) in enumerate(trains)])


def test_mean_drift_over_100s_below_1_percent(long_trains):
    trains, ref = long_trains
    drift = mean_final_weight(trains, "stochastic") / ref - 1
    print(f"reference {ref * 1000:.2f} pA, stochastic rounding drift {drift:+.2%}")
    assert abs(drift) < 0.01


def test_truncation_drifts_the_control(long_trains):
    """What sPyNNaker's multiplicative rule does (floor) makes this rule collapse; nearest overshoots."""
    trains, ref = long_trains
    truncated = mean_final_weight(trains, "truncate") / ref - 1
    nearest = mean_final_weight(trains, "nearest") / ref - 1
    print(f"truncation {truncated:+.1%}, round to nearest {nearest:+.1%}")
    assert truncated < -0.5 and nearest > 0.05


# ------------------------------------------------------------------ sPyNNaker's own limits

def test_sixteen_post_events_remembered():
    """20 postsynaptic spikes between two presynaptic ones: the 5 oldest do not potentiate
    (post_events.h keeps 16 events, one a placeholder); the trace of the last one, which
    depresses, still holds all 20."""
    pre, post = [1.0, 30.0], np.arange(2.0, 22.0, 1.0)
    r = replay_rule(pre, post, DELAY, JE, rounding="nearest", scale=fine_scale(), **RULE)
    ref = power_law_weights(pre, post, JE, DELAY, **RULE)
    w = JE
    for seen in post[5:] + DELAY:
        w += RULE["A_plus"] * RULE["w0"] ** 0.6 * w ** 0.4 * math.exp(-(seen - 1.0) / RULE["tau_plus"])
    w *= 1 - RULE["A_minus"] * np.sum(np.exp(-(30.0 - post - DELAY) / RULE["tau_minus"]))
    assert r["dropped_post"] == 5
    assert r["weights"][-1] == pytest.approx(w, abs=3 * r["lsb"])
    assert ref[-1] - r["weights"][-1] > 20 * r["lsb"]


def test_depression_skipped_when_the_last_post_coincides():
    """sPyNNaker's pair rule depresses with the last postsynaptic event only if it is strictly
    earlier at the synapse: when it coincides with the presynaptic spike, the earlier ones do
    not depress either (timing_pair_impl.h); the reference counts them."""
    pre, post = [10.0, 21.5], [5.0, 20.0]                # post 20.0 arrives at 21.5 (delay 1.5)
    r = replay_rule(pre, post, DELAY, JE, rounding="nearest", scale=fine_scale(), **RULE)
    ref = power_law_weights(pre, post, JE, DELAY, **RULE)
    w1 = ref[0]                                          # post 5.0 depressed at 10.0: both agree
    potentiated_only = w1 + RULE["A_plus"] * RULE["w0"] ** 0.6 * w1 ** 0.4 * math.exp(-11.5 / 15.0)
    assert r["weights"][0] == pytest.approx(w1, abs=2 * r["lsb"])
    assert r["weights"][-1] == pytest.approx(potentiated_only, abs=2 * r["lsb"])
    assert r["weights"][-1] - ref[-1] > 4 * r["lsb"]            # 0.15 pA more than the reference


def test_no_compiler_one_line(tmp_path, monkeypatch):
    """Without a C compiler the host build stops with one line naming what to install."""
    monkeypatch.setenv("PYNN_HPC_SPINNAKER_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CC", raising=False)
    monkeypatch.setattr(F, "_LIBRARY", None)
    with pytest.raises(F.RuleBuildError) as err:
        F.rule_library()
    assert "no C compiler" in str(err.value) and "\n" not in str(err.value)


# ------------------------------------------------------------------ the command

def replay_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "pynn_hpc.cli", "replay", *args],
                          capture_output=True, text=True, timeout=600, env=env)


def test_cli_replay_reports_pA_and_lsb(tmp_path):
    p = replay_cli("--backends", "spinnaker", "--rate", "8", "--duration", "1000",
                   "--output", str(tmp_path / "out"))
    assert p.returncode == 0, p.stderr
    line = [x for x in p.stdout.splitlines() if x.startswith("largest difference, spinnaker vs reference")]
    assert len(line) == 1 and " pA = " in line[0] and line[0].endswith(" LSB"), p.stdout
    r = json.loads((tmp_path / "out" / "replay.json").read_text())
    assert r["lsb"]["spinnaker"] == pytest.approx(0.000244140625)
    lsb_diff = r["max_diff_lsb"]["spinnaker vs reference"]
    assert lsb_diff == pytest.approx(r["max_abs_diff_pA"]["spinnaker vs reference"] / 0.244140625)
    assert lsb_diff < 3 + 0.005 * 46 / 0.244


def test_cli_replay_without_compiler(tmp_path):
    """No C compiler on PATH and an empty cache: one line on stderr, exit code 2, nothing written."""
    env = dict(os.environ, PATH=str(tmp_path), PYNN_HPC_SPINNAKER_DIR=str(tmp_path / "cache"))
    env.pop("CC", None)
    p = replay_cli("--backends", "spinnaker", "--rate", "8", "--duration", "1000",
                   "--output", str(tmp_path / "out"), env=env)
    assert p.returncode == 2 and p.stdout == ""
    assert len(p.stderr.strip().splitlines()) == 1 and "no C compiler" in p.stderr
    assert not (tmp_path / "out" / "replay.json").exists()
