"""The SpiNNaker port of one network: fixed-point scales, fit check, and the mapping report.

* :func:`set_weight_scales`: before the first run, each neuron population's
  ``max_expected_summed_weight`` from the weights its projections bring, per receptor,
  through :func:`.fixedpoint.scales_from_weights` (LSB <= 1 % of the smallest weight,
  10x the largest within 16 bits);
* :func:`check_fits`: before anything is built, cores (neuron, synapse, Poisson per 128
  neurons, sPyNNaker's own load model) and SDRAM (synaptic matrices) against the configured
  machine, and the rule's and weights' fixed-point formats;
* :func:`report`: after the run, ``port.json``: the machine, chips and cores by kind, SDRAM
  per core, the ring-buffer DTCM, routing entries, the weight LSB per receptor, the
  time_scale_factor, every rounding (delays, weights, rates) and every change the backend
  made to the model, and ``predicted_board_time``: a board run's wall clock predicted by phase
  from this mapping (:mod:`.cost`; labelled predicted, never measured here).
"""
import math
from collections import defaultdict

import numpy as np

from pynn_hpc.errors import ParameterError

from . import cost, fixedpoint

#: sPyNNaker 7.4.1's load model (synapse_dynamics_stdp.py / _static.py, spynnaker.cfg)
PLASTIC_SYNAPSES_PER_CORE_S = 1_400_000
STATIC_SYNAPSES_PER_CORE_S = 13_000_000
SPIKES_PER_SECOND = 30
#: SpiNNaker 1 (spinn_machine version 3 / 5): application cores per chip (18 less the
#: monitor and the extra monitor sPyNNaker places), SDRAM per chip, chips per board
APP_CORES_PER_CHIP = 16
SDRAM_PER_CHIP = 123_469_792       # bytes sPyNNaker may use on a chip (version 5)
CHIPS = {3: 4, 5: 48}
#: bytes per synapse in a synaptic matrix row: static 4 (one word), plastic 2 + 2
#: (weight + control half-words) plus per row a header and the presynaptic trace
BYTES_PER_SYNAPSE = 4
ROUTING_ENTRIES_PER_CHIP = 1023
#: synapses in one row of a synaptic matrix (one presynaptic neuron to the neurons of one core):
#: sPyNNaker 7.4.1's population table holds rows of at most 256 words, one per static synapse;
#: a plastic row's header leaves 254 (its SynapseRowTooBigException says so)
ROW_MAXIMUM = {"static": 256, "plastic": 254}


# -- before the first run -----------------------------------------------------------------

def _weight(synapse_type):
    value = synapse_type.weight
    return float(np.max(np.abs(value))) if np.ndim(value) else abs(float(value))


def receptor_weights(projections):
    """{post population: {receptor: [|weight| of each incoming projection]}}."""
    out = defaultdict(lambda: defaultdict(list))
    for prj in projections:
        out[prj.post][prj.receptor_type].append(_weight(prj.synapse_type))
    return out


def set_weight_scales(state):
    """Fill each neuron population's max_expected_summed_weight (before sPyNNaker maps)."""
    scales = {}
    incoming = receptor_weights(state["projections"])
    for pop, placeholder in state["summed"]:
        weights = incoming.get(pop)
        if not weights:
            continue
        s = fixedpoint.scales_from_weights(weights)
        for i, receptor in enumerate(("excitatory", "inhibitory")):
            placeholder[i] = s[receptor].max_expected_summed_weight if receptor in s else 1.0
        scales[pop.label] = s
    for prj in state["projections"]:
        wd = getattr(prj.synapse_type, "weight_dependence", None)
        if wd is not None and hasattr(wd, "set_weight_maximum") and prj.post.label in scales:
            wd.set_weight_maximum(scales[prj.post.label][prj.receptor_type].max_weight)
    state["scales"] = scales
    return scales


# -- before anything is built ---------------------------------------------------------------

def _probable_maximum(n_total, n_trials, p, chance):
    """sPyNNaker's utility_calls.get_probable_maximum_selected."""
    from scipy.stats import binom
    return binom.ppf(1.0 - chance / float(n_total), n_trials, p)


