"""A board run's predicted wall clock, by phase, from the mapped network (``port.json``'s
``predicted_board_time``).

No board is reachable here, so nothing in this module is measured on SpiNNaker: each phase is
a formula over what the mapping on the virtual board knows (cores, chips, the SDRAM regions of
every core, the synapses each core generates, the bytes a run records and reads back) and
constants, each sourced: sPyNNaker 7.4.1's own code and configuration, published SpiNNaker
figures, or labelled an assumption with its reason.

* :func:`facts`: the inputs, read from sPyNNaker's placements and our projections after a
  run on a virtual board (``port.report`` calls it);
* :func:`predict`: the phases (pure arithmetic on :func:`facts`' dict, so that each formula
  can be checked by itself):

  ``host_data_generation`` (data specifications written in Python), ``synapse_expansion``
  (the synaptic matrices built on the machine by sPyNNaker's synapse expander), ``loading``
  (regions, binaries and routing tables sent to the board), ``run`` (simulated time x
  time_scale_factor, plus each run call's start and stop), ``spike_extraction`` (the recorded
  spike bitfields, fast data-out), ``weight_extraction`` (the plastic projection's synaptic
  matrices, SCP reads); their sum is ``total_seconds``.  The host's mapping, measured on the
  virtual board, is reported beside them (``mapping_seconds_measured``), and the inputs
  (``facts``), so that the prediction can be repeated with another rate (``predict``).
"""
import copy
import math
import os

SPYNNAKER = "sPyNNaker 7.4.1"
FEC = "SpiNNFrontEndCommon 7.4.1"
ETHERNET = "published: Furber et al. 2014 (Proc. IEEE 102(5))"

def sourced(value, unit, source):
    """A constant with its source (a file of sPyNNaker's, a paper)."""
    return {"value": value, "unit": unit, "source": source}


def assumption(value, unit, why):
    """A constant no source gives: assumed, and why."""
    return {"value": value, "unit": unit, "source": "assumption", "why": why}


