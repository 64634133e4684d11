"""Bad input, from a table: every command, every class of mistake, several values each.

Each row must end with exit code 2, exactly one line on stderr (no traceback), and the file
tree unchanged: a finished run sits in the tree, and the rows that name it ``--overwrite`` it
(the destructive step that must never come before the check).  The rows run through
``pynn_hpc.cli.main`` in one fresh process per backend (stderr captured at the file
descriptor, so a simulator's own messages count too); a few run as the real command line.
"""
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pynn_hpc.estimate import cores

SMALL = ["--scale", "0.02", "--indegree-scale", "0.1", "--dc-rate", "0", "--simtime", "20",
         "--presim", "10"]
TOO_MANY_THREADS = str(cores() + 1)

#: (what is wrong, argv); {run}: the finished run, {file}: a regular file, {tmp}: the tree
RUN_ROWS = [
    ("seed negative", ["--seed", "-1"]),
    ("seed zero", ["--seed", "0"]),
    ("seed beyond 32 bits", ["--seed", "4294967296"]),
    ("seed not whole", ["--seed", "1.5"]),
    ("simtime zero", ["--simtime", "0"]),
    ("simtime below a step", ["--simtime", "0.05"]),
    ("simtime off the grid", ["--simtime", "60.05"]),
    ("simtime NaN", ["--simtime", "nan"]),
    ("simtime infinite", ["--simtime", "inf"]),
    ("simtime of years", ["--simtime", "1e12"]),
    ("presim negative", ["--presim", "-1"]),
    ("presim off the grid", ["--presim", "10.01"]),
    ("scale overflowing", ["--scale", "1e306"]),
    ("scale beyond 2^31 neurons", ["--scale", "200000"]),
    ("scale zero", ["--scale", "0"]),
    ("scale too small", ["--scale", "1e-9"]),
    ("indegree scale zero", ["--indegree-scale", "0"]),
    ("indegree scale above 1", ["--indegree-scale", "2"]),
    ("threads zero", ["--threads", "0"]),
    ("threads beyond the cores", ["--threads", TOO_MANY_THREADS]),
    ("threads absurd", ["--threads", "10000"]),
    ("abbreviated option", ["--simtim", "20"]),
    ("unknown option", ["--simtimes", "20"]),
    ("empty output", ["--output", ""]),
    ("output is a file", ["--output", "{file}"]),
    ("unknown preset", ["--preset", "laptop"]),
    ("negative DC rate", ["--dc-rate", "-1"]),
    ("DC rate with weight compensation", ["--compensation", "weights", "--dc-rate", "5"]),
    ("mu above 1", ["--mu", "2"]),
    ("tau_plus zero", ["--tau-plus", "0"]),
    ("w0 zero", ["--w0", "0"]),
    ("processes per node zero", ["--processes-per-node", "0"]),
]
BACKEND_ROWS = [("unknown backend", ["--backend", "nope"]),
                ("unknown variant", ["--backend", "spinnaker-emulated:bogus"]),
                ("variant of a backend without", ["--backend", "nest:fast"])]
