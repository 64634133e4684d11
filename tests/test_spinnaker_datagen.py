"""The host side of a board run, on a virtual board: sPyNNaker 1!7.4.1 generates a small
network's data (data specifications, the power-law weight dependence's parameters, the synapse
type's words, the synaptic matrices) as it does before loading a board, and the words it wrote
into its own data-specification database (sqlite) are ours bit for bit:

* the synapse-dynamics region of every synapse core of the plastic projection: sPyNNaker's
  back-propagation flag and pair-rule decay tables, then ``fixedpoint.parameter_words`` per
  receptor (what c/weight_power_law_impl.c reads);
* the neuron-parameter region of every neuron core: the synapse type's struct is six words per
  receptor, zero state then the gain and decay that c/alpha_exact_synapse.h's
  ``alpha_exact_words`` computes (its host build);
* the synaptic matrices of E's synapse core: generated on the host here (the expander's
  region lists no matrix left to build on the machine, and the weight scales it was given are
  the backend's), with every plastic E->E synapse's 16-bit weight and every static I->E
  synapse's at the receptor's LSB (``fixedpoint.stored_weight``).

No binary of ours needs to be built: a virtual board only warns that it is missing.
"""
import sqlite3

import numpy as np
import pytest

from conftest import in_fresh_process
from test_spinnaker_alpha_exact import c_words

N_E, N_I, K = 40, 10, 8
TAU = 0.32582722403722841
STDP = {"tau_plus": 15.0, "tau_minus": 30.0, "lambda": 0.1, "alpha": 0.0513, "mu": 0.4,
        "w0": 0.001}


def region_words(db, xyp, region, required=True):
    """The uint32 words sPyNNaker wrote into ``region`` of core ``xyp`` (its DS database's
    ``region`` table), or None if it wrote none and ``required`` is False."""
    with sqlite3.connect(db) as con:
        row = con.execute("SELECT content FROM region WHERE x = ? AND y = ? AND p = ? "
                          "AND region_num = ?", (*xyp, region)).fetchone()
    if row is None or row[0] is None:
        assert not required, f"no content for region {region} on {xyp}"
        return None
    return np.frombuffer(row[0], dtype="<u4").tolist()