#: every constant a formula uses: value, unit, source (and, for an assumption, why)
CONSTANTS = {
    "ethernet_bits_per_s": sourced(
        100e6, "bit/s",
        f"{ETHERNET}: each SpiNNaker chip has a 100 Mbit/s Ethernet interface, one "
        "connected per 48-chip board: every byte into or out of a board passes it"),
    "fast_data_bits_per_s": assumption(
        50e6, "bit/s",
        "the extra monitors' fast data-in/out (SDP over UDP at the Ethernet chip, no flow "
        "control, retransmission of lost sequence numbers) bounded by the 100 Mbit/s "
        "link; half of it assumed; SpiNNFrontEndCommon PR 295 (2018) reports at least "
        "2x SCP's rate for data-in to the Ethernet chip"),
    "scp_bits_per_s": assumption(
        8e6, "bit/s",
        "SpiNNMan's SCP reads reached up to 33 Mbit/s (sPyNNaker issue 79, A. Rowley "
        "2015, with several 256-byte requests in flight, as spinnman's "
        "abstract_multi_connection_process.py still does: 8 channels); chips other than "
        "the Ethernet chip are reached through it over P2P, far slower "
        "(SpiNNFrontEndCommon PR 295: fast data-in up to 22x SDP there): a quarter of "
        "33 Mbit/s assumed for a board's cores"),
    "scp_round_trip_s": assumption(
        0.5e-3, "s",
        "one SCP request answered by SCAMP (UDP to the board, P2P to the target chip and "
        "back) that the host waits for before its next request; spinnman's time-out is "
        "1 s (constants.SCP_TIMEOUT), a LAN round trip ~0.2 ms"),
    "monitor_cutoff_bytes": sourced(
        12800, "bytes",
        f"{FEC} interface/interface_functions/load_data_specification.py "
        "MONITOR_CUTOFF: a region at least this large goes by fast data-in, a smaller "
        "one by SCP"),
    "scp_packet_bytes": sourced(
        256, "bytes",
        "SpiNNMan 7.4.1 constants.UDP_MESSAGE_MAX_SIZE: data per SCP read or write"),
    "requests_per_core": sourced(
        3, "SCP requests",
        f"{FEC} load_data_specification.py: per core one SDRAM allocation, the "
        "pointer table and USER0 besides one write per region"),
    "data_spec_s_per_app_core": assumption(
        0.02, "s",
        "sPyNNaker writes each core's data specification in Python; on this project's "
        "virtual board 6 application and 49 system cores took 0.22-0.41 s, 27 "
        "application cores with 39,000 synapses generated on the host 4.3 s (most of it "
        "the synapses, which a board generates on the chip): 20 ms per application "
        "core assumed"),
    "data_spec_s_per_chip": assumption(
        0.004, "s",
        "the system cores' data specifications (extra monitor on every chip, a "
        "gatherer per board): 0.22 s for 55 cores, mostly system ones, measured here"),
    "cpu_hz": sourced(
        200e6, "Hz",
        "published: Furber et al. 2014 (Proc. IEEE 102(5)): ARM968 cores at 200 MHz"),
    "cycles_per_synapse_expanded": assumption(
        200, "cycles",
        "the synapse expander draws each FixedNumberPre synapse's source (a random "
        "number), its weight and delay words and appends it to its row in SDRAM, then "
        "builds the bit fields; no published figure: ~200 ARM cycles assumed"),
    "expander_launch_s": assumption(
        1.0, "s",
        "loading synapse_expander.aplx and neuron_expander.aplx on every core to "
        "expand, writing USER1 (synapse_expander.py), starting them and polling their "
        "state until FINISHED (run_system_application), twice"),
    "expander_timeout_s_per_byte": sourced(
        1e-3, "s/byte",
        f"{SPYNNAKER} spynnaker/pyNN/extra_algorithms/synapse_expander.py "
        "_plan_expansion: time-out max(2 s, largest matrix bytes / 1000) + max(2 s, "
        "bit-field bytes / 1000) ('1 s per ~1000 synapses'): an upper bound"),
    "router_load_s_per_chip": assumption(
        0.02, "s",
        "each chip's routing table loaded by SCP after PairOnChipRouterCompression "
        "(spinnaker.cfg [Mapping] compressor) ran on it, tags and the system cores' "
        "data: a few tens of SCP requests per chip"),
    "time_scale_factor_semantics": sourced(
        1.0, "wall-clock ms per simulated ms per unit of time_scale_factor",
        f"{FEC} application_runner.py _run_wait: the host waits run_time x "
        "time_scale_factor / 1000 s (spinnaker.cfg [Machine] time_scale_factor: "
        "'Multiplicative factor to the machine time step')"),
    "safety_finish_s": sourced(
        0.1, "s",
        f"{FEC} application_runner.py SAFETY_FINISH_TIME, added to every run's wait"),
    "run_calls": sourced(
        2, "sPyNNaker run calls",
        "pynn_hpc.protocol: the presimulation and the simulation, one run call each "
        "(the backend's CHUNKED_RUN = False); each ends with a buffer extraction"),
    "spike_record_bytes": sourced(
        "4 + 4 ceil(n / 32)", "bytes per record of a core recording n neurons",
        f"{SPYNNAKER} spynnaker/pyNN/models/common/neuron_recorder.py "
        "_get_buffered_sdram_per_record: a time word and a bit field of the core's "
        "recorded neurons; SDRAM is reserved for one record every step"),
    "empty_steps_skipped": assumption(
        True, "",
        "sPyNNaker's neural_modelling/src/neuron/neuron_recording.h writes no record for "
        "a step in which none of the core's recorded neurons spiked ('Skip empty "
        "bitfields', in the one stored version of the file: a development snapshot after "
        "7.4.1, commit 002a62c6); 7.4.1's binaries ship without sources, so that they "
        "skip too is assumed (7.4.1's reader, neo_buffer_database.py, takes each "
        "record's own time word); the upper bound is a record every step"),
    "planning_rate_hz": sourced(
        30, "Hz",
        f"{SPYNNAKER} spynnaker.cfg [Simulation] spikes_per_second: the rate "
        "sPyNNaker plans for, used when no rate is given (rate_hz)"),
    "extraction_requests_per_core": sourced(
        3, "SCP requests",
        f"{FEC} buffer_manager.py _retreive_by_placement: the recording header "
        "(read_word, read_memory) and the fast data-out request per core and run call"),
    "streaming_requests_per_board": sourced(
        12, "SCP requests",
        f"{FEC} utility_models/streaming_context_manager.py and "
        "data_speed_up_packet_gatherer_machine_vertex.py: around each extraction, per "
        "gatherer (one per board): system routes, reinjection status, reinjection "
        "off, queue cleared, two router time-outs; then four time-outs, reinjection "
        "restored, application routes"),
    "transaction_id_reads_per_chip": sourced(
        1, "SCP requests",
        f"{FEC} buffer_manager.py __python_extract_with_monitors: every extra "
        "monitor's transaction id read before each extraction"),
    "weights_by_scp": sourced(
        True, "",
        f"{SPYNNAKER} spynnaker/pyNN/models/neuron/synaptic_matrix_app.py "
        "get_connections: a projection not made with download_synapses is read "
        "with SpynnakerDataView.read_memory (SCP), one block per synapse core"),
}

