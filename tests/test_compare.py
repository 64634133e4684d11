"""Cross-simulator comparison: NEURON against NEST's seed-to-seed spread, a network that is
really different caught, and bad input (pynn-hpc compare)."""
import json
import subprocess
import sys

import pytest

from pynn_hpc.analysis.compare import STATISTICS, compare, load_run

SEEDS = [1, 2, 3, 4, 5]
NETWORK = ["--preset", "teaching", "--simtime", "200", "--threads", "1"]


def cli(*args):
    return subprocess.run([sys.executable, "-m", "pynn_hpc.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=1200)


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    """NEST and NEURON, seeds 1-5, the teaching network for 100 + 200 ms."""
    out = tmp_path_factory.mktemp("comparison")
    p = cli("compare", "--backends", "nest", "neuron", "--seeds", *SEEDS, *NETWORK,
            "--output", out)
    return out, p


def test_neuron_agrees_with_nest_within_its_seed_to_seed_spread(comparison):
    out, p = comparison
    assert p.returncode == 0, p.stderr
    report = json.loads((out / "comparison.json").read_text())
    assert report["reference"] == "nest" and report["agrees"] == {"neuron": True}, report["table"]
    for stat in STATISTICS:
        entry = report["statistics"][stat]
        assert len(entry["reference_ks"]) == 10 and len(entry["neuron"]["ks"]) == 25
        assert 0 < entry["tolerance_ks"] < 0.5
    rates = report["means"]["nest"]["rate"]["mean"], report["means"]["neuron"]["rate"]["mean"]
    assert rates[1] == pytest.approx(rates[0], rel=0.15)
    assert report["false_alarm"]["neuron"] < 0.1                   # 5 and 5 runs
    assert (out / "comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "neuron: agrees with nest" in p.stdout and "| firing rate (Hz) |" in p.stdout


def test_a_network_with_other_plasticity_is_caught(comparison, tmp_path):
    """NEST with w0 x 1.5 (the weights' fixed point moves) is not NEST's network: judged
    different against the same reference runs."""
    out, _ = comparison
    other = []
    for seed in SEEDS[:3]:
        run_dir = tmp_path / f"w0-{seed}"
        p = cli("run", "--backend", "nest", "--seed", seed, *NETWORK, "--w0", 0.0015,
                "--output", run_dir)
        assert p.returncode == 0, p.stderr
        other.append(load_run(run_dir))
    reference = [load_run(out / "runs" / f"nest-seed{s}") for s in SEEDS]
    report = compare({"nest": reference, "nest, w0 x 1.5": other}, "nest")
    assert report["agrees"]["nest, w0 x 1.5"] is False
    assert report["statistics"]["weight"]["nest, w0 x 1.5"]["agrees"] is False
    # and the CLI refuses to compare the two as if they were one network
    p = cli("compare", out / "runs" / "nest-seed1", tmp_path / "w0-1", "--output",
            tmp_path / "refused")
    assert p.returncode == 2 and "are different networks" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and not (tmp_path / "refused").exists()


def test_reusing_runs_and_too_few_reference_runs(comparison, tmp_path):
    out, _ = comparison
    runs = [out / "runs" / f"{b}-seed{s}" for b in ("nest", "neuron") for s in (1, 2)]
    p = cli("compare", *runs, "--output", tmp_path / "few")
    assert p.returncode == 2 and "at least 3 runs of 'nest'" in p.stderr
    p = cli("compare", *runs, out / "runs" / "nest-seed3", "--output", tmp_path / "three")
    assert p.returncode == 0, p.stderr
    report = json.loads((tmp_path / "three" / "comparison.json").read_text())
    assert report["false_alarm"]["neuron"] > 0.1                   # 3 and 2 runs: a loose verdict
    assert "judged different on a given statistic" in p.stdout


@pytest.mark.parametrize("args, message", [
    (["--seeds", "1", "1", "2"], "--seeds must be different"),
    (["--seeds", "1", "2"], "at least 3 --seeds"),
    (["--backends", "nest", "spinnaker"], "unknown backend 'spinnaker'"),
    (["--backends", "neuron", "--reference", "nest"], "--reference nest is not among"),
    (["--scale", "-1"], "--scale"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, args, message):
    p = cli("compare", *args, "--output", tmp_path / "out")
    assert p.returncode == 2 and message in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_a_directory_without_results_is_refused(tmp_path):
    p = cli("compare", tmp_path, "--output", tmp_path / "out")
    assert p.returncode == 2 and "holds no results.json" in p.stderr