def _row_maximum(n_pre, n_post, indegree, per_slice):
    """FixedNumberPreConnector.get_n_connections_from_pre_vertex_maximum (sPyNNaker 7.4.1)."""
    total = _probable_maximum(n_pre * n_post, indegree * n_post, 1.0 / n_pre, 1e-4)
    return math.ceil(_probable_maximum(n_pre * n_post, total, min(per_slice / n_post, 1.0), 1e-5))


def _cores_per_slice(n_pre_by_kind, indegree_by_kind, n_post, neurons_per_core, tsf,
                     rate=PLASTIC_SYNAPSES_PER_CORE_S):
    """sPyNNaker's synapse cores per slice (PopulationVertex.n_synapse_cores_required):
    incoming synaptic events at its assumed rate over one core's event rate (plastic if the
    population has any plastic input)."""
    per_slice = min(neurons_per_core, n_post)
    events = 0.0
    for kind, n_pre in n_pre_by_kind.items():
        row = _row_maximum(n_pre, n_post, indegree_by_kind[kind], per_slice)
        events += math.ceil(row * SPIKES_PER_SECOND * n_pre)
    return max(1, math.ceil(events / (rate * tsf)))


def needs(d, neurons_per_core, tsf):
    """Cores by kind and synaptic-matrix SDRAM (bytes) that network ``d`` needs
    (E receives the plastic E->E synapses, I only static ones)."""
    cores = {"neuron": 0, "synapse": 0, "Poisson": 0}
    sdram = 0
    for n_post, rate in ((d.NE, PLASTIC_SYNAPSES_PER_CORE_S), (d.NI, STATIC_SYNAPSES_PER_CORE_S)):
        slices = math.ceil(n_post / neurons_per_core)
        syn = _cores_per_slice({"E": d.NE, "I": d.NI}, {"E": d.CE, "I": d.CI}, n_post,
                               neurons_per_core, tsf, rate)
        cores["neuron"] += slices
        cores["synapse"] += slices * syn
        cores["Poisson"] += slices
        sdram += n_post * (d.CE + d.CI) * BYTES_PER_SYNAPSE
    return cores, sdram


def check_rows(d, neurons_per_core):
    """ParameterError unless every row fits (:data:`ROW_MAXIMUM`), at the row length sPyNNaker
    provisions (:func:`_row_maximum`): a small network at a large indegree draws one neuron's
    inputs many times from few neurons, and sPyNNaker would stop while mapping it."""
    for pre, post, n_pre, n_post, indegree, kind in (
            ("E", "E", d.NE, d.NE, d.CE, "plastic"), ("I", "E", d.NI, d.NE, d.CI, "static"),
            ("E", "I", d.NE, d.NI, d.CE, "static"), ("I", "I", d.NI, d.NI, d.CI, "static")):
        per_core = min(neurons_per_core, n_post)
        row = _row_maximum(n_pre, n_post, indegree, per_core)
        if row > ROW_MAXIMUM[kind]:
            raise ParameterError(
                f"sPyNNaker cannot map this network: an {pre} neuron makes up to {row} {kind} "
                f"synapses onto the {per_core} {post} neurons of one core (indegree {indegree} "
                f"drawn from {n_pre} {pre} neurons), beyond the {ROW_MAXIMUM[kind]} of a "
                "synaptic-matrix row: use a larger --scale or a smaller --indegree-scale")


def check_fits(d, machine, neurons_per_core, options, tsf=10):
    """Refuse (ParameterError) a network whose numbers do not fit SpiNNaker's formats or the
    configured machine's cores and SDRAM; returns what it needs."""
    stdp = dict(options)
    scales = fixedpoint.scales_from_weights({"excitatory": [d.JE, d.J_drive],
                                             "inhibitory": [d.JI]})
    if stdp:
        fixedpoint.parameter_words(a_plus=stdp["lambda"], a_minus=stdp["lambda"] * stdp["alpha"],
                                   mu=stdp["mu"], w0=d.w0)
    check_rows(d, neurons_per_core)
    cores, sdram = needs(d, neurons_per_core, tsf)
    n_cores = sum(cores.values())
    chips_needed = max(math.ceil(n_cores / APP_CORES_PER_CHIP),
                       math.ceil(sdram / SDRAM_PER_CHIP))
    result = {"cores": cores, "n_cores": n_cores, "chips": chips_needed,
              "synaptic_sdram_mb": sdram / 2**20, "machine": machine.describe(),
              "lsb_pA": {k: s.lsb * 1000 for k, s in scales.items()}}
    if machine.kind == "board" and machine.version in CHIPS:
        have = CHIPS[machine.version]
        if chips_needed > have:
            raise ParameterError(
                f"the network needs about {n_cores} cores on {chips_needed} chips "
                f"({cores['neuron']} neuron, {cores['synapse']} synapse, {cores['Poisson']} "
                f"Poisson; {sdram / 2**20:,.0f} MB of synaptic matrices) but the board "
                f"{machine.address} (version {machine.version}) has {have} chips: use a smaller "
                "--scale or --indegree-scale, or a larger machine (spalloc_server)")
    return result