#: bits per byte
_BITS = 8


def _constants(*names):
    return {name: dict(CONSTANTS[name]) for name in names}


def _c(name):
    return CONSTANTS[name]["value"]


def _scp_seconds(n_bytes):
    return n_bytes * _BITS / _c("scp_bits_per_s")


def _fast_seconds(n_bytes):
    return n_bytes * _BITS / min(_c("fast_data_bits_per_s"), _c("ethernet_bits_per_s"))


def spike_record_bytes(n):
    """Bytes of one spike record of a core recording ``n`` neurons: a time word and a bit
    field (sPyNNaker's neuron_recorder.py)."""
    return 4 + 4 * math.ceil(n / 32)


def spike_volume(recorded_per_core, steps, timestep_ms, rate_hz):
    """(expected, upper bound) bytes of recorded spikes: a record per core for each step in
    which one of its ``n`` recorded neurons spiked (Poisson at ``rate_hz``), or every step."""
    expected = upper = 0.0
    for n in recorded_per_core:
        if n:
            p = 1.0 - math.exp(-n * rate_hz * timestep_ms / 1000.0)
            expected += steps * p * spike_record_bytes(n)
            upper += steps * spike_record_bytes(n)
    return expected, upper


def predict(f):
    """The predicted phases of a board run from :func:`facts`' dict ``f`` (pure arithmetic)."""
    rtt = _c("scp_round_trip_s")
    n_app = sum(f["cores"].values())
    phases = {}

    seconds = (n_app * _c("data_spec_s_per_app_core")
               + f["machine_chips"] * _c("data_spec_s_per_chip"))
    phases["host_data_generation"] = {
        "seconds": seconds,
        "what": "sPyNNaker writes every core's data specification on the host (parameters, "
                "tables, the expander's generator data; not the synaptic matrices)",
        "formula": "application_cores x data_spec_s_per_app_core + machine_chips x "
                   "data_spec_s_per_chip",
        "inputs": {"application_cores": n_app, "machine_chips": f["machine_chips"]},
        "constants": _constants("data_spec_s_per_app_core", "data_spec_s_per_chip")}

    e = f["expander"]
    cycles = e["max_synapses_per_core"] * _c("cycles_per_synapse_expanded")
    upper = (max(2.0, e["max_matrix_bytes_per_core"] * _c("expander_timeout_s_per_byte"))
             + max(2.0, e["max_bit_field_bytes_per_core"] * _c("expander_timeout_s_per_byte")))
    phases["synapse_expansion"] = {
        "seconds": _c("expander_launch_s") + cycles / _c("cpu_hz") if e["cores"] else 0.0,
        "what": "the synaptic matrices built on the machine, every core expanding its own in "
                "parallel: the core with the most synapses sets the time",
        "formula": "expander_launch_s + max_synapses_per_core x cycles_per_synapse_expanded / "
                   "cpu_hz (0 if expander_cores is 0)",
        "inputs": {"expander_cores": e["cores"],
                   **{k: v for k, v in e.items() if k != "cores"}},
        "upper_bound_seconds": upper,
        "upper_bound_formula": "sPyNNaker's time-out: max(2, max_matrix_bytes_per_core x "
                               "expander_timeout_s_per_byte) + max(2, "
                               "max_bit_field_bytes_per_core x expander_timeout_s_per_byte)",
        "constants": _constants("expander_launch_s", "cycles_per_synapse_expanded", "cpu_hz",
                                "expander_timeout_s_per_byte")}

    ld = f["load"]
    requests = ld["regions"] + ld["cores"] * _c("requests_per_core")
    seconds = (requests * rtt + _scp_seconds(ld["scp_bytes"] + ld["binary_bytes"])
               + _fast_seconds(ld["fast_bytes"]) + f["chips"] * _c("router_load_s_per_chip"))
    phases["loading"] = {
        "seconds": seconds,
        "what": "every core's regions written into SDRAM (those below the cut-off by SCP, the "
                "rest by fast data-in), the binaries, routing tables and tags",
        "formula": "(regions + cores x requests_per_core) x scp_round_trip_s + (scp_bytes + "
                   "binary_bytes) x 8 / scp_bits_per_s + fast_bytes x 8 / "
                   "min(fast_data_bits_per_s, ethernet_bits_per_s) + chips x "
                   "router_load_s_per_chip",
        "inputs": {**ld, "chips": f["chips"]},
        "constants": _constants("scp_round_trip_s", "requests_per_core", "scp_bits_per_s",
                                "fast_data_bits_per_s", "ethernet_bits_per_s",
                                "monitor_cutoff_bytes", "scp_packet_bytes",
                                "router_load_s_per_chip")}

    calls = _c("run_calls")
    scaled = f["run_ms"] * f["time_scale_factor"] * _c("time_scale_factor_semantics") / 1000.0
    phases["run"] = {
        "seconds": scaled + calls * (_c("safety_finish_s") + n_app * rtt),
        "what": "the simulation itself at the chosen time-scale factor, plus each run call's "
                "start (run time written to every core, sync signal) and stop (state polled)",
        "formula": "run_ms x time_scale_factor / 1000 + run_calls x (safety_finish_s + "
                   "application_cores x scp_round_trip_s)",
        "inputs": {"run_ms": f["run_ms"], "timestep_ms": f["timestep_ms"],
                   "steps": int(round(f["run_ms"] / f["timestep_ms"])),
                   "time_scale_factor": f["time_scale_factor"], "application_cores": n_app},
        "constants": _constants("time_scale_factor_semantics", "run_calls", "safety_finish_s",
                                "scp_round_trip_s")}

    s = f["spikes"]
    spike_bytes, spike_upper = spike_volume(s["recorded_per_core"], s["steps"],
                                            f["timestep_ms"], s["rate_hz"])
    overhead = (calls * (s["cores"] * _c("extraction_requests_per_core")
                         + f["boards"] * _c("streaming_requests_per_board")
                         + f["machine_chips"] * _c("transaction_id_reads_per_chip")) * rtt)
    seconds = _fast_seconds(spike_bytes) + overhead
    phases["spike_extraction"] = {
        "seconds": seconds,
        "what": "the recorded spikes (a time word and a bit field per core and step with a "
                "spike) read back through the extra monitors after each run call",
        "formula": "spike_bytes x 8 / min(fast_data_bits_per_s, ethernet_bits_per_s) + "
                   "run_calls x (recording_cores x extraction_requests_per_core + boards x "
                   "streaming_requests_per_board + machine_chips x "
                   "transaction_id_reads_per_chip) x scp_round_trip_s",
        "spike_bytes_formula": "steps x sum over recording cores of (1 - exp(-n x rate_hz x "
                               "timestep_ms / 1000)) x spike_record_bytes(n): a record for "
                               "each step with a spike among the core's n recorded neurons "
                               "(Poisson spiking at rate_hz)",
        "upper_bound_seconds": _fast_seconds(spike_upper) + overhead,
        "upper_bound_formula": "as seconds, with a record every step (spike_bytes = steps x sum "
                               "of spike_record_bytes(n): the SDRAM sPyNNaker reserves)",
        "inputs": {"spike_bytes": spike_bytes, "recording_cores": s["cores"],
                   "boards": f["boards"], "machine_chips": f["machine_chips"],
                   "timestep_ms": f["timestep_ms"],
                   **{k: v for k, v in s.items() if k != "cores"}},
        "constants": _constants("spike_record_bytes", "empty_steps_skipped", "planning_rate_hz",
                                "fast_data_bits_per_s", "ethernet_bits_per_s", "run_calls",
                                "extraction_requests_per_core", "streaming_requests_per_board",
                                "transaction_id_reads_per_chip", "scp_round_trip_s")}

    w = f["weights"]
    phases["weight_extraction"] = {
        "seconds": _scp_seconds(w["bytes"]) + 2 * w["cores"] * rtt,
        "what": "the plastic projection's synaptic matrices read back after the run (the "
                "weight sample is drawn from the whole projection on the host)",
        "formula": "matrix_bytes x 8 / scp_bits_per_s + 2 x synapse_cores x "
                   "scp_round_trip_s (the region table, then the block)",
        "inputs": {"matrix_bytes": w["bytes"], "synapse_cores": w["cores"],
                   **{k: v for k, v in w.items() if k not in ("bytes", "cores")}},
        "constants": _constants("weights_by_scp", "scp_bits_per_s", "scp_round_trip_s")}

    total = sum(p["seconds"] for p in phases.values())
    out = {
        "predicted": True,
        "what": "a board run's wall clock predicted from the mapping on a virtual board (no "
                "board measured): every phase's formula, inputs and constants, each constant "
                "sourced or labelled an assumption",
        "board": {"chips": f["chips"], "boards": f["boards"],
                  "application_cores": n_app, "machine_version": f.get("machine_version")},
        "phases": phases,
        "total_seconds": total,
        "total_formula": " + ".join(phases),
        "mapping_seconds_measured": f.get("mapping_seconds"),
        # the inputs as read from the mapping: predict(facts) again, e.g. with a measured rate
        # in facts["spikes"]["rate_hz"]
        "facts": copy.deepcopy(f),
    }
    if f.get("mapping_seconds") is not None:
        out["total_with_mapping_seconds"] = total + f["mapping_seconds"]
    return out


