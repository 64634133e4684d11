"""A board run's predicted wall clock (backends/spinnaker/cost.py, port.json's
``predicted_board_time``): each phase scales as its formula says, every phase names its formula,
inputs and constants, every constant is sourced (and the sourced ones agree with the installed
sPyNNaker 7.4.1 toolchain) or labelled an assumption with a reason.

The teaching network's port.json on a virtual board is checked in test_spinnaker_backend.py
(it shares that module's mapping run).
"""
import configparser
import copy
import importlib
import math
import os
import re

import pytest

from pynn_hpc.backends.spinnaker import cost

PHASES = ("host_data_generation", "synapse_expansion", "loading", "run", "spike_extraction",
          "weight_extraction")
SOURCES = ("sPyNNaker 7.4.1 ", "SpiNNFrontEndCommon 7.4.1 ", "SpiNNMan 7.4.1 ", "published: ",
           "pynn_hpc.protocol")


def facts(**changes):
    """A mapped network's facts (the shape cost.facts returns), with ``changes`` applied:
    keys "a.b" reach into the nested dicts."""
    f = {
        "timestep_ms": 0.1, "run_ms": 400.0, "time_scale_factor": 10.0,
        "cores": {"neuron": 27, "synapse": 40, "Poisson": 27},
        "chips": 6, "boards": 1, "machine_chips": 48, "machine_version": 5,
        "load": {"cores": 94, "regions": 900, "scp_bytes": 2_000_000, "fast_bytes": 100_000,
                 "binary_bytes": 200_000},
        "expander": {"cores": 27, "max_synapses_per_core": 40_000,
                     "max_matrix_bytes_per_core": 600_000, "max_bit_field_bytes_per_core": 300},
        "spikes": {"cores": 8, "recorded_per_core": [128] * 7 + [104], "recorded_neurons": 1000,
                   "steps": 4000, "rate_hz": 10.0},
        "weights": {"projection": "EE", "bytes": 9_000_000, "cores": 22, "synapses": 729_000},
        "mapping_seconds": 30.0,
    }
    for key, value in changes.items():
        *path, last = key.split(".")
        d = f
        for k in path:
            d = d[k]
        d[last] = value
    return f


def seconds(f, phase):
    return cost.predict(f)["phases"][phase]["seconds"]


def c(name):
    return cost.CONSTANTS[name]["value"]


def test_every_phase_and_the_total():
    p = cost.predict(facts())
    assert p["predicted"] is True and "predicted" in p["what"]
    assert tuple(p["phases"]) == PHASES
    assert p["total_seconds"] == pytest.approx(sum(ph["seconds"] for ph in p["phases"].values()))
    assert all(ph["seconds"] > 0 for ph in p["phases"].values())
    assert p["total_with_mapping_seconds"] == pytest.approx(p["total_seconds"] + 30.0)
    assert p["board"] == {"chips": 6, "boards": 1, "application_cores": 94, "machine_version": 5}


def test_run_is_simulated_time_times_the_time_scale_factor():
    base = seconds(facts(), "run")
    overhead = base - 400.0 * 10.0 / 1000.0
    assert overhead == pytest.approx(c("run_calls") * (c("safety_finish_s")
                                                       + 94 * c("scp_round_trip_s")))
    assert seconds(facts(run_ms=1200.0), "run") - overhead == pytest.approx(12.0)
    assert seconds(facts(time_scale_factor=1.0), "run") - overhead == pytest.approx(0.4)
    # only the product counts
    assert seconds(facts(run_ms=4000.0, time_scale_factor=1.0), "run") == pytest.approx(base)


def test_loading_grows_with_the_bytes_by_their_path():
    base = seconds(facts(), "loading")
    extra = 8_000_000
    assert seconds(facts(**{"load.scp_bytes": 2_000_000 + extra}), "loading") - base == \
        pytest.approx(extra * 8 / c("scp_bits_per_s"))
    assert seconds(facts(**{"load.binary_bytes": 200_000 + extra}), "loading") - base == \
        pytest.approx(extra * 8 / c("scp_bits_per_s"))
    fast = min(c("fast_data_bits_per_s"), c("ethernet_bits_per_s"))
    assert seconds(facts(**{"load.fast_bytes": 100_000 + extra}), "loading") - base == \
        pytest.approx(extra * 8 / fast)
    # fast data-in is faster than SCP, and never faster than the board's Ethernet
    assert c("scp_bits_per_s") < fast <= c("ethernet_bits_per_s")
    more = seconds(facts(**{"load.regions": 1900}), "loading") - base
    assert more == pytest.approx(1000 * c("scp_round_trip_s"))


