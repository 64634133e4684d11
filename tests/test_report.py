"""The comparison's report (report.html, report.md): every number from comparison.json, which
holds what the runs' results.json and the replay say; the page renders with its figures in a
real browser (headless Chromium); bad input; runs made two at a time give the same runs and
verdict, and a signal reaches every running run (pynn-hpc compare --jobs)."""
import base64
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from pynn_hpc.analysis import timing as T
from pynn_hpc.analysis.compare import STATISTICS, compare, load_run
from pynn_hpc.results import write_json

from conftest import COMPARE_NETWORK as NETWORK, cli

CHROMIUM = "/usr/bin/chromium"


def md_tables(text):
    """Every Markdown table of ``text`` as a list of rows (lists of cell strings)."""
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            if not re.fullmatch(r"\|(---\|)+", line):
                current.append([c.strip() for c in line.strip()[1:-1].split(" | ")])
        elif current:
            tables.append(current)
            current = []
    return tables


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self.cell, self.images = [], None, []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = ""
        elif tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def html_tables(text):
    parser = _Tables()
    parser.feed(text)
    return parser.tables, parser.images


def number(cell):
    """The first number of a table cell ("3.07 +- 0.39", "2.63 M", "1,144,125")."""
    m = re.match(r"(-?[0-9][0-9,]*\.?[0-9]*(?:e[-+]?[0-9]+)?)( M)?", cell)
    assert m, cell
    return float(m.group(1).replace(",", "")) * (1e6 if m.group(2) else 1)


def test_the_report_holds_comparison_json_numbers_which_hold_the_runs(comparison):
    out, p = comparison
    assert p.returncode == 0, p.stderr
    c = json.loads((out / "comparison.json").read_text())
    md = (out / "report.md").read_text()
    page = (out / "report.html").read_text()
    assert f"written: {out / 'comparison.json'}" in p.stdout and "report.html" in p.stdout
    # comparison.json's timing section is every run's results.json, summarised
    t = c["timing"]
    assert t["jobs"] == 1 and t["parallel"] is False and "one at a time" in t["note"]
    for backend, dirs in c["runs"].items():
        values = [T.run_values(json.loads((Path(d) / "results.json").read_text())) for d in dirs]
        for field in T.FIELDS:
            runs = [v[field] for v in values]
            entry = t["backends"][backend][field]
            assert entry["runs"] == pytest.approx(runs, rel=1e-12)
            assert entry["mean"] == pytest.approx(np.mean(runs), rel=1e-12)
            assert entry["sd"] == pytest.approx(np.std(runs, ddof=1), rel=1e-12)
            ref = np.mean([v[field] for v in [T.run_values(json.loads(
                (Path(d) / "results.json").read_text())) for d in c["runs"]["nest"]]])
            assert entry["ratio"] == pytest.approx(np.mean(runs) / ref, rel=1e-12)
        assert t["backends"][backend]["jobs"] == [1] * len(dirs)
    # the replay: one synapse on both backends, within 1e-6 of the reference rule
    r = c["replay"]
    assert "error" not in r, r
    assert set(r["weights"]) == {"nest", "neuron"} and len(r["pre"]) > 10
    assert r["trains"] == {"rate_hz": 20.0, "duration_ms": 1000.0, "seed": 1}
    for pair, diff in r["max_rel_diff"].items():
        assert diff < 1e-6, (pair, diff)
        assert diff == json.loads((out / "replay.json").read_text())["max_rel_diff"][pair]
    # report.md's tables: the verdict table as analysis.compare.table made it, the timing and
    # replay tables equal to comparison.json's numbers at the precision shown
    tables = md_tables(md)
    verdict = md_tables(c["table"])[0]
    assert verdict in tables
    timing = next(tb for tb in tables if tb[1][0] == "create (s)")
    assert timing[0] == ["", "nest (reference)", "neuron", "neuron / nest"]
    for row, field in zip(timing[1:], T.FIELDS):
        assert row[0].startswith(T.FIELDS[field][0])
        for cell, b in zip(row[1:3], ("nest", "neuron")):
            mean, sd = cell.split(" +- ")
            assert number(mean) == pytest.approx(t["backends"][b][field]["mean"], rel=5e-3)
            assert number(sd) == pytest.approx(t["backends"][b][field]["sd"], rel=5e-2)
        assert number(row[3]) == pytest.approx(t["backends"]["neuron"][field]["ratio"], rel=5e-3)
    replay = next(tb for tb in tables if tb[0][0] == "compared")
    assert [row[0] for row in replay[1:]] == list(r["max_rel_diff"])
    for row in replay[1:]:
        assert float(row[1]) == pytest.approx(r["max_rel_diff"][row[0]], rel=5e-3, abs=1e-300)
        assert float(row[2]) == pytest.approx(r["max_abs_diff_pA"][row[0]], rel=5e-3, abs=1e-300)
    setup = next(tb for tb in tables if tb[1][0] == "neurons")
    assert number(setup[1][1]) == c["setup"]["n_neurons"] == 3375
    assert number(setup[2][1]) == c["setup"]["n_connections"]
    assert ["neuron", f"NEURON {c['versions']['backends']['neuron']['simulator_version']}",
            "0.13.0", "n/a"] in next(tb for tb in tables if tb[0][0] == "backend")
    assert "neuron agrees with nest." in md and "## Failed runs\n\nNone." in md
    # report.html: the same tables (+- shown as a plus-minus sign), every figure embedded
    in_html, images = html_tables(page)
    assert [[[x.replace("±", "+-") for x in row] for row in tb] for tb in in_html] == tables
    assert c["figures"] == ["distributions", "activity", "weights", "timing", "replay"]
    assert len(images) == 5 and all(s.startswith("data:image/png;base64,") for s in images)
    assert "http://" not in page and "https://" not in page       # nothing fetched
    for name, src in zip(c["figures"], images):
        png = base64.b64decode(src.split(",", 1)[1])
        file = out / ("comparison.png" if name == "distributions" else f"figures/{name}.png")
        assert png == file.read_bytes()
        assert f"]({file.relative_to(out)})" in md


