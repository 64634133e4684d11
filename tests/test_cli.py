"""``pynn-hpc`` end to end, and every kind of bad input: one line, exit code 2, nothing written."""
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

RUN = [sys.executable, "-m", "pynn_hpc.cli"]
SMALL = ["--scale", "0.02", "--simtime", "60", "--presim", "20", "--threads", "2", "--seed", "1"]


def pynn_hpc(*args, prelude=None):
    cmd = RUN + list(args)
    if prelude:
        cmd = [sys.executable, "-c",
               f"import sys; {prelude}; from pynn_hpc.cli import main; sys.exit(main(sys.argv[1:]))",
               *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def read_spikes(path):
    """The spike trains of a spikes file, as a colleague would read them: Neo's NixIO."""
    from neo.io import NixIO
    io = NixIO(str(path), mode="ro")
    try:
        return io.read_block().segments[0].spiketrains
    finally:
        io.close()


def strict_json(path):
    """results.json parsed as jq or a browser would: bare NaN or Infinity is an error."""
    def refuse(name):
        raise ValueError(f"{path} holds {name}: not JSON")
    return json.loads(path.read_text(), parse_constant=refuse)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_run_end_to_end(tmp_path):
    out = tmp_path / "out"
    p = pynn_hpc("run", "--backend", "nest", *SMALL, "--output", str(out))
    assert p.returncode == 0, p.stderr
    r = json.loads((out / "results.json").read_text())
    for key in ("backend", "simulator", "simulator_version", "pynn_version", "scale", "n_neurons",
                "n_connections", "threads", "mpi_processes", "seed", "timings",
                "real_time_factor", "peak_rss_mb", "rate_hz", "cv_isi", "weights_EE"):
        assert key in r, key
    assert r["backend"] == "nest" and r["n_neurons"] == 225 and r["threads"] == 2
    assert r["n_connections"] == r["n_connections_expected"] == 225 * (9000 + 2250) + 225
    assert set(r["timings"]) == {"time_create", "time_connect", "time_presimulate", "time_simulate"}
    assert r["rate_hz"] > 0 and r["weights_EE"]["n"] > 1000
    assert r["weights_EE"]["quantiles"]["0.5"] > 0
    sample = np.load(out / r["weights_file"])                  # the E->E weights summarised
    assert len(sample) == r["weights_EE"]["n"]
    assert sample.mean() == pytest.approx(r["weights_EE"]["mean"], rel=1e-12)
    assert "weights_EE_sample" not in r
    assert r["spikes_file"] == "spikes.nix"
    for name in ("results.json", "spikes.nix", "weights_EE.npy"):     # umask, not 0600
        assert (out / name).stat().st_mode & 0o044 == 0o044 & ~_umask(), name
    assert sorted(f.name for f in out.iterdir()) == ["results.json", "spikes.nix",
                                                     "weights_EE.npy"]     # no temporaries
    trains = read_spikes(out / r["spikes_file"])   # a Neo Block in NIX (neo.io.NixIO)
    assert len(trains) == r["n_recorded"] == 180
    after_presim = sum(int(np.count_nonzero(st.rescale("ms").magnitude >= 20.0)) for st in trains)
    assert after_presim == r["n_spikes"]
    assert r["rate_hz"] == pytest.approx(r["n_spikes"] / (180 * 0.060))
    assert "rate" in p.stdout and "written" in p.stdout


def test_same_seed_same_spikes(tmp_path):
    runs = []
    for name in ("a", "b"):
        p = pynn_hpc("run", *SMALL, "--output", str(tmp_path / name))
        assert p.returncode == 0, p.stderr
        runs.append(json.loads((tmp_path / name / "results.json").read_text()))
    assert runs[0]["n_spikes"] == runs[1]["n_spikes"]
    assert runs[0]["weights_EE"] == runs[1]["weights_EE"]


def test_info_lists_backends():
    p = pynn_hpc("info")
    assert p.returncode == 0 and "nest" in p.stdout and "NEST 3.10" in p.stdout


BAD = [
    (["--backend", "brian"], "unknown backend"),
    (["--scale", "0"], "--scale"),
    (["--scale", "-1"], "--scale"),
    (["--simtime", "0"], "--simtime"),
    (["--threads", "0"], "--threads"),
    (["--threads", "1.5"], "--threads"),
    (["--presim", "-1"], "--presim"),
    (["--mu", "1.5"], "--mu"),
    (["--mu", "-0.2"], "--mu"),
    (["--lambda", "-0.1"], "--lambda"),
    (["--alpha", "-1"], "--alpha"),
    (["--w0", "-0.001"], "--w0"),
    (["--scale", "abc"], "--scale"),
    (["--tau-plus", "0"], "--tau-plus"),
    (["--tau-minus", "0"], "--tau-minus"),
    (["--dc-rate", "-1"], "--dc-rate"),
    (["--indegree-scale", "0.5", "--compensation", "weights", "--dc-rate", "5"], "--dc-rate"),
    (["--processes-per-node", "0"], "--processes-per-node"),
] + [([option, value], option)                   # NaN and inf for every float option of run
     for option in ("--scale", "--indegree-scale", "--dc-rate", "--simtime", "--presim",
                    "--lambda", "--alpha", "--mu", "--tau-plus", "--tau-minus", "--w0")
     for value in ("nan", "inf")]


@pytest.mark.parametrize("args, names", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input(tmp_path, args, names):
    out = tmp_path / "out"
    p = pynn_hpc("run", *args, "--output", str(out))
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and names in lines[0], p.stderr
    assert "Traceback" not in p.stderr
    assert not out.exists()


def test_network_options_in_python():
    """The network a preset and keyword options ask for, checked as ``pynn-hpc run`` checks
    it; what only a Python caller can give (a string for a number, an unknown STDP name) is
    refused too."""
    from pynn_hpc import presets, protocol
    from pynn_hpc.errors import ParameterError
    opts, d, stdp = protocol.network_options("teaching", simtime=200, seed=3)
    assert opts == dict(presets.PRESETS["teaching"], simtime=200, threads=1, seed=3)
    assert d.n_neurons == 3375 and d.indegree_scale == 0.03 and stdp["mu"] == 0.4
    assert protocol.network_options(stdp={"mu": 0.5}).stdp["mu"] == 0.5
    for kw, says in [({"scale": 0}, "--scale"), ({"scale": "1"}, "--scale must be a number"),
                     ({"threads": 0}, "--threads"), ({"seed": 1.5}, "--seed"),
                     ({"stdp": {"mu": 1.5}}, "--mu"), ({"stdp": {"lamda": 1}}, "lamda"),
                     ({"compensation": "weights", "dc_rate": 5}, "--dc-rate"),
                     ({"backend": "brian"}, "unknown backend"),
                     ({"processes_per_node": 0}, "--processes-per-node")]:
        with pytest.raises(ParameterError, match=says):
            protocol.network_options(**kw)


def test_importing_pynn_hpc_imports_no_simulator():
    """``import pynn_hpc`` (for ``pynn_hpc.compare``) stays cheap: no numpy, no simulator."""
    code = ("import sys, pynn_hpc; pynn_hpc.compare; print(sorted(m for m in sys.modules if "
            "m.split('.')[0] in ('numpy', 'pyNN', 'nest', 'neuron', 'matplotlib', 'neo')))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.strip() == "[]", p.stdout + p.stderr


def test_run_to_in_python_is_pynn_hpc_run(tmp_path, nest_sim):
    """protocol.run_to with keyword options writes the run the CLI writes (the same spikes
    and weights for the same network and seed), and returns it."""
    from pynn_hpc import protocol
    p = pynn_hpc("run", *SMALL, "--quiet", "--output", str(tmp_path / "cli"))
    assert p.returncode == 0, p.stderr
    written = protocol.run_to(tmp_path / "py", backend="nest", scale=0.02, simtime=60,
                              presim=20, threads=2, seed=1)
    assert written.path == tmp_path / "py" / "results.json" and written.port is None
    r, by_cli = strict_json(written.path), strict_json(tmp_path / "cli" / "results.json")
    assert r["n_spikes"] == by_cli["n_spikes"] == written.results["n_spikes"]
    assert r["weights_EE"] == by_cli["weights_EE"] and r["derived"] == by_cli["derived"]
    assert r["estimate"] == by_cli["estimate"] and r["preset"] is None
    assert sorted(f.name for f in (tmp_path / "py").iterdir()) == ["results.json",
                                                                   "spikes.nix",
                                                                   "weights_EE.npy"]


def test_unwritable_output(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    p = pynn_hpc("run", *SMALL, "--output", str(blocker / "out"))
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
    assert "--output" in p.stderr and "Traceback" not in p.stderr


def test_backend_not_installed_says_which_extra(tmp_path):
    # the NEST wheel absent: make `import nest` fail as it does where it is not installed
    p = pynn_hpc("run", "--backend", "nest", "--output", str(tmp_path / "out"),
                 prelude="sys.modules['nest'] = None")
    assert p.returncode == 2
    line = p.stderr.strip()
    assert len(line.splitlines()) == 1 and "pynn_hpc[nest]" in line and "Traceback" not in line
    assert not (tmp_path / "out").exists()


def test_replay_from_files_and_generated(tmp_path):
    (tmp_path / "pre.txt").write_text("2 6 7 8 10 12.1 13 14.5 16 20 23")
    (tmp_path / "post.txt").write_text("3, 4, 5.9, 8, 9, 11.6, 12, 14, 15.5, 19")
    p = pynn_hpc("replay", "--pre", str(tmp_path / "pre.txt"), "--post", str(tmp_path / "post.txt"),
                 "--output", str(tmp_path / "out"))
    assert p.returncode == 0, p.stderr
    r = json.loads((tmp_path / "out" / "replay.json").read_text())
    assert len(r["weights"]["nest"]) == len(r["reference"]) == 11
    assert r["max_rel_diff"]["nest vs reference"] < 1e-7
    p = pynn_hpc("replay", "--rate", "40", "--duration", "500", "--seed", "2")
    assert p.returncode == 0 and "nest vs reference" in p.stdout


@pytest.mark.parametrize("content, says", [("5 3 8", "increasing"), ("-1 2 3", "non-negative"),
                                           ("1 2 abc", "not a list"), ("0.1 1", ">= 0.2"),
                                           ("0.25 1", "time grid"),
                                           ("10 6e9", "at most")])
def test_replay_bad_files(tmp_path, content, says):
    (tmp_path / "pre.txt").write_text(content)
    (tmp_path / "post.txt").write_text("10 20")
    p = pynn_hpc("replay", "--pre", str(tmp_path / "pre.txt"), "--post", str(tmp_path / "post.txt"),
                 "--output", str(tmp_path / "out"))
    assert p.returncode == 2 and says in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_results_json_holds_null_not_nan(tmp_path):
    """2 ms: no neuron fires 3 spikes, so the CV of ISIs is undefined: null, not a bare NaN."""
    out = tmp_path / "out"
    p = pynn_hpc("run", "--scale", "0.02", "--simtime", "2", "--presim", "0", "--seed", "1",
                 "--quiet", "--output", str(out))
    assert p.returncode == 0, p.stderr
    r = strict_json(out / "results.json")
    assert r["cv_isi"] is None
    assert all(v is None or math.isfinite(v) for v in r["weights_EE"].values()
               if isinstance(v, float))


def test_pickle_spikes_only_when_asked(tmp_path):
    import pickle
    out = tmp_path / "out"
    p = pynn_hpc("run", *SMALL, "--spikes-format", "pickle", "--quiet", "--output", str(out))
    assert p.returncode == 0, p.stderr
    r = strict_json(out / "results.json")
    assert r["spikes_file"] == "spikes.pkl" and not (out / "spikes.nix").exists()
    with open(out / "spikes.pkl", "rb") as f:
        trains = pickle.load(f).segments[0].spiketrains
    assert sum(int(((st.rescale("ms").magnitude >= 20.0)).sum()) for st in trains) == r["n_spikes"]


@pytest.mark.parametrize("args, says", [
    (["--processes", "0"], "--processes"),
    (["--scale", "inf"], "--scale"),
    (["--dc-rate", "-2"], "--dc-rate"),
    (["--indegree-scale", "0.2", "--compensation", "weights", "--dc-rate", "10"], "--dc-rate"),
])
def test_estimate_bad_input(args, says):
    p = pynn_hpc("estimate", *args)
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in p.stderr, p.stderr


@pytest.mark.parametrize("delay", ["1.55", "0.05", "0", "nan"])
def test_replay_delay_off_grid_or_below_one_step(tmp_path, delay):
    p = pynn_hpc("replay", "--rate", "20", "--duration", "200", "--delay", delay,
                 "--output", str(tmp_path / "out"))
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "--delay" in lines[0] and "Traceback" not in p.stderr, p.stderr
    assert not (tmp_path / "out").exists()