def test_spike_volume_at_a_rate():
    """A record (time word + bit field) per core for each step in which one of its recorded
    neurons spiked: Poisson neurons at rate r, n per core, p = 1 - exp(-n r dt)."""
    per_core = [128] * 7 + [104]
    expected, upper = cost.spike_volume(per_core, 4000, 0.1, 10.0)
    assert upper == 4000 * 8 * (4 + 16)                     # the SDRAM sPyNNaker reserves
    p128, p104 = 1 - math.exp(-128 * 10 * 1e-4), 1 - math.exp(-104 * 10 * 1e-4)
    assert expected == pytest.approx(4000 * 20 * (7 * p128 + p104))
    assert cost.spike_volume(per_core, 4000, 0.1, 0.0) == (0.0, upper)
    assert cost.spike_volume(per_core, 4000, 0.1, 1e6)[0] == pytest.approx(upper)
    rates = [1.0, 5.0, 10.0, 30.0, 100.0]
    volumes = [cost.spike_volume(per_core, 4000, 0.1, r)[0] for r in rates]
    assert volumes == sorted(volumes) and volumes[-1] < upper
    assert cost.spike_volume([0, 0], 4000, 0.1, 10.0) == (0.0, 0.0)
    assert [cost.spike_record_bytes(n) for n in (1, 32, 33, 128)] == [8, 8, 12, 20]


def test_extraction_grows_with_the_bytes():
    fast = min(c("fast_data_bits_per_s"), c("ethernet_bits_per_s"))
    base = seconds(facts(), "spike_extraction")
    ph = cost.predict(facts())["phases"]["spike_extraction"]
    expected, upper = cost.spike_volume([128] * 7 + [104], 4000, 0.1, 10.0)
    assert ph["inputs"]["spike_bytes"] == pytest.approx(expected)
    assert ph["upper_bound_seconds"] - base == pytest.approx((upper - expected) * 8 / fast)
    doubled = seconds(facts(**{"spikes.steps": 8000}), "spike_extraction")
    assert doubled - base == pytest.approx(expected * 8 / fast)
    assert seconds(facts(**{"spikes.rate_hz": 30.0}), "spike_extraction") > base
    base = seconds(facts(), "weight_extraction")
    assert seconds(facts(**{"weights.bytes": 10_000_000}), "weight_extraction") - base == \
        pytest.approx(1_000_000 * 8 / c("scp_bits_per_s"))
    assert seconds(facts(**{"weights.bytes": 0, "weights.cores": 0}), "weight_extraction") == 0


def test_expansion_set_by_the_busiest_core_and_hosts_data_by_cores():
    per_synapse = c("cycles_per_synapse_expanded") / c("cpu_hz")
    base = seconds(facts(), "synapse_expansion")
    assert base == pytest.approx(c("expander_launch_s") + 40_000 * per_synapse)
    assert seconds(facts(**{"expander.max_synapses_per_core": 80_000}), "synapse_expansion") \
        - base == pytest.approx(40_000 * per_synapse)
    assert seconds(facts(**{"expander.cores": 0}), "synapse_expansion") == 0
    upper = cost.predict(facts())["phases"]["synapse_expansion"]["upper_bound_seconds"]
    assert upper == pytest.approx(600.0 + 2.0)       # sPyNNaker's own time-out: bytes / 1000
    assert upper > base
    base = seconds(facts(), "host_data_generation")
    more = seconds(facts(cores={"neuron": 127, "synapse": 40, "Poisson": 27}),
                   "host_data_generation")
    assert more - base == pytest.approx(100 * c("data_spec_s_per_app_core"))


def test_every_phase_says_formula_inputs_and_constants():
    p = cost.predict(facts())
    for name, ph in p["phases"].items():
        assert ph["formula"] and ph["what"] and isinstance(ph["inputs"], dict) and ph["inputs"]
        assert ph["constants"], name
        # every constant the formula names is listed with the phase, with its value
        named = {k for k in cost.CONSTANTS if re.search(rf"\b{k}\b", ph["formula"])}
        assert named and named <= set(ph["constants"]), (name, named - set(ph["constants"]))
        for k, const in ph["constants"].items():
            assert const == cost.CONSTANTS[k]
        # every input the formula names is given
        words = set(re.findall(r"[a-z_]+", ph["formula"])) - set(cost.CONSTANTS)
        words -= {"x", "min", "if", "is", "the", "region", "table", "then", "block"}
        assert words <= set(ph["inputs"]), (name, words - set(ph["inputs"]))