# -- the inputs, from sPyNNaker's mapping ---------------------------------------------------

#: SpiNNaker 1 boards: chips per board by spinn_machine version (3: SpiNN-3, 5: SpiNN-5)
CHIPS_PER_BOARD = {3: 4, 5: 48}
#: sPyNNaker's and SpiNNFrontEndCommon's system binaries a board run loads besides the
#: application's (extra monitors, gatherer, expanders, on-chip router compressor)
SYSTEM_BINARIES = ("extra_monitor_support.aplx", "data_speed_up_packet_gatherer.aplx",
                   "synapse_expander.aplx", "neuron_expander.aplx", "simple_pair_compressor.aplx")
#: size of a binary of ours that is not built: the ARM968's ITCM, 32 KiB (Furber et al. 2014),
#: bounds its code
UNBUILT_BINARY_BYTES = 32 * 1024


def _kind(vertex):
    from .port import _kind as kind
    return kind(vertex)


def _regions(sdram, n_steps):
    """[(region, bytes, per-step?)] of a vertex's SDRAM model (one entry if not by region)."""
    regions = getattr(sdram, "regions", None) or {None: sdram}
    return [(r, int(s.get_total_sdram(n_steps)), s.per_timestep > 0) for r, s in regions.items()]


def _recorded_spikes(vertex):
    """Neurons whose spikes a neuron core records (sPyNNaker's NeuronRecorder for the core's
    own slice: none on a core outside the recorded view)."""
    recorder = getattr(getattr(vertex, "app_vertex", None), "neuron_recorder", None)
    if recorder is None or _kind(vertex) != "neuron":
        return 0
    # a protected method: the count per slice is not public in sPyNNaker 7.4.1
    return int(recorder._rate_and_count_per_slice("spikes", vertex.vertex_slice)[1])