REPLAY_ROWS = [
    ("duration of years", ["--duration", "1e12"]),
    ("duration zero", ["--duration", "0"]),
    ("rate zero", ["--rate", "0"]),
    ("rate above a spike per step", ["--rate", "1e5"]),
    ("too many spikes", ["--rate", "1000", "--duration", "1e7"]),
    ("seed negative", ["--seed", "-1"]),
    ("delay below a step", ["--delay", "0.05"]),
    ("delay off the grid", ["--delay", "1.55"]),
    ("delay absurd", ["--delay", "1e6"]),
    ("empty output", ["--output", ""]),
    ("output is a file", ["--output", "{file}"]),
    ("pre without post", ["--pre", "{tmp}/pre_ok.txt"]),
    ("times off the grid", ["--pre", "{tmp}/pre_offgrid.txt", "--post", "{tmp}/post_ok.txt"]),
    ("a spike at 1e9 ms", ["--pre", "{tmp}/pre_late.txt", "--post", "{tmp}/post_ok.txt"]),
    ("times not numbers", ["--pre", "{tmp}/pre_text.txt", "--post", "{tmp}/post_ok.txt"]),
    ("missing file", ["--pre", "{tmp}/nothing.txt", "--post", "{tmp}/post_ok.txt"]),
    ("unknown backend", ["--backends", "nope"]),
]
COMPARE_ROWS = [
    ("negative seeds", ["--seeds", "-1", "-2", "-3"]),
    ("seeds repeated", ["--seeds", "1", "1", "2"]),
    ("too few seeds", ["--seeds", "1", "2"]),
    ("jobs zero", ["--jobs", "0"]),
    ("reference not compared", ["--reference", "neuron", "--backends", "nest"]),
    ("threads beyond the cores", ["--threads", TOO_MANY_THREADS]),
    ("simtime of years", ["--simtime", "1e12"]),
    ("simtime off the grid", ["--simtime", "20.05"]),
    ("empty output", ["--output", ""]),
    ("unknown backend", ["--backends", "nest", "nope"]),
    ("a directory without a run", ["{tmp}/empty", "{run}", "{run}"]),
    ("spikes_file null", ["{tmp}/null_spikes", "{run}", "{run}"]),
    ("spikes_file a number", ["{tmp}/number_spikes", "{run}", "{run}"]),
    ("spikes_file of another run", ["{tmp}/foreign_spikes", "{run}", "{run}"]),
]
PLOT_ROWS = [
    ("no run there", ["{tmp}/empty"]),
    ("spikes_file null", ["{tmp}/null_spikes"]),
    ("spikes_file a number", ["{tmp}/number_spikes"]),
    ("spikes_file of another run", ["{tmp}/foreign_spikes"]),
    ("empty run directory name", [""]),
    ("empty output", ["{run}", "--output", ""]),
]
ESTIMATE_ROWS = [("scale overflowing", ["--scale", "1e306"]), ("processes zero", ["--processes",
                 "0"]), ("threads zero", ["--threads", "0"]), ("seed option", ["--seed", "1"])]


def rows():
    """(id, argv) of every row; run rows on every backend that simulates, with --overwrite of
    the finished run."""
    out = []
    for backend in ("nest", "neuron", "spinnaker-emulated", "spinnaker", "brian2"):
        for what, args in RUN_ROWS:
            argv = ["run", "--backend", backend, *SMALL, "--output", "{run}", "--overwrite",
                    "--quiet", *args]
            out.append((backend, f"run {backend}: {what}", argv))
    for what, args in BACKEND_ROWS:
        out.append(("none", f"run: {what}", ["run", *SMALL, "--output", "{run}",
                                              "--overwrite", *args]))
    out += [("nest", f"replay: {w}", ["replay", *a]) for w, a in REPLAY_ROWS]
    out += [("none", f"compare: {w}", ["compare", "--output", "{tmp}/cmp", *a])
            for w, a in COMPARE_ROWS]
    out += [("none", f"plot: {w}", ["plot", *a]) for w, a in PLOT_ROWS]
    out += [("none", f"estimate: {w}", ["estimate", *a]) for w, a in ESTIMATE_ROWS]
    return out


#: runs rows through cli.main in this process, stderr captured at fd 2; prints JSON results
RUNNER = r"""
import json, os, sys, tempfile, traceback
from pynn_hpc.cli import main
results = []
for argv in json.load(open(sys.argv[1])):
    with tempfile.TemporaryFile() as err:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(err.fileno(), 2)
        try:
            try:
                code = main(argv)
            except SystemExit as e:
                code = e.code
            except BaseException:
                traceback.print_exc()
                code = "exception"
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        err.seek(0)
        results.append({"argv": argv, "code": code, "stderr": err.read().decode()})
json.dump(results, open(sys.argv[2], "w"))
"""