# -- after the run ----------------------------------------------------------------------------

def _kind(vertex):
    name = type(vertex).__name__
    if "Neurons" in name or name == "PopulationMachineVertex":
        return "neuron"
    if "Synapses" in name:
        return "synapse"
    if "Poisson" in name:
        return "Poisson"
    if "Delay" in name:
        return "delay"
    return "system"


def _is_drive(prj):
    return type(prj.pre.celltype).__name__ == "SpikeSourcePoisson"


def _stats(values):
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return None
    return {"n": int(v.size), "min": float(v.min()), "mean": float(v.mean()), "max": float(v.max())}


def _mapping(n_steps):
    from spynnaker.pyNN.data import SpynnakerDataView as view
    machine = view.get_machine()
    by_kind = defaultdict(list)
    chips, binaries, placed = set(), set(), defaultdict(int)
    for placement in view.iterate_placemements():
        vertex = placement.vertex
        if _kind(vertex) != "system":
            chips.add((placement.x, placement.y))
            if hasattr(vertex, "get_binary_file_name"):
                placed[vertex.get_binary_file_name()] += 1
        if _kind(vertex) == "synapse":
            binaries.add(vertex.get_binary_file_name())
        try:
            sdram = vertex.sdram_required.get_total_sdram(n_steps)
        except Exception:            # noqa: BLE001  (a vertex without an SDRAM model)
            sdram = np.nan
        by_kind[_kind(vertex)].append(sdram)
    routing = {}
    for name, getter in (("uncompressed", "get_uncompressed"),
                         ("precompressed", "get_precompressed")):
        try:
            tables = getattr(view, getter)()
        except Exception:            # noqa: BLE001  (not made by this mapping)
            continue
        routing[name] = {"total": int(tables.get_total_number_of_entries()),
                         "max_per_chip": int(tables.get_max_number_of_entries()),
                         "chips": len(tables.routing_tables)}
    version = view.get_machine_version()
    return {
        "machine_chips": int(machine.n_chips),
        "chips_used": len(chips),          # chips holding neuron, synapse or Poisson cores
        "cores": {k: len(v) for k, v in sorted(by_kind.items())},
        "synapse_binaries": sorted(binaries),
        "placed_binaries": dict(placed),
        "sdram_per_core_bytes": {k: _stats(v) for k, v in sorted(by_kind.items())},
        "routing_entries": routing,
        "routing_entries_limit_per_chip": ROUTING_ENTRIES_PER_CHIP,
        "dtcm_per_core_bytes": int(version.dtcm_bytes),
        "time_scale_factor": float(view.get_time_scale_factor()),
        "timestep_ms": float(view.get_simulation_time_step_ms()),
    }


def _ring_buffers(state):
    """Per neuron population: shifts as sPyNNaker computed them, LSB, ring-buffer DTCM."""
    from spynnaker.pyNN.utilities.utility_calls import get_n_bits
    out = {}
    for pop in state["populations"]:
        vertex = pop._vertex
        if not hasattr(vertex, "get_ring_buffer_shifts"):
            continue
        shifts = vertex.get_ring_buffer_shifts()
        scales = vertex.get_weight_scales(shifts)
        n_types = vertex.neuron_impl.get_n_synapse_types()
        bits = (vertex.get_n_atom_bits() + get_n_bits(n_types)
                + get_n_bits(vertex.splitter.max_support_delay()))
        out[pop.label] = {
            "neurons_per_core": int(vertex.get_max_atoms_per_core()),
            "receptors": {r: {"shift": int(s), "lsb_pA": 1000.0 / float(w),
                              "largest_weight_nA": 0xffff / float(w)}
                          for r, s, w in zip(("excitatory", "inhibitory"), shifts, scales)},
            "ring_buffer_dtcm_bytes": int(2 ** bits * 2),
        }
    return out


