"""The SpiNNaker backend on sPyNNaker 1!7.4.1: the teaching network mapped on a virtual board
(no board here), port.json against the model, the weight dependence's words, bad input.

Each run is a fresh ``pynn-hpc`` process with its own HOME (no user ~/.spynnaker.cfg unless
the test writes one), so sPyNNaker's global state and the user's files stay out of it.
"""
import json
import re
import math
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from pynn_hpc.derived import derive
from pynn_hpc import presets

TEACHING = presets.PRESETS["teaching"]
BINARY = "synapses_stdp_mad_pair_power_law.aplx"


def pynn_hpc(args, home, timeout=300, prelude=None):
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_CACHE_HOME=str(home / ".cache"))
    code = (prelude or "") + "import sys; from pynn_hpc.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def teaching(tmp_path_factory):
    """The teaching preset mapped on a virtual board: (port.json as a dict, output dir, home)."""
    home = tmp_path_factory.mktemp("home")
    out = home / "out"
    p = pynn_hpc(["run", "--backend", "spinnaker", "--preset", "teaching", "--quiet",
                  "--output", str(out)], home)
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads((out / "port.json").read_text()), out, home, p.stdout


def test_virtual_board_maps_and_says_no_spikes(teaching):
    port, out, home, stdout = teaching
    assert not (out / "results.json").exists()          # a virtual board produces no spikes
    assert "produces no spikes" in stdout and port["produces_spikes"] is False
    assert port["machine"]["kind"] == "virtual"
    assert not (home / ".spynnaker.cfg").exists()      # sPyNNaker's template was not written


def test_cores_as_the_model_needs(teaching):
    from pynn_hpc.backends.spinnaker import port as P
    port, *_ = teaching
    d = derive(TEACHING["scale"], indegree_scale=TEACHING["indegree_scale"], dc_rate=0.0)
    slices = math.ceil(d.NE / 128) + math.ceil(d.NI / 128)
    predicted, _ = P.needs(d, 128, 10)
    assert port["cores"]["neuron"] == slices == predicted["neuron"]
    assert port["cores"]["Poisson"] == slices            # one drive core per slice, SDRAM-fed
    assert port["cores"]["synapse"] == predicted["synapse"]
    assert all(port["drive_on_synapse_cores"].values()) and len(port["drive_on_synapse_cores"]) == 2
    for pop in port["populations"].values():
        assert pop["neurons_per_core"] == 128
        assert pop["ring_buffer_dtcm_bytes"] <= port["dtcm_per_core_bytes"]
    assert port["chips_used"] >= 1 and port["time_scale_factor"] == 10
    assert port["routing_entries"]["uncompressed"]["max_per_chip"] <= 1023


def test_weights_and_rounding_against_the_model(teaching):
    port, *_ = teaching
    d = derive(TEACHING["scale"], indegree_scale=TEACHING["indegree_scale"], dc_rate=0.0)
    assert port["lsb_fraction_of_JE"] <= 0.01
    for pop in port["populations"].values():
        exc = pop["receptors"]["excitatory"]
        assert exc["lsb_pA"] <= 0.01 * d.J_drive * 1000            # the smallest weight: the drive
        assert exc["largest_weight_nA"] >= 10 * d.JE                # 16 bits hold 10x JE
    expected = {"driveE": d.J_drive, "EE": d.JE, "EI": d.JE, "IE": abs(d.JI), "II": abs(d.JI)}
    for w in port["roundings"]["weights"]:
        if w["projection"] in expected:
            assert w["model_nA"] == pytest.approx(expected[w["projection"]])
        lsb = port["populations"]["E"]["receptors"][w["receptor"]]["lsb_pA"] / 1000
        assert abs(w["spinnaker_nA"] - w["model_nA"]) <= lsb / 2 + 1e-12
    delays = {dl["projection"]: dl for dl in port["roundings"]["delays"]}
    assert delays["EE"]["steps"] == 15 and delays["EE"]["spinnaker_ms"] == pytest.approx(1.5)
    assert delays["driveE"]["spinnaker_ms"] == pytest.approx(0.1)        # changed, and said so
    changed = [c for c in port["changes"] if "Poisson->E" in c["what"]]
    assert changed and changed[0]["model"] == 1.5 and changed[0]["spinnaker"] == pytest.approx(0.1)
    assert port["roundings"]["rates"][0]["model_hz"] == pytest.approx(d.rate_ext)


