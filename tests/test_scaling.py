"""Indegree scaling, presets, the memory estimate and the regime check (issue: scaling)."""
import json
import subprocess
import sys

import numpy as np
import pytest

from pynn_hpc import parameters as P
from pynn_hpc.derived import derive
from pynn_hpc.errors import ParameterError
from pynn_hpc.estimate import estimate
from pynn_hpc.presets import PRESETS, resolve
from pynn_hpc.scaling import free_membrane


def cli(*args):
    return subprocess.run([sys.executable, "-m", "pynn_hpc.cli", *args], capture_output=True,
                          text=True, timeout=900)


@pytest.mark.parametrize("k", [1.0, 0.5, 0.2, 0.1, 0.01])
def test_derived_values_for_k(k):
    full, d = derive(1.0), derive(1.0, indegree_scale=k, dc_rate=10.0)
    assert (d.CE, d.CI) == (round(9000 * k), round(2250 * k))
    assert d.JE == pytest.approx(full.JE / np.sqrt(k), rel=0.02)      # up to rounding of CE, CI
    assert d.JI == pytest.approx(full.JI / np.sqrt(k), rel=0.02)
    assert d.w0 / P.STDP["w0"] == pytest.approx(d.JE / full.JE)
    assert d.J_drive == full.JE and d.rate_ext == full.rate_ext       # the drive is not scaled
    # variance of the recurrent input kept, mean restored by the DC current at 10 Hz
    assert d.CE * d.JE ** 2 + d.CI * d.JI ** 2 == pytest.approx(9000 * full.JE ** 2 + 2250 * full.JI ** 2)
    charge = np.e * P.NEURON["tau_syn_E"] * 10.0 / 1000.0
    full_mean = (9000 * full.JE + 2250 * full.JI) * charge
    assert (d.CE * d.JE + d.CI * d.JI) * charge + d.i_dc == pytest.approx(full_mean)
    assert (d.i_dc == 0.0) == (k == 1.0) and d.i_dc <= 0.0


@pytest.mark.parametrize("k", [0.5, 0.1, 0.03])
def test_weights_compensation_keeps_the_mean_at_any_rate(k):
    full, d = derive(1.0), derive(1.0, indegree_scale=k, compensation="weights")
    assert d.i_dc == 0.0
    assert d.CE * d.JE == pytest.approx(9000 * full.JE) and d.CI * d.JI == pytest.approx(2250 * full.JI)
    assert d.CE * d.JE ** 2 == pytest.approx(9000 * full.JE ** 2 * 9000 / d.CE)   # variance x 1/k
    assert d.w0 / P.STDP["w0"] == pytest.approx(d.JE / full.JE)


@pytest.mark.parametrize("k", [0.0, -0.5, 1.5])
def test_k_outside_range_is_refused(k):
    with pytest.raises(ParameterError, match="--indegree-scale"):
        derive(1.0, indegree_scale=k)


@pytest.fixture(scope="module")
def membrane_at_k1(nest_sim):
    return free_membrane(nest_sim, derive(1.0, indegree_scale=1.0, dc_rate=5.0), rate=5.0)


@pytest.mark.parametrize("k", [0.1, 0.5])
def test_compensation_keeps_free_membrane_mean_and_variance(nest_sim, membrane_at_k1, k):
    mean1, var1 = membrane_at_k1
    mean, var = free_membrane(nest_sim, derive(1.0, indegree_scale=k, dc_rate=5.0), rate=5.0, seed=2)
    assert mean1 > 5.0 and var1 > 1.0                     # a real, fluctuating input
    assert mean == pytest.approx(mean1, rel=0.05)
    assert var == pytest.approx(var1, rel=0.05)


def test_without_compensation_the_mean_moves(nest_sim, membrane_at_k1):
    """The test above can fail: without the DC current the k = 0.1 mean is far off."""
    mean1, _ = membrane_at_k1
    mean, _ = free_membrane(nest_sim, derive(1.0, indegree_scale=0.1, dc_rate=0.0), rate=5.0, seed=2)
    assert abs(mean - mean1) > 0.2 * abs(mean1)


def test_presets_and_overrides():
    assert set(PRESETS) == {"seed", "desktop", "teaching", "hpc"}
    assert resolve("seed")["scale"] == 1.0 and resolve("seed")["simtime"] == 250.0
    assert resolve("hpc")["scale"] >= 10 and resolve("hpc")["simtime"] == 1000.0
    assert resolve("desktop", scale=0.3)["scale"] == 0.3
    with pytest.raises(ParameterError, match="--preset"):
        resolve("laptop")


@pytest.mark.parametrize("backend, scale, k", [("nest", 0.2, 1.0), ("nest", 1.0, 0.1),
                                               ("neuron", 1.0, 0.1)])
def test_estimate_within_25_percent_of_measured_peak_memory(tmp_path, backend, scale, k):
    p = cli("run", "--backend", backend, "--scale", str(scale), "--indegree-scale", str(k),
            "--presim", "10", "--simtime", "20", "--threads", "2", "--output", str(tmp_path))
    assert p.returncode == 0, p.stderr
    r = json.loads((tmp_path / "results.json").read_text())
    predicted = estimate(backend, derive(scale, indegree_scale=k))["peak_rss_mb_per_process"]
    assert r["n_connections"] == derive(scale, indegree_scale=k).n_connections
    assert predicted == pytest.approx(r["peak_rss_mb"], rel=0.25)


def test_regime_check_flags_the_synchronous_small_network(tmp_path):
    """Scale 0.1 at full indegree: the seed warns it fires in synchrony (~390 Hz once it has
    built up; 125 Hz with synchrony 1.03 over the first 50 ms after 20 ms, already flagged:
    27 s instead of 69 s for 100 ms after 50 ms with 2 threads in the suite)."""
    p = cli("run", "--scale", "0.1", "--presim", "20", "--simtime", "50", "--threads", "1",
            "--output", str(tmp_path))
    assert p.returncode == 0, p.stderr
    r = json.loads((tmp_path / "results.json").read_text())
    assert r["regime"]["asynchronous_irregular"] is False
    assert "WARNING" in p.stdout


def test_teaching_preset_is_asynchronous_irregular(tmp_path):
    p = cli("run", "--preset", "teaching", "--threads", "2", "--output", str(tmp_path))
    assert p.returncode == 0, p.stderr
    r = json.loads((tmp_path / "results.json").read_text())
    assert r["regime"]["asynchronous_irregular"] is True, r["regime"]
    assert "WARNING" not in p.stdout


@pytest.mark.parametrize("args, names", [
    (["--indegree-scale", "0"], "--indegree-scale"),
    (["--indegree-scale", "1.5"], "--indegree-scale"),
    (["--preset", "laptop"], "--preset"),
    (["--scale", "40"], "exceeds"),
])
def test_bad_scaling_input(tmp_path, args, names):
    p = cli("run", *args, "--output", str(tmp_path / "out"))
    assert p.returncode == 2 and names in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
    assert not (tmp_path / "out").exists()


def test_estimate_command_says_when_it_does_not_fit():
    p = cli("estimate", "--preset", "hpc", "--scale", "40")
    assert p.returncode == 0 and "DOES NOT FIT" in p.stdout
    p = cli("estimate", "--scale", "0.1")
    assert p.returncode == 0 and "DOES NOT FIT" not in p.stdout