def generate(home):
    """In a fresh process: the small network on a virtual board, data generated; returns the
    region contents of its neuron and synapse cores and what the backend reported."""
    import os
    import time
    for var, sub in (("HOME", ""), ("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache")):
        os.environ[var] = os.path.join(home, sub)
    from pynn_hpc import backends
    sim = backends.load("spinnaker")
    from spynnaker.pyNN.data import SpynnakerDataView as view
    t0 = time.perf_counter()
    sim.setup(timestep=0.1, min_delay=1.5, max_delay=1.5, rng_seed=5)
    cell = sim.IF_curr_alpha(tau_m=10.0, cm=0.25, v_rest=0.0, v_reset=0.0, v_thresh=20.0,
                             tau_refrac=0.5, tau_syn_E=TAU, tau_syn_I=TAU)
    E = sim.Population(N_E, cell, label="E")
    I = sim.Population(N_I, cell, label="I")
    drive = sim.Population(N_E + N_I, sim.SpikeSourcePoisson(rate=8000.0), label="Poisson")
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(tau_plus=STDP["tau_plus"], tau_minus=STDP["tau_minus"],
                                            A_plus=STDP["lambda"],
                                            A_minus=STDP["lambda"] * STDP["alpha"]),
        weight_dependence=sim.PowerLawWeightDependence(w0=STDP["w0"], mu=STDP["mu"]),
        weight=0.0456, delay=1.5)
    static = {"E": sim.StaticSynapse(weight=0.0456, delay=1.5),
              "I": sim.StaticSynapse(weight=-0.228, delay=1.5)}
    pre = sim.FixedNumberPreConnector
    sim.Projection(drive[:N_E], E, sim.OneToOneConnector(), static["E"], label="driveE")
    sim.Projection(drive[N_E:], I, sim.OneToOneConnector(), static["E"], label="driveI")
    sim.Projection(E, E, pre(K, allow_self_connections=False), stdp, label="EE")
    sim.Projection(I, E, pre(K // 4, allow_self_connections=False), static["I"],
                   receptor_type="inhibitory", label="IE")
    sim.Projection(E, I, pre(K), static["E"], label="EI")
    sim.Projection(I, I, pre(K // 4, allow_self_connections=False), static["I"],
                   receptor_type="inhibitory", label="II")
    sim.run(1.0)
    report = sim.port_report({})
    db = view.get_ds_database_path()
    neuron_cores, synapse_cores = [], []
    for pop in (E, I):
        for mv in pop._vertex.machine_vertices:
            p = view.get_placement_of_vertex(mv)
            xyp = (p.x, p.y, p.p)
            if hasattr(mv, "NEURON_REGIONS"):
                neuron_cores.append({
                    "pop": pop.label, "n": mv.vertex_slice.n_atoms, "xyp": xyp,
                    "words": region_words(db, xyp, mv.NEURON_REGIONS.neuron_params),
                    "binary": mv.get_binary_file_name()})
            if hasattr(mv, "SYNAPSE_REGIONS") and pop is E:
                regions = mv.SYNAPSE_REGIONS
                synapse_cores.append({
                    "pop": pop.label, "xyp": xyp, "binary": mv.get_binary_file_name(),
                    "dynamics": region_words(db, xyp, regions.synapse_dynamics),
                    "matrix": region_words(db, xyp, regions.synaptic_matrix),
                    "builder": region_words(db, xyp, regions.connection_builder, False)})
    structs = [(type(s).__name__, s.numpy_dtype.itemsize)
               for s in E._vertex.neuron_impl.structs]
    seconds = time.perf_counter() - t0
    sim.end()
    return {"neuron_cores": neuron_cores, "synapse_cores": synapse_cores, "structs": structs,
            "report": report, "seconds": seconds}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    return in_fresh_process("test_spinnaker_datagen", "generate", str(home), timeout=300)


def test_data_generated_without_our_binaries(generated):
    report = generated["report"]
    assert report["data_generation"]["done"] is True
    assert report["machine"]["kind"] == "virtual"
    ours = {name: b for name, b in report["binaries"].items() if b["ours"]}
    assert set(ours) == {"synapses_stdp_mad_pair_power_law.aplx",
                         "IF_curr_alpha_exact_neuron.aplx"}
    assert all(b["cores"] >= 1 for b in ours.values())
    assert report["synapse_type"]["cell"] == "IF_curr_alpha_exact"
    assert generated["seconds"] < 45


def test_weight_dependence_words_as_written(generated):
    from pynn_hpc.backends.spinnaker import fixedpoint
    words = fixedpoint.parameter_words(a_plus=STDP["lambda"], a_minus=STDP["lambda"] * STDP["alpha"],
                                       mu=STDP["mu"], w0=STDP["w0"])
    # each decay table: uint16 length and shift (0), then its entries, two to a word
    packed = [np.concatenate(([len(lut), 0], lut)).astype("<u2").view("<u4").tolist()
              for lut in (fixedpoint.exp_lut(STDP[tau], 0.1) for tau in ("tau_plus", "tau_minus"))]
    cores = [c for c in generated["synapse_cores"]
             if c["binary"] == "synapses_stdp_mad_pair_power_law.aplx"]
    assert cores, generated["synapse_cores"]
    for core in cores:
        region = core["dynamics"]
        assert region[0] == 1                                   # back-propagation delay on
        assert region[1:1 + len(packed[0])] == packed[0]
        assert region[1 + len(packed[0]):-2 * len(words)] == packed[1]
        assert region[-2 * len(words):] == words * 2            # excitatory, inhibitory


def test_synaptic_matrices_generated_with_our_weights(generated):
    from pynn_hpc.backends.spinnaker import fixedpoint
    scales = fixedpoint.scales_from_weights({"excitatory": [0.0456], "inhibitory": [0.228]})
    exc = fixedpoint.stored_weight(0.0456, scales["excitatory"])
    inh = fixedpoint.stored_weight(0.228, scales["inhibitory"])
    (core,) = [c for c in generated["synapse_cores"]
               if c["binary"] == "synapses_stdp_mad_pair_power_law.aplx"]
    builder = core["builder"]
    assert builder[4] == 0                          # no matrix left for the on-chip expander
    per_nA = [builder[19] + builder[18] / 2 ** 32, builder[21] + builder[20] / 2 ** 32]
    assert per_nA == [1 / scales[r].lsb for r in ("excitatory", "inhibitory")]     # U32.32
    halves = np.asarray(core["matrix"], dtype="<u4").view("<u2")
    assert (halves == exc).sum() == N_E * K                     # plastic rows: 16-bit weights
    static = np.asarray(core["matrix"], dtype="<u4")
    assert ((static >> 16) == inh).sum() == N_E * (K // 4)      # static rows: weight << 16


def test_synapse_type_words_as_written(generated):
    gain, decay = c_words(0.1, TAU)
    receptor = [0, 0, 0, 0, gain, decay]
    names = [name for name, _ in generated["structs"]]
    sizes = [size for _, size in generated["structs"]]
    # the global steps struct, then per neuron of the slice: LIF, input, threshold, synapse type
    assert names.count("_HostWrittenStruct") == 1 and len(names) == 5
    ours = names.index("_HostWrittenStruct")
    assert sizes[ours] == 48
    for core in generated["neuron_cores"]:
        n = core["n"]
        words = core["words"]
        start = (sizes[0] + n * sum(sizes[1:ours])) // 4
        synapse = np.asarray(words[start:start + n * 12]).reshape(n, 12)
        assert synapse.tolist() == [receptor * 2] * n, core["xyp"]
        assert words[0] == 1                                    # n_steps_per_timestep
        assert core["binary"] in ("IF_curr_alpha_exact_neuron.aplx", "IF_curr_alpha_exact.aplx")