def test_corrected_synapse_mapped_by_default(teaching):
    port, out, home, stdout = teaching
    assert port["synapse_type"]["cell"] == "IF_curr_alpha_exact"
    assert port["synapse_type"]["corrected"] is True and port["synapse_type"]["variant"] == "spinnaker"
    assert port["known_differences"] == []              # the alpha synapse is translated
    assert "neurons: IF_curr_alpha_exact" in stdout
    # the large preset is mapped only: no data generated in Python on the host
    assert port["data_generation"]["done"] is False and "mapped only" in stdout


def test_binaries_the_run_needs_and_whether_built(teaching):
    port, out, home, stdout = teaching
    ours = {name: b for name, b in port["binaries"].items() if b["ours"]}
    assert set(ours) == {BINARY, "IF_curr_alpha_exact_neuron.aplx"}
    from pynn_hpc.backends.spinnaker import weight_dependence as W
    for name, b in ours.items():
        assert b["cores"] >= 1
        assert b["built"] == (W.find_binary(name) is not None) == (b["path"] is not None)
        assert f"binary {name}" in stdout
    assert port["binaries"][BINARY]["cores"] == port["cores"]["synapse"] - sum(
        b["cores"] for n, b in port["binaries"].items() if n == "synapses.aplx")
    assert port["synapse_binary"]["name"] == BINARY
    assert BINARY in port["synapse_binaries"]