def _roundings(state, projections, rings):
    dt = state["timestep"]
    delays, weights = [], []
    for name, prj in projections.items():
        model_delay = float(np.max(prj.synapse_type.delay))
        steps = int(np.rint(model_delay / dt))
        delays.append({"projection": name, "model_ms": model_delay, "steps": steps,
                       "spinnaker_ms": steps * dt})
        ring = rings.get(prj.post.label)
        if ring is None:
            continue
        r = ring["receptors"][prj.receptor_type]
        w = _weight(prj.synapse_type)
        units = int(np.rint(w / (r["lsb_pA"] / 1000.0)))
        weights.append({"projection": name, "receptor": prj.receptor_type, "model_nA": w,
                        "units": units, "spinnaker_nA": units * r["lsb_pA"] / 1000.0,
                        "relative_error": units * r["lsb_pA"] / 1000.0 / w - 1 if w else 0.0})
    rates = []
    for pop in state["populations"]:
        rate = getattr(pop.celltype, "arguments", None) or {}
        if "rate" not in rate and type(pop.celltype).__name__ == "SpikeSourcePoisson":
            rate = {"rate": pop.get("rate")[0] if pop.size else 0.0}
        if "rate" in rate:
            model = float(np.max(rate["rate"]))
            written = round(model * 2**32) / 2**32       # u32.32 in the rates region
            rates.append({"population": pop.label, "model_hz": model, "spinnaker_hz": written,
                          "per_step": model * dt / 1000.0, "format": "u32.32 Hz"})
    return {"delays": delays, "weights": weights, "rates": rates}


def known_differences(d, dt, stock_alpha=True):
    """What sPyNNaker's IF_curr_alpha does differently from the model, not translated by the
    ``stock_alpha`` variant (``IF_curr_alpha_exact`` translates both)."""
    if d is None or not stock_alpha:
        return []
    from pynn_hpc.parameters import NEURON
    tau = NEURON["tau_syn_E"]
    per_step = d.rate_ext * dt / 1000.0
    return [{
        "what": "alpha PSC amplitude",
        "model": "PSC peak = weight (PyNN IF_curr_alpha, NEST iaf_psc_alpha)",
        "spinnaker": f"unit-area alpha: peak = weight / (e tau_syn) = {1 / (math.e * tau):.3f} x weight",
    }, _alpha_under_load(per_step)]


def _alpha_under_load(per_step):
    """sPyNNaker's alpha synapse at the drive's load, from the integer model of its C
    (:mod:`.neuron_numerics`, the same arithmetic as the board)."""
    from . import neuron_numerics
    entry = {"what": "alpha synapse under load", "model": "each spike adds its own alpha current"}
    try:
        ratio = neuron_numerics.mean_current_ratio(per_step)
        factor = 1.0 / ratio
    except fixedpoint.RuleBuildError as err:
        entry["spinnaker"] = f"the synapse keeps only the latest step's input (not quantified: {err})"
        return entry
    entry["spinnaker"] = (f"the synapse keeps only the latest step's input: at the drive's "
                          f"{per_step:.2f} spikes per step the mean current is {ratio:.2f} of "
                          "PyNN's IF_curr_alpha (integer model of synapse_types_alpha_impl.h)")
    entry["correction"] = (f"weights x {factor:.2f} on a receptor at this load restore the mean "
                           "current (not its fluctuations): neuron_numerics.correction")
    return entry


def synapse_type(variant):
    """Which cell and synapse type the network's neurons are (the backend's variant)."""
    if variant.stock_alpha:
        return {"variant": variant.name, "cell": "IF_curr_alpha (sPyNNaker's)",
                "synapse": "sPyNNaker's alpha synapse (synapse_types_alpha_impl.h): unit area, "
                           "keeps only the latest step's input",
                "corrected": False}
    return {"variant": variant.name, "cell": "IF_curr_alpha_exact",
            "synapse": "exact alpha synapse (c/synapse_types_alpha_exact_impl.h): PyNN's alpha "
                       "current, peak = weight, propagated exactly in fixed point",
            "corrected": True}


