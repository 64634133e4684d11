"""Cross-simulator comparison: NEURON judged against NEST's seed-to-seed spread (the verdict
itself on synthetic runs: test_verdict.py), a network that is really different caught, bad
input, and a comparison that survives real use: reused runs of another network refused, failed
runs reported, signals, no verdict without spread (pynn-hpc compare)."""
import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from pynn_hpc.analysis.compare import STATISTICS, compare, load_run, read_spiketrains

from conftest import COMPARE_NETWORK as NETWORK, COMPARE_SEEDS as SEEDS, cli


def strict_json(path):
    """JSON as a strict parser (jq, a browser) reads it: NaN and Infinity are errors."""
    def refuse(constant):
        raise ValueError(f"{path} holds {constant}, which is not JSON")
    return json.loads(Path(path).read_text(), parse_constant=refuse)


def copy_runs(comparison, out, names):
    """Copies of the comparison's run directories ``names`` in ``out``/runs."""
    for name in names:
        shutil.copytree(comparison[0] / "runs" / name, out / "runs" / name)


def test_neuron_agrees_with_nest_within_its_seed_to_seed_spread(comparison):
    out, p = comparison
    assert p.returncode == 0, p.stderr
    report = json.loads((out / "comparison.json").read_text())
    assert report["reference"] == "nest" and report["agrees"] == {"neuron": True}, report["table"]
    assert report["alpha"] == 0.05 and report["power"] == 0.8
    for stat in STATISTICS:
        entry = report["statistics"][stat]
        e = entry["neuron"]
        assert len(entry["reference_ks"]) == 10 and len(e["ks"]) == 25 and len(e["own_ks"]) == 10
        assert 0 < entry["tolerance_ks"] < 0.5 and e["within_seed_spread"] is True
        assert e["p_adjusted"] > 0.05 and e["p_value"] >= 2 / 252
        low, high = e["effect"]["ci"]
        assert low < e["effect"]["difference"] < high
        assert e["detectable"]["relative"] > 0 and e["detectable"]["reason"] is None
    rates = report["means"]["nest"]["rate"]["mean"], report["means"]["neuron"]["rate"]["mean"]
    assert rates[1] == pytest.approx(rates[0], rel=0.15)
    assert report["false_alarm"]["neuron"] == pytest.approx(4 * 2 / 252)   # 5 and 5 runs
    assert (out / "comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "neuron: agrees with nest" in p.stdout and "| firing rate (Hz) |" in p.stdout
    # a line per run: backend, seed, time, rate
    for b in ("nest", "neuron"):
        for seed in SEEDS:
            assert re.search(rf"^{b}, seed {seed}: done in [0-9.]+ s, [0-9.]+ Hz$", p.stdout,
                             re.M), p.stdout
    assert strict_json(out / "comparison.json")["failed"] == []


def test_a_network_with_other_plasticity_is_caught(comparison, tmp_path):
    """NEST with w0 x 1.5 (the weights' fixed point moves) is not NEST's network: judged
    different against the same reference runs (4 runs: with 3 against 5 no p-value can reach
    0.05 / 4)."""
    out, _ = comparison
    from concurrent.futures import ThreadPoolExecutor
    dirs = [tmp_path / f"w0-{seed}" for seed in SEEDS[:4]]
    with ThreadPoolExecutor(2) as pool:     # two at a time: this worker is the suite's long pole
        done = list(pool.map(lambda seed, d: cli("run", "--backend", "nest", "--seed", seed,
                                                 *NETWORK, "--w0", 0.0015, "--output", d),
                             SEEDS[:4], dirs))
    for p in done:
        assert p.returncode == 0, p.stderr
    other = [load_run(d) for d in dirs]
    reference = [load_run(out / "runs" / f"nest-seed{s}") for s in SEEDS]
    report = compare({"nest": reference, "nest, w0 x 1.5": other}, "nest", detect=False)
    assert report["agrees"]["nest, w0 x 1.5"] is False
    weight = report["statistics"]["weight"]["nest, w0 x 1.5"]
    assert weight["agrees"] is False and weight["p_adjusted"] <= 0.05
    assert weight["effect"]["difference"] > 0              # heavier weights, every run apart:
    assert weight["p_value"] == pytest.approx(1 / 126)     # the smallest p-value of 5 + 4 runs
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
    assert p.returncode == 1, p.stderr                  # 3 and 2 runs: too few for a verdict
    report = json.loads((tmp_path / "three" / "comparison.json").read_text())
    assert report["agrees"] == {"neuron": None} and report["false_alarm"]["neuron"] == 0
    assert "neuron: no verdict possible against nest: rate: 3 and 2 runs cannot give a " \
        "p-value <= 0.0125 (the smallest possible is 0.1)" in p.stdout


@pytest.mark.parametrize("args, message", [
    (["--seeds", "1", "1", "2"], "--seeds must be different"),
    (["--seeds", "1", "2"], "at least 3 --seeds"),
    (["--backends", "nest", "genn"], "unknown backend 'genn'"),
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


# ---- runs reused, failed, interrupted; statistics without spread; spike files ----

def test_reused_runs_of_another_network_are_refused_before_anything_runs(comparison, tmp_path):
    """Teaching runs of 200 ms are not reused for 300 ms, nor for the desktop preset, nor a
    run of seed 1 for seed 2: one line, exit 2, nothing run or written."""
    out, _ = comparison
    before = sorted(str(f) for f in out.rglob("*"))
    p = cli("compare", "--backends", "nest", "neuron", "--seeds", *SEEDS, "--preset", "teaching",
            "--simtime", 300, "--threads", 1, "--output", out)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "nest-seed1 holds a run of another network (simtime_ms: 200.0 there, 300.0 asked " \
        "for)" in p.stderr
    p = cli("compare", "--backends", "nest", "neuron", "--seeds", *SEEDS, "--preset", "desktop",
            "--output", out)
    assert p.returncode == 2 and "holds a run of another network (derived." in p.stderr
    assert sorted(str(f) for f in out.rglob("*")) == before and p.stdout == ""
    other = tmp_path / "cmp"
    shutil.copytree(out / "runs" / "nest-seed1", other / "runs" / "nest-seed2")
    before = sorted(other.rglob("*"))
    p = cli("compare", "--backends", "nest", "neuron", "--seeds", *SEEDS, *NETWORK,
            "--output", other)
    assert p.returncode == 2 and "nest-seed2 holds a run of another network (seed: 1 there, " \
        "2 asked for)" in p.stderr
    assert sorted(other.rglob("*")) == before


def test_a_failed_run_is_reported_and_the_others_judged(comparison, tmp_path):
    """NEURON's seed 2 cannot write its output: reported (backend, seed, its error), the
    verdict made from the other runs (5 NEST and 4 NEURON), the failure listed, exit code 1."""
    out = tmp_path / "cmp"
    copy_runs(comparison, out, [f"{b}-seed{s}" for b in ("nest", "neuron") for s in SEEDS
                                if (b, s) != ("neuron", 2)])
    (out / "runs" / "neuron-seed2").write_text("not a directory")
    p = cli("compare", "--backends", "nest", "neuron", "--seeds", *SEEDS, *NETWORK,
            "--output", out, "--quiet")
    assert p.returncode == 1, p.stderr
    assert re.search(r"^neuron, seed 2: FAILED after [0-9.]+ s \(exit code 2\): pynn-hpc: "
                     r"error: --output .*neuron-seed2 is a file, not a directory", p.stderr, re.M), p.stderr
    assert "reusing" not in p.stdout and "neuron: agrees with nest" in p.stdout   # --quiet
    report = strict_json(out / "comparison.json")
    assert [(f["backend"], f["seed"], f["exit_code"]) for f in report["failed"]] == \
        [("neuron", 2, 2)] and "is a file, not a directory" in report["failed"][0]["error"]
    n = len(SEEDS)
    assert len(report["runs"]["neuron"]) == n - 1 and len(report["runs"]["nest"]) == n
    assert len(report["statistics"]["rate"]["neuron"]["ks"]) == (n - 1) * n
    assert report["agrees"] == {"neuron": True}


def test_too_few_reference_runs_left_is_no_verdict(comparison, tmp_path):
    out = tmp_path / "cmp"
    copy_runs(comparison, out, ["nest-seed1"] + [f"neuron-seed{s}" for s in (1, 2, 3)])
    for seed in (2, 3):
        (out / "runs" / f"nest-seed{seed}").write_text("not a directory")
    p = cli("compare", "--backends", "nest", "neuron", "--seeds", 1, 2, 3, *NETWORK,
            "--output", out)
    assert p.returncode == 1
    assert p.stderr.count("FAILED after") == 2
    assert p.stderr.strip().splitlines()[-1] == (
        "pynn-hpc: no verdict possible: 1 run(s) of the reference 'nest' finished, at least 3 "
        "are needed (failures above; the finished runs are reused next time)")
    assert re.search(r"^nest, seed 1: reusing .*nest-seed1 \([0-9.]+ Hz\)$", p.stdout, re.M)
    report = strict_json(out / "comparison.json")      # the report says why: no verdict
    assert report["table"] is None and report["no_verdict_reason"].startswith("1 run(s) of")


def _children(pid):
    kids = []
    for d in Path("/proc").iterdir():
        try:
            if d.name.isdigit() and int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(d.name))
        except (OSError, IndexError):
            pass
    return kids


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_comparison_stops_and_keeps_its_finished_runs(comparison, tmp_path,
                                                                      signum, code):
    """The signal reaches the run in progress, everything stops within two seconds, one line,
    no comparison written, the finished run kept (and reused: the first line says so)."""
    out = tmp_path / "cmp"
    copy_runs(comparison, out, ["nest-seed1"])
    p = subprocess.Popen([sys.executable, "-m", "pynn_hpc.cli", "compare", "--backends",
                          "nest", "neuron", "--seeds", "1", "2", "3", *NETWORK, "--output",
                          str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in p.stdout:
        lines.append(line)
        if line.startswith("nest, seed 2: running"):
            break
    assert lines[0].startswith("nest, seed 1: reusing"), lines
    time.sleep(3)                                   # the run of seed 2 is importing or building
    children = _children(p.pid)
    assert len(children) == 1
    t0 = time.monotonic()
    os.kill(p.pid, signum)
    _, err = p.communicate(timeout=60)
    elapsed = time.monotonic() - t0
    assert elapsed < 3.0, elapsed                    # 1.5 s grace for the run, then killed
    assert p.returncode == code and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert not Path(f"/proc/{children[0]}").exists()  # the run stopped too (and was reaped)
    assert not (out / "comparison.json").exists() and not (out / "comparison.png").exists()
    assert (out / "runs" / "nest-seed1" / "results.json").exists()
    assert not (out / "runs" / "nest-seed2" / "results.json").exists()


def _damaged(comparison, tmp_path, damage):
    run = tmp_path / "run"
    shutil.copytree(comparison[0] / "runs" / "nest-seed1", run)
    damage(run)
    return run


def _corrupt_results(run):
    (run / "results.json").write_text('{"backend": "nest", "seed": 1, "presim_ms": ')


def _no_spikes(run):
    (run / json.loads((run / "results.json").read_text())["spikes_file"]).unlink()


@pytest.mark.parametrize("damage, message", [(_corrupt_results, "results.json cannot be read"),
                                             (_no_spikes, "is missing (results.json names it)")])
def test_a_damaged_run_directory_is_one_line(comparison, tmp_path, damage, message):
    run = _damaged(comparison, tmp_path, damage)
    p = cli("compare", run, "--output", tmp_path / "out")
    assert p.returncode == 2 and message in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()
    if damage is _corrupt_results:                  # also when compare would reuse it
        (tmp_path / "cmp" / "runs").mkdir(parents=True)
        shutil.move(run, tmp_path / "cmp" / "runs" / "nest-seed1")
        p = cli("compare", "--seeds", 1, 2, 3, *NETWORK, "--output", tmp_path / "cmp")
        assert p.returncode == 2 and message in p.stderr, p.stderr
        assert len(p.stderr.strip().splitlines()) == 1


SILENT = ["--scale", 0.02, "--indegree-scale", 0.03, "--dc-rate", 20, "--presim", 20,
          "--simtime", 50]


def test_a_silent_network_gives_no_verdict_not_zero_over_zero(tmp_path):
    """A DC current at 20 Hz silences this small network: every rate is 0 and every weight
    stays JE in every run, no interval and no correlation exist; no statistic has a
    tolerance, so no verdict, said so, exit code 1, and comparison.json is strict JSON."""
    dirs = []
    for backend, seed in [("nest", 1), ("nest", 2), ("nest", 3), ("neuron", 1)]:
        dirs.append(tmp_path / f"{backend}-seed{seed}")
        p = cli("run", "--backend", backend, "--seed", seed, *SILENT, "--output", dirs[-1])
        assert p.returncode == 0, p.stderr
    p = cli("compare", *dirs, "--output", tmp_path / "cmp")
    assert p.returncode == 1, p.stderr
    report = strict_json(tmp_path / "cmp" / "comparison.json")
    assert report["agrees"] == {"neuron": None}
    for stat in STATISTICS:
        assert report["statistics"][stat]["tolerance_ks"] is None
        assert report["statistics"][stat]["neuron"]["agrees"] is None
    line = [x for x in p.stdout.splitlines() if x.startswith("neuron: ")]
    assert line == ["neuron: no verdict possible against nest: " + "; ".join(
        report["no_verdict"]["neuron"])]
    assert "rate: the firing rate (Hz) is identical in every run of nest (e.g. a silent " \
        "network)" in line[0]
    assert "cv_isi: no two runs of nest have a CV of interspike intervals" in line[0]
    assert "nan" not in p.stdout.lower() and "| no verdict |" in report["table"]


def _write_block(block, path):
    if path.suffix == ".nix":
        from neo.io import NixIO
        io = NixIO(str(path), mode="ow")
        io.write_block(block)
        io.close()
    else:
        path.write_bytes(pickle.dumps(block))


def test_spikes_are_read_from_nix_and_from_pickle_alike(comparison, tmp_path):
    """The same spike trains written as NIX and as a pickled Block: the same distributions."""
    import neo
    source = comparison[0] / "runs" / "nest-seed1"
    original = load_run(source)
    results = json.loads((source / "results.json").read_text())
    trains = read_spiketrains(source / results["spikes_file"])
    block = neo.Block()
    block.segments.append(neo.Segment())
    block.segments[0].spiketrains.extend([st.copy() for st in trains])
    for name in ("spikes.nix", "spikes.pkl"):
        run = tmp_path / name
        shutil.copytree(source, run)
        _write_block(block, run / name)
        (run / "results.json").write_text(json.dumps(dict(results, spikes_file=name)))
        loaded = load_run(run)
        for stat in STATISTICS:
            assert np.array_equal(loaded["distributions"][stat],
                                  original["distributions"][stat]), (name, stat)
    # our NIX reader (nixio directly) gives what Neo's NixIO gives, annotations included
    from neo.io import NixIO
    io = NixIO(str(source / results["spikes_file"]), mode="ro")
    try:
        by_neo = io.read_block().segments[0].spiketrains
    finally:
        io.close()
    assert len(by_neo) == len(trains) > 0
    for ours, theirs in zip(trains, by_neo):
        assert np.array_equal(ours.magnitude, theirs.magnitude) and ours.units == theirs.units
        assert (ours.t_start, ours.t_stop, ours.name) == (theirs.t_start, theirs.t_stop,
                                                          theirs.name)
        assert ours.annotations == theirs.annotations and "source_index" in ours.annotations


def test_distributions_are_cached_beside_the_run_and_recomputed_when_it_changes(comparison,
                                                                                 tmp_path):
    from pynn_hpc.analysis import compare as C
    run = tmp_path / "run"
    shutil.copytree(comparison[0] / "runs" / "nest-seed1", run)
    (run / C.CACHE_FILE).unlink(missing_ok=True)
    fresh = load_run(run)["distributions"]
    assert (run / C.CACHE_FILE).is_file()
    cached = load_run(run)["distributions"]
    for stat in STATISTICS:
        assert np.array_equal(cached[stat], fresh[stat]), stat
    # a cache under another key (here: other weights) is not used
    np.savez(run / C.CACHE_FILE, key="stale", **{s: np.array([-1.0]) for s in STATISTICS})
    assert np.array_equal(load_run(run)["distributions"]["rate"], fresh["rate"])
    weights = np.load(run / "weights_EE.npy")
    np.save(run / "weights_EE.npy", weights * 2)
    assert np.allclose(load_run(run)["distributions"]["weight"], 2 * fresh["weight"])


# ---- the Python call: pynn_hpc.compare ----

@pytest.mark.parametrize("kw, message", [
    ({"seeds": (1, 1, 2)}, "--seeds must be different"),
    ({"seeds": (1, 2)}, "at least 3 --seeds"),
    ({"backends": ("nest", "genn")}, "unknown backend 'genn'"),
    ({"backends": ("neuron",)}, "--reference nest is not among"),
    ({"scale": -1}, "--scale"),
    ({"jobs": 0}, "--jobs must be >= 1"),
    ({"preset": "laptop"}, "unknown --preset 'laptop'"),
    # what only a Python caller can give
    ({"backends": "nest"}, "backends must be a list of names"),
    ({"seeds": (1, 2.5, 3)}, "seeds must be whole numbers"),
    ({"scale": "big"}, "--scale must be a number"),
    ({"threads": 1.5}, "--threads must be a whole number"),
    ({"runs": "some/run"}, "runs must be a list of run directories"),
])
def test_compare_in_python_refuses_bad_input_and_writes_nothing(tmp_path, kw, message):
    import pynn_hpc
    from pynn_hpc.errors import ParameterError
    with pytest.raises(ParameterError, match=re.escape(message)):
        pynn_hpc.compare(**dict({"output": tmp_path / "out"}, **kw))
    assert not (tmp_path / "out").exists()


def test_compare_in_python_returns_what_comparison_json_holds(comparison, tmp_path, capfd):
    """The shared comparison's runs copied: pynn_hpc.compare of the same network (keyword
    options, not a command line) reuses every one, runs nothing, prints nothing (quiet), and
    returns comparison.json's content, with the CLI's verdict on the same runs."""
    import pynn_hpc
    out = tmp_path / "cmp"
    copy_runs(comparison, out, [f"{b}-seed{s}" for b in ("nest", "neuron") for s in SEEDS])
    made = {f: f.stat().st_mtime_ns for f in (out / "runs").glob("*/results.json")}
    simtime = float(NETWORK[NETWORK.index("--simtime") + 1])
    c = pynn_hpc.compare(backends=["nest", "neuron"], seeds=SEEDS, preset="teaching",
                         simtime=simtime, threads=1, output=out)
    assert capfd.readouterr().out == ""
    assert c == strict_json(out / "comparison.json")
    assert c["agrees"] == {"neuron": True} and c["failed"] == [] and c["reference"] == "nest"
    assert c["runs"] == {b: [str(out / "runs" / f"{b}-seed{s}") for s in SEEDS]
                         for b in ("nest", "neuron")}
    cli_made = json.loads((comparison[0] / "comparison.json").read_text())
    assert c["agrees"] == cli_made["agrees"] and c["table"] == cli_made["table"]
    assert {f: f.stat().st_mtime_ns for f in (out / "runs").glob("*/results.json")} == made