def test_predicted_board_time(teaching):
    """port.json predicts a board run's wall clock by phase from this mapping (cost.py), labelled
    predicted, its inputs the mapping's own numbers; the summary says it in one line."""
    from pynn_hpc.backends.spinnaker import cost
    port, out, home, stdout = teaching
    p = port["predicted_board_time"]
    assert "error" not in p, p.get("error")
    assert p["predicted"] is True and p["total_seconds"] > 0
    assert set(p["phases"]) == {"host_data_generation", "synapse_expansion", "loading", "run",
                                "spike_extraction", "weight_extraction"}
    assert p["total_seconds"] == pytest.approx(sum(ph["seconds"] for ph in p["phases"].values()))
    for name, phase in p["phases"].items():
        assert phase["seconds"] > 0 and phase["formula"] and phase["inputs"], name
        for k, const in phase["constants"].items():
            assert const["source"] == "assumption" or "7.4.1" in const["source"] \
                or const["source"].startswith(("published:", "pynn_hpc.")), (name, k)
    # the inputs are this mapping's: board size, cores, the run's steps
    d = derive(TEACHING["scale"], indegree_scale=TEACHING["indegree_scale"], dc_rate=0.0)
    assert p["board"]["chips"] == port["chips_used"] and p["board"]["boards"] == 1
    assert p["board"]["application_cores"] == sum(n for k, n in port["cores"].items()
                                                   if k != "system")
    run = p["phases"]["run"]["inputs"]
    run_ms = TEACHING["presim"] + TEACHING["simtime"]
    assert run["run_ms"] == run_ms and run["steps"] == round(run_ms / 0.1)
    assert run["time_scale_factor"] == 10
    assert p["phases"]["run"]["seconds"] >= run_ms * 10 / 1000          # 4 s of wall-clock
    # spikes: the first n_record E neurons, 128 per core, a time word + bit field for each step
    # with a spike, at sPyNNaker's planning rate (30 Hz) unless told otherwise
    spikes = p["phases"]["spike_extraction"]["inputs"]
    cores = math.ceil(d.n_record / 128)
    assert spikes["recording_cores"] == cores and spikes["recorded_neurons"] == d.n_record
    assert spikes["recorded_per_core"] == [128] * (cores - 1) + [d.n_record - 128 * (cores - 1)]
    assert spikes["rate_hz"] == 30 and spikes["steps"] == run["steps"]
    expected, upper = cost.spike_volume(spikes["recorded_per_core"], run["steps"], 0.1, 30.0)
    assert spikes["spike_bytes"] == pytest.approx(expected)
    assert upper == run["steps"] * cores * (4 + 4 * math.ceil(128 / 32))   # 104: 4 words too
    facts = p["facts"]
    facts["spikes"]["rate_hz"] = 10.0                                      # predict again
    again = cost.predict(facts)["phases"]["spike_extraction"]["inputs"]["spike_bytes"]
    assert again == pytest.approx(cost.spike_volume(spikes["recorded_per_core"], run["steps"],
                                                    0.1, 10.0)[0]) and again < expected
    # weights: the whole plastic projection, at least 2 + 2 bytes per synapse
    weights = p["phases"]["weight_extraction"]["inputs"]
    assert weights["synapses"] == d.NE * d.CE and weights["synapse_cores"] == math.ceil(d.NE / 128)
    assert weights["matrix_bytes"] >= 4 * weights["synapses"]
    # on-chip expansion: one lead synapse core per slice, 128 x (CE + CI) synapses each
    exp = p["phases"]["synapse_expansion"]["inputs"]
    assert exp["expander_cores"] == math.ceil(d.NE / 128) + math.ceil(d.NI / 128)
    assert exp["max_synapses_per_core"] == 128 * (d.CE + d.CI)
    assert p["phases"]["synapse_expansion"]["upper_bound_seconds"] > \
        p["phases"]["synapse_expansion"]["seconds"]
    # the synaptic matrices are not loaded (built on the chip): far fewer bytes than they hold
    load = p["phases"]["loading"]["inputs"]
    assert load["cores"] == p["board"]["application_cores"]
    assert 0 < load["scp_bytes"] + load["fast_bytes"] < weights["matrix_bytes"]
    assert p["mapping_seconds_measured"] > 0
    assert p["phases"]["run"]["constants"]["safety_finish_s"] == cost.CONSTANTS["safety_finish_s"]
    line = [ln for ln in stdout.splitlines() if "predicted board run" in ln]
    assert len(line) == 1 and "(not measured)" in line[0]
    assert f"{p['total_seconds']:,.1f} s on {port['chips_used']} chips of 1 board" in line[0]