def binaries(placed, needed):
    """Every binary the mapping placed (cores per binary) and every binary of ours the run
    needs, each with where it was found: ours in the backend's binary directories, sPyNNaker's
    on its own search path (it ships them)."""
    from spynnaker.pyNN.data import SpynnakerDataView as view
    from .weight_dependence import find_binary

    def where(name):
        found = find_binary(name)
        if found is None and name not in needed:
            try:
                found = view.get_executable_path(name)
            except KeyError:
                found = None
        return found

    out = {}
    for name in sorted(set(placed) | set(needed)):
        path = where(name)
        out[name] = {"cores": int(placed.get(name, 0)), "ours": name in needed,
                     "role": needed.get(name, "sPyNNaker's own"),
                     "built": path is not None, "path": path}
    return out


def report(state, projections, d=None, variant=None, needed=None):
    """The port report (a dict for port.json, with ``summary`` lines to print)."""
    from .weight_dependence import BINARY, binary_path
    from pynn_hpc.backends.spinnaker_variants import parse, BASE
    variant = variant or parse(BASE)
    m = state["machine"]
    tsf = state["time_scale_factor"]
    n_steps = int(round(state.get("run_ms", 0.0) / state["timestep"]))
    mapping = _mapping(n_steps)
    rings = _ring_buffers(state)
    rounding = _roundings(state, projections, rings)
    binary = binary_path()
    placed = mapping.pop("placed_binaries")
    data_generated = bool(state.get("data_generated")) or not m.virtual
    rep = {
        "machine": {"kind": m.kind, "version": m.version, "address": m.address,
                    "config": m.config_file, "description": m.describe()},
        "produces_spikes": not m.virtual,
        **mapping,
        "populations": rings,
        "roundings": rounding,
        "changes": list(state["changes"]),
        "known_differences": known_differences(d, state["timestep"], variant.stock_alpha),
        "synapse_type": synapse_type(variant),
        "binaries": binaries(placed, needed or {}),
        "data_generation": {
            "done": data_generated,
            "what": ("data specifications of every core (parameters, synaptic matrices or "
                     "their generator data) written by sPyNNaker" if data_generated else
                     "mapped only: no data specification written"),
            "why": ("a board run" if not m.virtual else
                    "a virtual board: generated on this host, loading skipped (no machine)"
                    if data_generated else
                    "a virtual board and a network above the backend's "
                    "DATA_GENERATION_MAX_SYNAPSES (its matrices would be built in Python)")},
        "drive_on_synapse_cores": {
            name: bool(prj.post._vertex.splitter.handles_source_vertex(prj))
            for name, prj in projections.items() if _is_drive(prj)},
        "synapse_binary": {"name": BINARY, "found": binary},
        "mapping_seconds": state.get("map_seconds"),
        "time_scale_factor_reason": (
            f"{tsf:g}: a 0.1 ms step takes {0.1 * tsf:g} ms of wall-clock; sPyNNaker spreads "
            "the synaptic load over synapse cores at 1.4 M plastic events per core-second "
            "x time_scale_factor"),
    }
    rep["predicted_board_time"] = predicted_board_time(
        state, projections, dict(mapping, placed_binaries=placed), rep["binaries"])
    if d is not None:
        JE = d.JE
        exc = [r["receptors"]["excitatory"]["lsb_pA"] for r in rings.values()]
        rep["lsb_fraction_of_JE"] = max(exc) / (JE * 1000) if exc else None
    rep["summary"] = summary(rep)
    return rep


def predicted_board_time(state, projections, mapping, binaries):
    """A board run's predicted wall clock by phase (:mod:`.cost`), or the reason it could not
    be predicted (the rest of port.json is still written)."""
    try:
        f = cost.facts(state, projections, mapping, binaries)
        return cost.predict(f)
    except Exception as err:            # noqa: BLE001  (said in port.json and the summary)
        return {"predicted": True, "error": f"{type(err).__name__}: {err}"}