def _synapses_per_slice(projections):
    """{post population label: synapses one slice of it receives} (FixedNumberPre: n per
    neuron; the drive is generated by the Poisson cores, not in a matrix)."""
    from pyNN.spiNNaker import FixedNumberPreConnector
    out = {}
    for prj in projections:
        if isinstance(prj.connector, FixedNumberPreConnector):
            n = min(prj.post._vertex.get_max_atoms_per_core(), prj.post.size)
            out[prj.post.label] = out.get(prj.post.label, 0) + int(prj.connector.n) * n
    return out


def _matrix_bytes(prj):
    """Bytes of ``prj``'s synaptic matrices on all the synapse cores of its target: per slice
    of targets, every source's row at the longest row's length (SynapticMatrixApp's
    ``__matrix_size``, the block a read of the projection fetches)."""
    post = prj.post._vertex
    edge = prj._projection_edge
    per_core = min(post.get_max_atoms_per_core(), prj.post.size)
    info = post.get_max_row_info(prj._synapse_information, per_core, edge)
    n_pre = edge.pre_vertex.n_atoms
    per_slice = n_pre * (info.undelayed_max_bytes
                         + info.delayed_max_bytes * edge.n_delay_stages)
    return per_slice * math.ceil(prj.post.size / per_core)


def _binary_bytes(binaries):
    """Bytes of every binary a run loads: the placed ones (ours at the ITCM size if not built)
    and the system ones."""
    from spynnaker.pyNN.data import SpynnakerDataView as view
    total = 0
    for name, b in binaries.items():
        if b.get("cores", 0) == 0 and not b.get("ours"):
            continue
        path = b.get("path")
        total += os.path.getsize(path) if path and os.path.isfile(path) else UNBUILT_BINARY_BYTES
    for name in SYSTEM_BINARIES:
        try:
            total += os.path.getsize(view.get_executable_path(name))
        except (KeyError, OSError):
            total += UNBUILT_BINARY_BYTES
    return total