def test_compare_shows_the_predicted_board_run_beside_the_measured_ones(tmp_path):
    """compare --backends nest spinnaker: the virtual board's runs are mapped runs (port.json,
    no results.json), reused like measured ones, kept out of the verdict, and their predicted
    board time and size are in comparison.json, the summary, the report's tables and its timing
    figure, labelled predicted; the SpiNNaker rule is in the synapse-level replay."""
    out = tmp_path / "cmp"
    args = ["compare", "--backends", "nest", "spinnaker", "--seeds", "1", "2", "3",
            "--preset", "teaching", "--scale", "0.1", "--indegree-scale", "0.01",
            "--simtime", "100", "--presim", "50", "--threads", "1", "--jobs", "2",
            "--output", str(out)]
    p = pynn_hpc(args, tmp_path, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    c = json.loads((out / "comparison.json").read_text())
    assert set(c["agrees"]) == set() and c["failed"] == []
    assert c["backends"] == ["nest", "spinnaker"] and len(c["runs"]["spinnaker"]) == 3
    ports = [json.loads((out / "runs" / f"spinnaker-seed{k}" / "port.json").read_text())
             for k in (1, 2, 3)]
    assert not any((out / "runs" / f"spinnaker-seed{k}" / "results.json").exists()
                   for k in (1, 2, 3))
    assert [q["run"]["seed"] for q in ports] == [1, 2, 3]
    assert all(q["run"]["simtime_ms"] == 100 and q["run"]["indegree_scale"] == 0.01
               and q["run"]["preset"] == "teaching" for q in ports)
    pred = c["predicted"]["spinnaker"]
    boards = [q["predicted_board_time"] for q in ports]
    assert pred["predicted"] is True and pred["board"] == boards[0]["board"]
    assert pred["total_seconds"] == pytest.approx(np.mean([b["total_seconds"] for b in boards]))
    assert pred["phases"]["run"]["seconds"] == pytest.approx(
        np.mean([b["phases"]["run"]["seconds"] for b in boards]))
    nest = c["timing"]["backends"]["nest"]
    total = sum(nest[k]["mean"] for k in ("time_create", "time_connect", "time_presimulate",
                                           "time_simulate"))
    assert pred["reference_total_s"] == pytest.approx(total)
    assert pred["ratio"] == pytest.approx(pred["total_seconds"] / total)
    assert "spinnaker" not in c["timing"]["backends"]          # nothing measured is invented
    size = f"{pred['board']['chips']} chips of 1 board"
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("spinnaker: ")]
    assert len(line) == 1 and "PREDICTED" in line[0] and "not measured" in line[0]
    assert size in line[0] and f"{pred['total_seconds']:,.1f} s" in line[0]
    md = (out / "report.md").read_text()
    section = md.split("## Predicted, not measured: spinnaker")[1].split("\n## ")[0]
    assert "| spinnaker (PREDICTED) |" in section and size in section
    assert f"| total (predicted) | {pred['total_seconds']:.3g} |" in section
    assert "timing" in c["figures"] and (out / "figures" / "timing.png").stat().st_size > 0
    assert "spinnaker vs reference" in c["replay"]["max_rel_diff"]
    # a mapped run is reused as a finished run of its network, and refused for another one
    from pynn_hpc import comparison
    from pynn_hpc.errors import ParameterError
    mapped = out / "runs" / "spinnaker-seed2"
    network = {k: ports[1]["run"][k] for k in comparison.SAME_NETWORK}
    assert comparison.finished_run(mapped, "spinnaker", 2, network) is True
    with pytest.raises(ParameterError, match="another network"):
        comparison.finished_run(mapped, "spinnaker", 2, dict(network, simtime_ms=200.0))
    # a mapped backend cannot be the reference: one line, nothing written
    bad = pynn_hpc(["compare", *(str(out / "runs" / f"spinnaker-seed{k}") for k in (1, 2, 3)),
                    "--reference", "spinnaker", "--output", str(tmp_path / "none")], tmp_path)
    assert bad.returncode == 2 and "only mapped the network" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and not (tmp_path / "none").exists()


def test_stock_alpha_variant(tmp_path):
    """spinnaker:stock_alpha maps sPyNNaker's IF_curr_alpha and reports what it leaves
    untranslated; its output directory and results name carry the variant."""
    out = tmp_path / "out"
    p = pynn_hpc(["run", "--backend", "spinnaker:stock_alpha", "--preset", "teaching", "--quiet",
                  "--output", str(out)], tmp_path)
    assert p.returncode == 0, p.stderr[-2000:]
    port = json.loads((out / "port.json").read_text())
    assert port["synapse_type"]["cell"].startswith("IF_curr_alpha (sPyNNaker")
    assert port["synapse_type"]["variant"] == "spinnaker:stock_alpha"
    ours = {name for name, b in port["binaries"].items() if b["ours"]}
    assert ours == {BINARY}
    assert "IF_curr_alpha_neuron.aplx" in port["binaries"]
    assert port["binaries"]["IF_curr_alpha_neuron.aplx"]["built"] is True      # shipped
    what = {k["what"]: k for k in port["known_differences"]}
    assert "1.129 x weight" in what["alpha PSC amplitude"]["spinnaker"]
    # the drive's 2.1 spikes per step: 0.58 of the mean current (tests/test_spinnaker_numerics.py)
    load = what["alpha synapse under load"]
    assert re.search(r"mean current is 0\.5[5-9] of PyNN's", load["spinnaker"]), load
    assert re.search(r"weights x 1\.[67]\d", load["correction"]), load