def test_every_constant_sourced_or_an_assumption_with_a_reason():
    for name, const in cost.CONSTANTS.items():
        assert "value" in const and "unit" in const, name
        source = const["source"]
        if source == "assumption":
            assert len(const.get("why", "")) > 40, name
        else:
            assert source.startswith(SOURCES), (name, source)
            assert "why" not in const, name


def _site(package):
    return os.path.dirname(importlib.import_module(package).__file__)


def test_sourced_files_exist_in_the_installed_toolchain():
    """A source naming a file of sPyNNaker 7.4.1's toolchain names one that is installed."""
    roots = {"sPyNNaker": _site("spynnaker"),
             "SpiNNFrontEndCommon": _site("spinn_front_end_common"),
             "SpiNNMan": _site("spinnman")}
    files = {r: [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
             for r, root in roots.items()}
    checked = 0
    for name, const in cost.CONSTANTS.items():
        package = const["source"].split(" 7.4.1")[0]
        if package not in roots:
            continue
        for path in re.findall(r"[\w/]+\.(?:py|cfg)\b", const["source"]):
            tail = path.split("/", 1)[1] if path.startswith("spynnaker/") else path
            assert any(f.endswith(tail) for f in files[package]), (name, path)
            checked += 1
    assert checked >= 8


def test_sourced_values_match_the_installed_toolchain():
    functions = "spinn_front_end_common.interface.interface_functions."
    application_runner = importlib.import_module(functions + "application_runner")
    load_data_specification = importlib.import_module(functions + "load_data_specification")
    from spinnman import constants
    assert c("monitor_cutoff_bytes") == load_data_specification.MONITOR_CUTOFF
    assert c("safety_finish_s") == application_runner.SAFETY_FINISH_TIME
    assert c("scp_packet_bytes") == constants.UDP_MESSAGE_MAX_SIZE
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(_site("spynnaker"), "pyNN", "spynnaker.cfg"))
    assert c("planning_rate_hz") == cfg.getint("Simulation", "spikes_per_second")
    fec = configparser.ConfigParser()
    fec.read(os.path.join(_site("spinn_front_end_common"), "interface", "spinnaker.cfg"))
    assert fec.getboolean("Machine", "enable_advanced_monitor_support")    # fast data in/out
    assert fec.get("Mapping", "compressor") == "PairOnChipRouterCompression"
    from pynn_hpc.backends import spinnaker as sim
    assert sim.CHUNKED_RUN is False and c("run_calls") == 2
    # the per-step spike record as sPyNNaker sizes it: a time word and a bit field
    from spynnaker.pyNN.models.common.neuron_recorder import NeuronRecorder
    rec = NeuronRecorder(["v"], {"v": None}, ["spikes"], {}, [], {}, [], {})
    assert rec._get_buffered_sdram_per_record("spikes", 128) == 4 + 4 * math.ceil(128 / 32)
    # sPyNNaker's expander time-out: max(2 s, bytes / 1000)
    import inspect
    synapse_expander = importlib.import_module("spynnaker.pyNN.extra_algorithms.synapse_expander")
    assert "max(2.0, max_data / 1000.0)" in inspect.getsource(synapse_expander._plan_expansion)
    assert c("expander_timeout_s_per_byte") == 1 / 1000.0


def test_assumptions_can_be_changed_and_move_the_prediction(monkeypatch):
    """The constants are the model's only numbers: doubling an assumed rate halves its time."""
    base = seconds(facts(), "weight_extraction")
    monkeypatch.setitem(cost.CONSTANTS, "scp_bits_per_s",
                        dict(cost.CONSTANTS["scp_bits_per_s"], value=2 * c("scp_bits_per_s")))
    rtt = 2 * 22 * c("scp_round_trip_s")
    assert seconds(facts(), "weight_extraction") - rtt == pytest.approx((base - rtt) / 2)


def test_facts_are_not_changed_by_predict_and_predict_again():
    f = facts()
    before = copy.deepcopy(f)
    p = cost.predict(f)
    assert f == before and p["facts"] == f
    f["spikes"]["rate_hz"] = 20.0            # e.g. NEST's measured rate: predict again
    assert cost.predict(f)["total_seconds"] > p["total_seconds"]
