"""The teaching examples run (each in a fresh process, as a lecturer would start it) and show
what they claim; ``pynn-hpc plot`` draws a finished run and refuses bad input."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from pynn_hpc import cli as pynn_hpc_cli
from pynn_hpc.analysis import regime

from conftest import COMPARE_NETWORK, COMPARE_SEEDS, cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def example(name, *args, cwd, timeout=600):
    return subprocess.run([sys.executable, str(EXAMPLES / name), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def check_png(path):
    """A PNG with something drawn on it (not one colour)."""
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    pixels = matplotlib.image.imread(path)
    assert pixels.shape[0] > 300 and pixels.shape[1] > 600
    assert pixels[..., :3].std() > 0.05


def simtime():
    return COMPARE_NETWORK[COMPARE_NETWORK.index("--simtime") + 1]


@pytest.mark.parametrize("backend", ["nest", "neuron"])
def test_network_example_is_pynn_hpc_runs_network(tmp_path, backend, comparison):
    """Example 1 is the network of 'pynn-hpc run': the same spikes as the shared comparison's
    run of seed 1 (its extra I recording changes nothing), asynchronous irregular."""
    p = example("1_network.py", "--backend", backend, "--simtime", simtime(), "--output",
                "net.png", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    check_png(tmp_path / "net.png")
    rate, spikes = re.search(r"E rate ([\d.]+) Hz \(([\d,]+) spikes", p.stdout).groups()
    assert regime.RATE_MIN <= float(rate) <= regime.RATE_MAX
    assert "asynchronous irregular" in p.stdout
    source, _ = comparison
    run = json.loads((source / "runs" / f"{backend}-seed1" / "results.json").read_text())
    assert int(spikes.replace(",", "")) == run["n_spikes"]
    # STDP spread the weights, all JE (263.3 pA at this indegree) at the start
    start, mean, sd = map(float, re.search(r"all ([\d.]+) pA at the start, now ([\d.]+) pA "
                                           r"with sd ([\d.]+) pA", p.stdout).groups())
    assert start == pytest.approx(263.3, abs=0.1) and sd > 1.0


def test_network_example_refuses_bad_input(tmp_path):
    for args in (["--backend", "brian"], ["--output", "x.unknown"],
                 ["--output", tmp_path / "missing" / "x.png"]):
        p = example("1_network.py", *args, cwd=tmp_path, timeout=120)
        assert p.returncode == 2 and "error:" in p.stderr, (args, p.stderr)
    assert list(tmp_path.iterdir()) == []


def test_synapse_example_measures_the_stdp_window(tmp_path):
    p = example("2_synapse.py", "--output", "syn.png", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    check_png(tmp_path / "syn.png")
    data = json.loads((tmp_path / "syn.json").read_text())
    assert {"nest", "neuron", "spinnaker"} <= set(data["window_pA"])    # every backend ran
    lags = np.array(data["lags_ms"])
    expected = np.array(data["window_reference_pA"])
    for name in ("nest", "neuron"):
        dw = np.array(data["window_pA"][name])
        assert np.all(dw[lags > 0] > 1e-3), name        # potentiation when post follows pre
        assert np.all(dw[lags < 0] < -1e-3), name       # depression when it precedes
        # coincident spikes do nothing (the read-out spike 500 ms later depresses by 1e-8 pA)
        assert np.all(np.abs(dw[lags == 0]) < 1e-6), name
        np.testing.assert_allclose(dw, expected, rtol=1e-5, atol=1e-9)
        assert data["trajectory_max_abs_diff_pA"][name] < 1e-5
    # the window's shape: strongest next to dt = 0, decaying with tau_plus / tau_minus
    assert expected[lags == 1][0] > expected[lags == 10][0] > expected[lags == 60][0] > 0
    # SpiNNaker's fixed point (stochastic rounding at 0.244 pA): within 2 LSB of each pair
    lsb = data["lsb_pA"]["spinnaker"]
    assert lsb == pytest.approx(0.244, abs=0.001)
    assert np.all(np.abs(np.array(data["window_pA"]["spinnaker"]) - expected) <= 2 * lsb)


def test_two_backends_example_reuses_the_comparisons_runs(tmp_path, comparison):
    """Example 3 on the shared comparison's runs (copied): compare reuses them, nothing runs."""
    source, _ = comparison
    seeds = COMPARE_SEEDS
    for backend in ("nest", "neuron"):
        for seed in seeds:
            shutil.copytree(source / "runs" / f"{backend}-seed{seed}",
                            tmp_path / "cmp" / "runs" / f"{backend}-seed{seed}")
    p = example("3_two_backends.py", "--seeds", *seeds, "--simtime", simtime(),
                "--output", "cmp", cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.count("reusing") == 2 * len(seeds) and "running" not in p.stdout
    check_png(tmp_path / "cmp" / "two_backends.png")
    assert (tmp_path / "cmp" / "comparison.json").is_file()


@pytest.fixture
def run_dir(tmp_path, comparison):
    """A copy of one finished teaching run (NEST, seed 1) of the shared comparison."""
    source, _ = comparison
    return Path(shutil.copytree(source / "runs" / "nest-seed1", tmp_path / "run"))


def test_plot_draws_a_finished_run(run_dir):
    p = cli("plot", run_dir, timeout=300)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == f"written: {run_dir / 'run.png'}"
    check_png(run_dir / "run.png")


def test_plot_refuses_bad_input(run_dir, tmp_path, capsys):
    """One line on stderr, exit code 2, nothing written (in-process: the CLI's own code)."""
    empty = tmp_path / "empty"
    empty.mkdir()
    corrupt_spikes = Path(shutil.copytree(run_dir, tmp_path / "corrupt_spikes"))
    (corrupt_spikes / "spikes.nix").write_bytes(b"not HDF5")
    no_weights = Path(shutil.copytree(run_dir, tmp_path / "no_weights"))
    (no_weights / "weights_EE.npy").unlink()
    corrupt_json = Path(shutil.copytree(run_dir, tmp_path / "corrupt_json"))
    (corrupt_json / "results.json").write_text("{")
    cases = {
        (str(empty),): "holds no results.json",
        (str(tmp_path / "nowhere"),): "is not a directory",
        (str(corrupt_spikes),): "spikes.nix cannot be read",
        (str(no_weights),): "weights_EE.npy is missing",
        (str(corrupt_json),): "results.json cannot be read",
        (str(run_dir), "--output", str(tmp_path / "x.unknown")): "unknown figure format",
        (str(run_dir), "--output", str(tmp_path / "missing" / "x.png")): "does not exist",
        (str(run_dir), "--output", str(tmp_path)): "is a directory",
        (str(run_dir), "--output", str(run_dir / "results.json" / "x.png")): "not a directory",
    }
    before = sorted(tmp_path.rglob("*"))
    for args, message in cases.items():
        assert pynn_hpc_cli.main(["plot", *args]) == 2, args
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err and "Traceback" not in err, (args, err)
    assert sorted(tmp_path.rglob("*")) == before        # nothing written anywhere
    p = cli("plot", empty, timeout=120)                 # and so from the command line
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