def test_variant_names():
    from pynn_hpc import backends
    from pynn_hpc.errors import ParameterError
    assert backends.check_name("spinnaker").synapse == "exact_alpha"
    assert backends.check_name("spinnaker:stock_alpha").stock_alpha
    assert backends.dir_name("spinnaker:stock_alpha") == "spinnaker_stock_alpha"
    for bad, words in (("spinnaker:peak", "unknown item 'peak'"), ("spinnaker:", "names no"),
                       ("spinnaker:stock_alpha,exact_alpha", "two synapse types")):
        with pytest.raises(ParameterError, match=words):
            backends.check_name(bad)


def test_bad_variant_one_line_before_anything(tmp_path):
    p = pynn_hpc(["run", "--backend", "spinnaker:peak", "--preset", "teaching",
                  "--output", str(tmp_path / "out")], tmp_path)
    one_line_exit_2(p, "spinnaker:peak", "stock_alpha")
    assert not (tmp_path / "out").exists()


def test_weight_dependence_words_and_binary():
    from pynn_hpc.backends import spinnaker as sim
    from pynn_hpc.backends.spinnaker import fixedpoint
    wd = sim.PowerLawWeightDependence(w0=0.001, mu=0.4)
    wd.set_a_plus_a_minus(0.1, 0.1 * 0.0513)
    scales = np.array([2.0 ** 12, 2.0 ** 9])         # shifts 3 and 6: the seed's receptors
    words = wd.parameter_words(scales)
    # by hand: A_minus in u0.31, mu in 2.30, log2(A_plus w0^(1-mu)) + 15 (1 - mu) in s15.16
    a_minus = round(0.00513 * 2 ** 31)
    mu = round(0.4 * 2 ** 30)
    log2_c = round((math.log2(0.1) + 0.6 * math.log2(0.001) + 15 * 0.6) * 65536) & 0xffffffff
    assert words == [[a_minus, mu, log2_c]] * 2
    assert words[0] == fixedpoint.parameter_words(0.1, 0.00513, 0.4, 0.001)
    assert wd.get_parameters_sdram_usage_in_bytes(2, 1) == 2 * 3 * 4
    assert wd.vertex_executable_suffix == "power_law"
    other = sim.PowerLawWeightDependence(w0=0.001, mu=0.4)
    other.set_a_plus_a_minus(0.1, 0.1 * 0.0513)
    assert wd.is_same_as(other)
    other.set_a_plus_a_minus(0.2, 0.1 * 0.0513)
    assert not wd.is_same_as(other)


# -- bad input: one line on stderr, exit code 2, nothing written ---------------------------

def one_line_exit_2(p, *words):
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 2, p.stderr[-2000:]
    assert len(lines) == 1 and "Traceback" not in p.stderr, p.stderr[-2000:]
    for w in words:
        assert w in lines[0]
    return lines[0]


def test_spynnaker_missing_names_the_extra(tmp_path):
    block = ("import sys, importlib.abc\n"
             "class _NoSpynnaker(importlib.abc.MetaPathFinder):\n"
             "    def find_spec(self, name, path=None, target=None):\n"
             "        if name.split('.')[0] == 'spynnaker' or name == 'pyNN.spiNNaker':\n"
             "            raise ImportError(f'No module named {name!r}')\n"
             "sys.meta_path.insert(0, _NoSpynnaker())\n")
    p = pynn_hpc(["run", "--backend", "spinnaker", "--preset", "teaching",
                  "--output", str(tmp_path / "out")], tmp_path, prelude=block)
    one_line_exit_2(p, "pynn_hpc[spinnaker]")
    assert not (tmp_path / "out").exists()