def summary(rep):
    lines = [f"SpiNNaker port ({rep['machine']['description']}):"]
    cores = rep["cores"]
    lines.append(f"  {rep['chips_used']} chips of {rep['machine_chips']} hold the network "
                 f"(mapped in {rep['mapping_seconds'] or 0:.1f} s on this host); cores: "
                 + ", ".join(f"{n} {k}" for k, n in cores.items()))
    for kind, s in rep["sdram_per_core_bytes"].items():
        if s:
            lines.append(f"  SDRAM per {kind} core: {s['mean'] / 1024:,.1f} KiB mean, "
                         f"{s['max'] / 1024:,.1f} KiB max")
    for label, p in rep["populations"].items():
        rec = ", ".join(f"{r} LSB {v['lsb_pA']:.4g} pA (largest {v['largest_weight_nA']:.4g} nA)"
                        for r, v in p["receptors"].items())
        lines.append(f"  {label}: {p['neurons_per_core']} neurons/core, {rec}; ring buffers "
                     f"{p['ring_buffer_dtcm_bytes'] / 1024:g} KiB of {rep['dtcm_per_core_bytes'] / 1024:g} KiB DTCM")
    for name, r in rep["routing_entries"].items():
        lines.append(f"  routing entries ({name}): {r['total']:,} in all, at most "
                     f"{r['max_per_chip']} on a chip (limit {rep['routing_entries_limit_per_chip']})")
    lines.append(f"  time_scale_factor {rep['time_scale_factor']:g}, dt {rep['timestep_ms']:g} ms")
    if rep.get("lsb_fraction_of_JE") is not None:
        lines.append(f"  excitatory LSB = {100 * rep['lsb_fraction_of_JE']:.2f} % of JE")
    for w in rep["roundings"]["weights"]:
        lines.append(f"  weight {w['projection']}: {w['model_nA'] * 1000:.4f} pA -> {w['units']} "
                     f"LSB = {w['spinnaker_nA'] * 1000:.4f} pA ({100 * w['relative_error']:+.3f} %)")
    for dl in rep["roundings"]["delays"]:
        if abs(dl["spinnaker_ms"] - dl["model_ms"]) > 1e-9:
            lines.append(f"  delay {dl['projection']}: {dl['model_ms']:g} -> {dl['spinnaker_ms']:g} ms")
    for c in rep["changes"]:
        lines.append(f"  changed: {c['what']}: {c['model']:g} -> {c['spinnaker']:g} ({c['why']})")
    for name, direct in rep["drive_on_synapse_cores"].items():
        lines.append(f"  drive {name}: " + ("generated beside the synapse cores, into them over "
                                            "SDRAM" if direct else "routed as multicast spikes"))
    for r in rep["roundings"]["rates"]:
        lines.append(f"  rate {r['population']}: {r['model_hz']:g} Hz ({r['per_step']:.4f} per step)")
    t = rep["synapse_type"]
    lines.append(f"  neurons: {t['cell']} ({t['variant']}): {t['synapse']}")
    for k in rep["known_differences"]:
        lines.append(f"  NOT translated, {k['what']}: {k['spinnaker']}")
    for name, b in rep["binaries"].items():
        if not b["ours"]:
            continue
        state = b["path"] if b["built"] else "NOT BUILT (make -C backends/spinnaker/c; a " \
                                             "board cannot run without it)"
        lines.append(f"  binary {name} ({b['role']}; {b['cores']} cores): {state}")
    p = rep.get("predicted_board_time") or {}
    if "total_seconds" in p:
        b = p["board"]
        mapping = p.get("mapping_seconds_measured")
        lines.append(
            f"  predicted board run (not measured): {p['total_seconds']:,.1f} s on "
            f"{b['chips']} chips of {b['boards']} board{'s' if b['boards'] != 1 else ''} ("
            + ", ".join(f"{k.replace('_', ' ')} {v['seconds']:,.1f} s"
                        for k, v in p["phases"].items())
            + (f"; plus mapping {mapping:,.1f} s on this host)" if mapping is not None else ")"))
    elif p:
        lines.append(f"  predicted board run: not predicted ({p.get('error')})")
    g = rep["data_generation"]
    lines.append(f"  data generation: {g['what']} ({g['why']})")
    if not rep["produces_spikes"]:
        lines.append("  a virtual board produces no spikes: no results.json")
    return lines