def _browser(*args, timeout=120):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: install it with `bash scripts/install_browser.sh` "
                    "(Debian's chromium, as root)", pytrace=False)
    profile = Path(os.environ.get("TMPDIR", "/tmp")) / f"chromium-profile-{os.getpid()}"
    try:
        return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                               "--disable-background-networking", "--disable-component-update",
                               "--disable-sync", "--no-first-run", "--disable-extensions",
                               f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


#: appended to a copy of report.html: at the load event, each image's decoded size, or
#: "broken" (a corrupted base64 PNG gives "broken": checked by hand, 2026-11-26)
_CHECK_IMAGES = """<script>
window.addEventListener("load", () => {
  const r = [...document.images].map(i => i.complete && i.naturalWidth > 0
                                      ? i.naturalWidth + "x" + i.naturalHeight : "broken");
  const p = document.createElement("pre"); p.id = "decoded"; p.textContent = r.join(" ");
  document.body.appendChild(p); });
</script>"""


def test_the_report_renders_with_its_figures_in_chromium(comparison, tmp_path):
    """Headless Chromium decodes every figure of report.html (sizes as the PNGs say), and a
    screenshot of the page shows the figures' colours (not a blank or broken page)."""
    out, _ = comparison
    page = (out / "report.html").read_text()
    checked = tmp_path / "report.html"
    checked.write_text(page.replace("</body>", _CHECK_IMAGES + "</body>"))
    p = _browser("--dump-dom", checked.as_uri())
    assert p.returncode == 0, p.stderr[-2000:]
    m = re.search(r'<pre id="decoded">([^<]*)</pre>', p.stdout)
    assert m, p.stdout[-2000:]
    import matplotlib.image as mpimg
    _, images = html_tables(page)
    expected = []
    for src in images:
        a = mpimg.imread(io.BytesIO(base64.b64decode(src.split(",", 1)[1])), format="png")
        expected.append(f"{a.shape[1]}x{a.shape[0]}")
    assert m.group(1).split() == expected
    shot = tmp_path / "shot.png"
    p = _browser(f"--screenshot={shot}", "--window-size=1280,2400", (out / "report.html").as_uri())
    assert p.returncode == 0 and shot.is_file(), p.stderr[-2000:]
    pixels = mpimg.imread(shot)[..., :3]
    blue = np.all(np.abs(pixels - np.array([31, 119, 180]) / 255) < 0.06, axis=-1)  # C0: neuron
    assert blue.sum() > 2000, blue.sum()
    assert (pixels.min(axis=-1) < 0.5).mean() > 0.02            # text and figures, not blank


# ---- bad input; a report without a verdict ----

def test_bad_input_is_one_line_and_writes_nothing(comparison, tmp_path):
    """--jobs 0, a report file that cannot be written, too few reference runs given."""
    p = cli("compare", "--jobs", 0, "--output", tmp_path / "out")
    assert p.returncode == 2 and "--jobs must be >= 1" in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()
    runs = [comparison[0] / "runs" / f"{b}-seed{s}" for b in ("nest", "neuron") for s in (1, 2, 3)]
    for blocked in ("report.html", "report.md", "comparison.json"):
        out = tmp_path / blocked
        (out / blocked).mkdir(parents=True)             # a directory where the file goes
        p = cli("compare", *runs, "--output", out)
        assert p.returncode == 2 and f"{out / blocked} cannot be written" in p.stderr, p.stderr
        assert len(p.stderr.strip().splitlines()) == 1 and p.stdout == ""
        assert [f.name for f in out.iterdir()] == [blocked]
    p = cli("compare", *runs[:2], *runs[3:], "--output", tmp_path / "few")   # 2 NEST runs
    assert p.returncode == 2 and "at least 3 runs of 'nest'" in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and not (tmp_path / "few").exists()
    out = tmp_path / "figures"
    out.mkdir()
    (out / "figures").write_text("a file where the figures go")
    p = cli("compare", *runs, "--output", out)
    assert p.returncode == 2 and "figures cannot be written" in p.stderr, p.stderr
    assert [f.name for f in out.iterdir()] == ["figures"]