def write_config(home, **machine):
    (home / ".spynnaker.cfg").write_text(
        "[Machine]\n" + "".join(f"{k} = {v}\n" for k, v in machine.items()))


def test_unreachable_board_fails_fast_naming_it(tmp_path):
    write_config(tmp_path, machine_name="192.0.2.1", version=5)     # TEST-NET-1: never answers
    t0 = time.monotonic()
    p = pynn_hpc(["run", "--backend", "spinnaker", "--preset", "teaching",
                  "--output", str(tmp_path / "out")], tmp_path)
    line = one_line_exit_2(p, "192.0.2.1", "5 s")
    assert time.monotonic() - t0 < 60       # import (~10-20 s here) + the 5 s probe
    assert not (tmp_path / "out").exists(), line


def test_rule_outside_fixed_point_named(tmp_path):
    p = pynn_hpc(["run", "--backend", "spinnaker", "--preset", "teaching", "--alpha", "20",
                  "--output", str(tmp_path / "out")], tmp_path)
    one_line_exit_2(p, "A_minus", "0.31")
    assert not (tmp_path / "out").exists()


def test_more_cores_than_the_board_has(tmp_path):
    write_config(tmp_path, machine_name="192.0.2.1", version=3)     # a 4-chip board
    p = pynn_hpc(["run", "--backend", "spinnaker", "--preset", "seed",
                  "--output", str(tmp_path / "out")], tmp_path)
    one_line_exit_2(p, "4 chips", "cores")
    assert not (tmp_path / "out").exists()


def test_probe_passes_when_scamp_answers():
    """The control of the unreachable-board test: a UDP peer on SCAMP's port that answers."""
    import socket
    import threading
    from pynn_hpc.backends.spinnaker import board
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        server.bind(("127.0.0.1", board.SCAMP_PORT))
    except OSError:
        pytest.fail(f"UDP port {board.SCAMP_PORT} on 127.0.0.1 is taken: free it for this test")

    def answer():
        data, peer = server.recvfrom(512)
        server.sendto(data, peer)

    t = threading.Thread(target=answer, daemon=True)
    t.start()
    try:
        board.probe(board.Machine("board", 5, "127.0.0.1", "test"), timeout=2.0)
    finally:
        server.close()
    t.join(1)


def test_board_without_our_binary_refused_before_building(tmp_path, monkeypatch):
    """A reachable board (a local UDP peer answering SCP) but no synapse binary: one line."""
    import socket
    import threading
    from pynn_hpc.backends import spinnaker as sim
    from pynn_hpc.backends.spinnaker import board
    from pynn_hpc.errors import ParameterError
    for var, sub in (("HOME", "home"), ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    (tmp_path / "home").mkdir()
    write_config(tmp_path / "home", machine_name="127.0.0.1", version=5)
    monkeypatch.setenv("PYNN_HPC_SPINNAKER_BINARIES", str(tmp_path / "none"))
    monkeypatch.setattr(sim.weight_dependence, "BINARY_DIRS", ())    # even if built in-tree
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", board.SCAMP_PORT))

    def answer():
        data, peer = server.recvfrom(512)
        server.sendto(data, peer)

    threading.Thread(target=answer, daemon=True).start()
    d = derive(TEACHING["scale"], indegree_scale=TEACHING["indegree_scale"], dc_rate=0.0)
    try:
        with pytest.raises(ParameterError, match=BINARY):
            sim.check_fits(d, 1, options={"lambda": 0.1, "alpha": 0.0513, "mu": 0.4, "w0": 0.001})
    finally:
        server.close()