def facts(state, projections, mapping, binaries, rate_hz=None, plastic="EE"):
    """The inputs of :func:`predict`, read from sPyNNaker's placements after a run on a
    virtual board: ``mapping`` is ``port._mapping``'s dict, ``binaries`` ``port.binaries``',
    ``projections`` {name: projection}; ``rate_hz``: the recorded neurons' expected rate
    (sPyNNaker's planning rate if None); ``plastic`` names the projection whose weights a run
    reads back."""
    from spynnaker.pyNN.data import SpynnakerDataView as view
    from spynnaker.pyNN.models.abstract_models import AbstractSynapseExpandable
    n_steps = int(round(state.get("run_ms", 0.0) / state["timestep"]))
    cutoff = _c("monitor_cutoff_bytes")
    load = {"cores": 0, "regions": 0, "scp_bytes": 0, "fast_bytes": 0}
    spikes = {"cores": 0, "recorded_per_core": []}
    expander = {"cores": 0, "max_synapses_per_core": 0, "max_matrix_bytes_per_core": 0,
                "max_bit_field_bytes_per_core": 0}
    per_slice = _synapses_per_slice(projections.values())
    for placement in view.iterate_placemements():
        vertex = placement.vertex
        if _kind(vertex) == "system":
            continue
        load["cores"] += 1
        sizes = {}
        for region, size, per_step in _regions(vertex.sdram_required, n_steps):
            if per_step:                # recording: reserved for the busiest slice, not loaded
                continue
            sizes[getattr(region, "name", None)] = size
            if size == 0 or getattr(region, "name", None) == "SYNAPTIC_MATRIX":
                continue                # nothing to write / built on the chip by the expander
            load["regions"] += 1
            load["scp_bytes" if size < cutoff else "fast_bytes"] += size
        recorded = _recorded_spikes(vertex)
        if recorded:
            spikes["recorded_per_core"].append(recorded)
            spikes["cores"] += 1
        if isinstance(vertex, AbstractSynapseExpandable):
            expander["cores"] += 1
            app = vertex.app_vertex
            label = getattr(app, "label", None)
            expander["max_synapses_per_core"] = max(expander["max_synapses_per_core"],
                                                    per_slice.get(label, 0))
            # the regions' reserved sizes (a virtual board leaves max_gen_data at 0: it
            # generates on the host)
            expander["max_matrix_bytes_per_core"] = max(expander["max_matrix_bytes_per_core"],
                                                        sizes.get("SYNAPTIC_MATRIX", 0))
            expander["max_bit_field_bytes_per_core"] = max(
                expander["max_bit_field_bytes_per_core"], sizes.get("BIT_FIELD_FILTER", 0))
    load["binary_bytes"] = _binary_bytes(binaries)
    spikes.update(recorded_neurons=sum(spikes["recorded_per_core"]), steps=n_steps,
                  rate_hz=float(_c("planning_rate_hz") if rate_hz is None else rate_hz))
    weights = {"projection": plastic, "bytes": 0, "cores": 0, "synapses": 0}
    prj = projections.get(plastic)
    if prj is not None:
        per_core = min(prj.post._vertex.get_max_atoms_per_core(), prj.post.size)
        weights.update(bytes=int(_matrix_bytes(prj)), synapses=int(prj.size()),
                       cores=math.ceil(prj.post.size / per_core))
    version = view.get_machine_version()
    per_board = CHIPS_PER_BOARD.get(getattr(version, "number", None), 48)
    chips = int(mapping["chips_used"])
    return {
        "timestep_ms": float(state["timestep"]), "run_ms": float(state.get("run_ms", 0.0)),
        "time_scale_factor": float(state["time_scale_factor"]),
        "cores": {k: int(n) for k, n in mapping["cores"].items() if k != "system"},
        "chips": chips, "boards": max(1, math.ceil(chips / per_board)),
        "machine_chips": int(mapping["machine_chips"]),
        "machine_version": getattr(version, "number", None),
        "load": load, "expander": expander, "spikes": spikes, "weights": weights,
        "mapping_seconds": _mapping_seconds(),
    }


def _mapping_seconds():
    """The host's mapping (sPyNNaker's "Mapping Stage" timers), measured on this host, in s."""
    try:
        from spinn_front_end_common.interface.provenance import GlobalProvenance, TimerCategory
        with GlobalProvenance() as g:
            return g.get_category_timer_sum(TimerCategory.MAPPING) / 1000.0
    except Exception:            # noqa: BLE001  (no provenance database: not measured)
        return None