def test_too_few_runs_give_a_report_without_a_verdict_saying_why(comparison, tmp_path):
    """Two of three NEST runs fail: no verdict (exit 1), said on stderr, in comparison.json and
    in the report, which still lists the failures with their errors and the finished runs'
    timing."""
    out = tmp_path / "cmp"
    for name in ["nest-seed1"] + [f"neuron-seed{s}" for s in (1, 2, 3)]:
        shutil.copytree(comparison[0] / "runs" / name, out / "runs" / name)
    for seed in (2, 3):
        (out / "runs" / f"nest-seed{seed}").write_text("not a directory")
    p = cli("compare", "--backends", "nest", "neuron", "--seeds", 1, 2, 3, *NETWORK,
            "--output", out, "--quiet")
    assert p.returncode == 1
    why = ("1 run(s) of the reference 'nest' finished, at least 3 are needed (failures above; "
           "the finished runs are reused next time)")
    assert p.stderr.strip().splitlines()[-1] == f"pynn-hpc: no verdict possible: {why}"
    c = json.loads((out / "comparison.json").read_text())
    assert c["no_verdict_reason"] == why and c["table"] is None and c["agrees"] == {"neuron": None}
    assert [(f["backend"], f["seed"]) for f in c["failed"]] == [("nest", 2), ("nest", 3)]
    assert c["timing"]["backends"]["nest"]["seeds"] == [1]
    md = (out / "report.md").read_text()
    assert f"No verdict: {why}." in md and "## Verdict" in md and "## Timing and memory" in md
    failed = next(tb for tb in md_tables(md) if tb[0][0] == "backend" and "error" in tb[0])
    assert [row[:3] for row in failed[1:]] == [["nest", "2", "2"], ["nest", "3", "2"]]
    assert all("is a file, not a directory" in row[4] for row in failed[1:])
    assert f"No verdict: {why}." in (out / "report.html").read_text()


# ---- --jobs ----

def _children(pid):
    kids = []
    for d in Path("/proc").iterdir():
        try:
            stat = (d / "stat").read_text() if d.name.isdigit() else ""
            if stat and int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(d.name))
        except (OSError, IndexError):
            pass
    return kids