def tree(root):
    """Every file and directory under ``root``: (kind, size, mtime, content hash)."""
    out = {}
    for p in sorted(Path(root).rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_dir():
            out[rel] = "dir"
        else:
            st = p.stat()
            out[rel] = (st.st_size, st.st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A tree with a finished NEST run, damaged copies of it, and spike files."""
    tmp = tmp_path_factory.mktemp("bad_input")
    run = tmp / "run"
    p = subprocess.run([sys.executable, "-m", "pynn_hpc.cli", "run", *SMALL, "--seed", "1",
                        "--quiet", "--output", str(run)], capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stderr
    results = json.loads((run / "results.json").read_text())
    for name, spikes in (("null_spikes", None), ("number_spikes", 5),
                         ("foreign_spikes", "../run/spikes.nix")):
        d = tmp / name
        d.mkdir()
        (d / "results.json").write_text(json.dumps(dict(results, spikes_file=spikes)))
        (d / "weights_EE.npy").write_bytes((run / "weights_EE.npy").read_bytes())
    (tmp / "empty").mkdir()
    (tmp / "a_file").write_text("not a directory")
    (tmp / "pre_ok.txt").write_text("10 20 30")
    (tmp / "post_ok.txt").write_text("12 25")
    (tmp / "pre_offgrid.txt").write_text("10 20.05 30")
    (tmp / "pre_late.txt").write_text("10 1e9")
    (tmp / "pre_text.txt").write_text("10 twenty")
    return tmp


def _fill(argv, world):
    return [a.replace("{run}", str(world / "run")).replace("{file}", str(world / "a_file"))
            .replace("{tmp}", str(world)) for a in argv]


def _outcomes(world, group):
    todo = [(name, _fill(argv, world)) for g, name, argv in rows() if g == group]
    io = world.parent / f"rows_{group}.json"
    io.write_text(json.dumps([argv for _, argv in todo]))
    out = world.parent / f"out_{group}.json"
    before = tree(world)
    cwd_before = sorted(os.listdir(world.parent))
    p = subprocess.run([sys.executable, "-c", RUNNER, str(io), str(out)], cwd=world,
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    outcomes = dict(zip([name for name, _ in todo], json.loads(out.read_text())))
    return outcomes, before, tree(world), cwd_before


@pytest.mark.parametrize("group", ["nest", "neuron", "spinnaker-emulated", "spinnaker", "brian2",
                                   "none"])
def test_every_bad_input_is_one_line_exit_2_and_changes_nothing(world, group):
    outcomes, before, after, _ = _outcomes(world, group)
    assert outcomes, group
    wrong = []
    for name, r in outcomes.items():
        lines = [line for line in r["stderr"].splitlines() if line.strip()]
        if r["code"] != 2 or len(lines) != 1 or "Traceback" in r["stderr"]:
            wrong.append(f"{name}: exit {r['code']}, stderr {r['stderr'][-500:]!r}")
    assert not wrong, "\n".join(wrong)
    assert after == before, "the file tree changed"


def test_the_issues_examples_on_the_command_line(world, tmp_path):
    """The worst of the reported cases, as a user types them: a bad --seed with --overwrite
    must not touch the finished run, and nothing appears in the current directory."""
    before = tree(world)
    for args in (["run", *SMALL, "--seed", "-1", "--overwrite", "--output", str(world / "run")],
                 ["run", *SMALL, "--simtim", "20", "--output", str(world / "run")],
                 ["run", *SMALL, "--output", ""],
                 ["replay", "--duration", "1e12"],
                 ["compare", "--seeds", "-1", "-2", "-3", "--output", str(tmp_path / "c")]):
        p = subprocess.run([sys.executable, "-m", "pynn_hpc.cli", *args], cwd=tmp_path,
                           capture_output=True, text=True, timeout=300)
        assert p.returncode == 2, (args, p.stderr)
        assert len(p.stderr.strip().splitlines()) == 1, (args, p.stderr)
        assert "Traceback" not in p.stderr
    assert tree(world) == before
    assert list(tmp_path.iterdir()) == []


def test_table_size():
    """The note on issue 20 quotes how many bad inputs the table tries."""
    assert len(rows()) >= 150