def test_two_runs_at_a_time_give_the_same_runs_and_verdict(comparison, tmp_path):
    """--jobs 2 on seeds 1-3: two runs go at once, each run's distributions are those of the
    one-at-a-time runs of the same seed (the shared comparison), so the verdict (or the lack of
    one: 3 runs each may be too few) is that of the one-at-a-time runs; the timing table says
    the runs ran side by side.  (NEST's runs and NEURON's seed 3 are the shared comparison's,
    reused: NEURON's seeds 1 and 2 are made, at the same time.)"""
    out = tmp_path / "jobs2"
    for run in [f"nest-seed{s}" for s in (1, 2, 3)] + ["neuron-seed3"]:
        shutil.copytree(comparison[0] / "runs" / run, out / "runs" / run)
    p = subprocess.Popen([sys.executable, "-m", "pynn_hpc.cli", "compare", "--backends", "nest",
                          "neuron", "--seeds", "1", "2", "3", *map(str, NETWORK), "--jobs", "2",
                          "--output", str(out)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    most = 0
    while p.poll() is None:
        most = max(most, len(_children(p.pid)))
        time.sleep(0.2)
    stdout, stderr = p.communicate()
    assert p.returncode in (0, 1) and (out / "comparison.json").is_file(), stderr
    assert "FAILED" not in stderr and most == 2         # never more, and at some point both
    one = comparison[0] / "runs"
    groups = {"nest": [], "neuron": []}
    for b in ("nest", "neuron"):
        for s in (1, 2, 3):
            a, b_ = load_run(out / "runs" / f"{b}-seed{s}"), load_run(one / f"{b}-seed{s}")
            for stat in STATISTICS:
                assert np.array_equal(a["distributions"][stat], b_["distributions"][stat]), \
                    (b, s, stat)
            groups[b].append(b_)
    c1 = json.loads(write_json(tmp_path / "one.json", compare(groups, "nest")).read_text())
    c2 = json.loads((out / "comparison.json").read_text())
    assert c2["agrees"] == c1["agrees"] and c2["statistics"] == c1["statistics"]
    assert c2["timing"]["jobs"] == 2 and c2["timing"]["parallel"] is True
    assert c2["timing"]["backends"]["neuron"]["jobs"] == [2, 2, 1]   # seed 3: one at a time
    assert "Up to 2 runs ran at a time (compare --jobs 2)" in (out / "report.md").read_text()
    lines = [x for x in stdout.splitlines() if ": done in " in x]
    assert len(lines) == 2 and all(x.startswith("neuron, seed ") for x in lines), stdout
    assert len(re.findall(r"running \([12] of 2\)", stdout)) == 2, stdout


@pytest.mark.serial
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143)])
def test_a_signal_reaches_every_running_run(tmp_path, signum, code):
    """With --jobs 2, a signal reaches both runs in progress: everything stops within 3 s, one
    line, no comparison written, no run finished."""
    out = tmp_path / "cmp"
    p = subprocess.Popen([sys.executable, "-m", "pynn_hpc.cli", "compare", "--backends", "nest",
                          "neuron", "--seeds", "1", "2", "3", *map(str, NETWORK), "--jobs", "2",
                          "--output", str(out)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    children = []
    while len(children) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        children = _children(p.pid)
    assert len(children) == 2
    time.sleep(2)                                   # both importing or building
    t0 = time.monotonic()
    os.kill(p.pid, signum)
    _, err = p.communicate(timeout=60)
    assert time.monotonic() - t0 < 3.0
    assert p.returncode == code and len(err.strip().splitlines()) == 1, err
    for child in children:
        assert not Path(f"/proc/{child}").exists()
    assert not (out / "comparison.json").exists() and not (out / "report.html").exists()
    assert not list(out.glob("runs/*/results.json"))


def test_predicted_runs_are_averaged_labelled_and_kept_apart_from_measured_ones():
    """analysis.timing.predicted over mapped runs (their port.json's predicted_board_time):
    phases and total averaged over seeds, the ratio to the reference's measured total, a
    backend without a prediction said so; the report's table and lines label them predicted
    and nothing measured is made up for them."""
    from pynn_hpc.analysis import report as RE

    def mapped(seed, run, total):
        return {"seed": seed, "timings": {"time_connect": 0.5},
                "port": {"predicted_board_time": {
                    "predicted": True, "what": "a prediction from the mapping",
                    "board": {"chips": 7, "boards": 1, "application_cores": 84},
                    "phases": {"loading": {"seconds": total - run, "what": "load"},
                               "run": {"seconds": run, "what": "run"}},
                    "total_seconds": total, "mapping_seconds_measured": 0.2}}}

    measured = {"nest": [{"seed": s, "timings": {"time_create": 1.0, "time_connect": 2.0,
                                                 "time_presimulate": 3.0, "time_simulate": 4.0}}
                         for s in (1, 2, 3)]}
    timing = T.timing(measured, "nest")
    p = T.predicted({"spinnaker": [mapped(1, 4.0, 20.0), mapped(2, 6.0, 30.0)],
                     "other": [{"seed": 1, "port": {"predicted_board_time": {
                         "predicted": True, "error": "ValueError: no board"}}}]}, timing)
    s = p["spinnaker"]
    assert s["predicted"] is True and s["total_seconds"] == 25.0
    assert s["phases"]["run"]["seconds"] == 5.0 and s["phases"]["loading"]["seconds"] == 20.0
    assert s["reference_total_s"] == 10.0 and s["ratio"] == 2.5 and s["seeds"] == [1, 2]
    assert p["other"]["total_seconds"] is None and p["other"]["error"] == "ValueError: no board"
    assert T.predicted_line(s) == ("mapped only, no spikes, no verdict; a run on 7 chips of 1 "
                                   "board, 84 application cores is PREDICTED to take 25.0 s "
                                   "(not measured)")
    c = {"reference": "nest", "backends": ["nest", "spinnaker", "other"], "agrees": {},
         "timing": timing, "predicted": p, "network": "a network"}
    md = RE.markdown(c)
    table = next(t for t in md_tables(md) if t[0][0] == "predicted phase (s)")
    assert table[0] == ["predicted phase (s)", "spinnaker (PREDICTED)"]
    rows = {r[0]: r[1] for r in table[1:]}
    assert rows["total (predicted)"] == "25" and rows["run"] == "5"
    assert rows["predicted total / nest's measured"] == "2.5"
    assert "other: no prediction (ValueError: no board)." in md
    timing_table = next(t for t in md_tables(md) if t[0][0] == "")
    assert timing_table[0] == ["", "nest (reference)"]          # nothing measured invented
