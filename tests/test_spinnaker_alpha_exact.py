"""IF_curr_alpha_exact, the exact alpha synapse as an sPyNNaker 7.4.1 synapse type
(backends/spinnaker/alpha_exact.py, c/synapse_types_alpha_exact_impl.h).

* The words the Python class writes, encoded by sPyNNaker's own Struct and DataType, are
  those c/alpha_exact_synapse.h's ``alpha_exact_words`` computes (host build of the header),
  in the layout of the C params struct; the 64-bit state goes out and comes back exactly.
* Generated on the board, the decay would keep 15 bits (the control): the struct refuses it.
* A virtual board maps a Population of it: the data written is the host's, the neuron binary
  named is ours, and more than one step per time step is refused.

The ARM968 build of the header is checked by c/host/check_alpha_exact_arm.sh (needs
arm-none-eabi-gcc and qemu-arm, not in CI).
"""
import ctypes

import numpy as np
import pytest

from conftest import in_fresh_process

#: (time step, tau_syn) in ms: the model's, PyNN's default, slow and fast synapses, dt 1 ms
PAIRS = [(0.1, 0.32582722403722841), (0.1, 0.5), (0.1, 2.0), (0.1, 10.0), (0.05, 0.3),
         (1.0, 0.32582722403722841), (1.0, 5.0), (0.1, 0.1), (1.0, 0.2)]
WORDS_PER_RECEPTOR = 6


def c_words(ts, tau):
    """alpha_exact_words of the lead's header, compiled for the host, on the S1615 words."""
    from spinn_front_end_common.interface.ds import DataType
    from pynn_hpc.backends.spinnaker import hostbuild
    lib = hostbuild.load("alpha_exact_words",
                         ("s1615.h", "alpha_exact_synapse.h", "host/alpha_exact_words.c"),
                         "alpha_exact_words", libs=("-lm",))
    gain, decay = ctypes.c_int32(), ctypes.c_uint32()
    lib.ae_words(ctypes.c_int32(DataType.S1615.encode_as_int(ts)),
                 ctypes.c_int32(DataType.S1615.encode_as_int(tau)),
                 ctypes.byref(gain), ctypes.byref(decay))
    return gain.value, decay.value


def synapse_struct(tau_syn_E, tau_syn_I):
    from pynn_hpc.backends.spinnaker.alpha_exact import SynapseTypeAlphaExact
    (struct,) = SynapseTypeAlphaExact(tau_syn_E, tau_syn_I).structs
    return struct


def receptor_words(data, n):
    """The uint32 words of n neurons as [neuron, receptor, word]."""
    return np.asarray(data, dtype=np.uint32).reshape(n, 2, WORDS_PER_RECEPTOR)


@pytest.mark.parametrize("ts,tau", PAIRS)
def test_words_are_the_headers(ts, tau):
    from pacman.model.graphs.common import Slice
    from pynn_hpc.backends.spinnaker.alpha_exact import words
    gain, decay = c_words(ts, tau)
    assert words(ts, tau) == (gain, decay)
    assert 0 < gain and 0 < decay < 2 ** 32
    struct = synapse_struct(tau, 0.5)
    data = struct.get_data({"tau_syn_E": tau, "tau_syn_I": 0.5, "timestep_ms": ts,
                            **{f"{r}_{w}": 0 for r in ("exc", "inh")
                               for w in ("current_lo", "current_hi", "c_lo", "c_hi")}},
                           Slice(0, 1))
    got = receptor_words(data, 2)
    assert got[:, 0, 4:].tolist() == [[gain, decay]] * 2
    assert got[:, 1, 4:].tolist() == [list(c_words(ts, 0.5))] * 2
    assert not got[:, :, :4].any()


def test_per_neuron_tau_and_state_round_trip():
    """Per-neuron tau_syn (sPyNNaker's ranged lists) gives each neuron its own words, and 64-bit
    states (s33.30) go out as low/high words and are read back to the same numbers."""
    from pacman.model.graphs.common import Slice
    from spinn_utilities.ranged import RangeDictionary
    taus = [0.32582722403722841, 0.5, 2.0, 0.32582722403722841]
    state = {"exc_current": [0, 1, 2 ** 32 + 7, 45 * 2 ** 30 + 12345],
             "exc_c": [2 ** 40 + 3, 5, 0, 2 ** 31],
             "inh_current": [0, 2 ** 33, 1, 0], "inh_c": [2 ** 32 - 1, 0, 0, 9]}
    values = RangeDictionary(len(taus))
    values["tau_syn_E"] = taus
    values["tau_syn_I"] = 2.0
    values["timestep_ms"] = 0.1
    for name, v in state.items():
        values[f"{name}_lo"] = [x % 2 ** 32 for x in v]
        values[f"{name}_hi"] = [x >> 32 for x in v]
    struct = synapse_struct(taus, 2.0)
    data = struct.get_data(values, Slice(0, len(taus) - 1))
    got = receptor_words(data, len(taus))
    assert got[:, 0, 4:].tolist() == [list(c_words(0.1, t)) for t in taus]
    assert got[:, 1, 4:].tolist() == [list(c_words(0.1, 2.0))] * len(taus)
    for r, receptor in enumerate(("exc", "inh")):
        for k, name in enumerate(("current", "c")):
            v = state[f"{receptor}_{name}"]
            assert [int(lo) + (int(hi) << 32) for lo, hi in got[:, r, 2 * k: 2 * k + 2]] == v
    back = RangeDictionary(len(taus))
    for name in values.keys():
        back[name] = 0.0
    struct.read_data(data.tobytes(), back, vertex_slice=Slice(0, len(taus) - 1))
    for name, v in state.items():
        assert [int(lo) + (int(hi) << 32) for lo, hi in
                zip(back[f"{name}_lo"], back[f"{name}_hi"])] == v
    assert list(back["tau_syn_E"]) == [0.0] * len(taus)      # parameters are not read back


def test_not_generated_on_board_where_the_decay_would_lose_bits():
    from spynnaker.pyNN.models.common.param_generator_data import param_generator_params
    from spynnaker.pyNN.utilities.struct import Struct
    struct = synapse_struct(0.32582722403722841, 0.32582722403722841)
    assert not struct.is_generatable
    # the control: the same fields in a plain Struct are generatable, and the generator would
    # send the decay as s16.15, 15 of its 32 bits
    assert Struct(struct.fields).is_generatable
    gain, decay = c_words(0.1, 0.32582722403722841)
    sent = int(param_generator_params(decay / 2 ** 32)[0])
    assert sent != decay and abs(sent * 2 ** 17 - decay) > 2 ** 15


def test_pynn_names_and_defaults():
    from pyNN.standardmodels.cells import IF_curr_alpha
    from pynn_hpc.backends.spinnaker.alpha_exact import IF_curr_alpha_exact
    assert dict(IF_curr_alpha_exact.default_parameters) == IF_curr_alpha.default_parameters
    assert dict(IF_curr_alpha_exact.default_initial_values) == {"v": -65.0}


def test_refuses_bad_tau():
    from pynn_hpc.backends.spinnaker.alpha_exact import words
    for tau in (0.0, -1.0, 1e-6):
        with pytest.raises(ValueError, match="tau_syn"):
            words(0.1, tau)


def map_on_virtual_board():
    """In a fresh process: a Population of IF_curr_alpha_exact mapped on a virtual board."""
    import warnings
    import spynnaker.pyNN as sim
    from pacman.model.graphs.common import Slice
    from spynnaker.pyNN.data import SpynnakerDataView
    from spynnaker.pyNN.models.neuron.neuron_data import _MergedDict
    from pynn_hpc.backends.spinnaker import board
    from pynn_hpc.backends.spinnaker.alpha_exact import IF_curr_alpha_exact
    from pynn_hpc.backends.spinnaker.weight_dependence import register_binaries
    with board.spynnaker_configured(board.Machine("virtual", 5, None, None)), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim.setup(timestep=0.1, time_scale_factor=10)
    register_binaries()
    taus = [0.32582722403722841, 0.5, 2.0]
    pop = sim.Population(3, IF_curr_alpha_exact(tau_syn_E=taus, tau_syn_I=1.0), label="exact")
    src = sim.Population(3, sim.SpikeSourceArray(spike_times=[[1.0]] * 3))
    sim.Projection(src, pop, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.0456, delay=0.1))
    refused = None
    try:
        sim.Population(2, IF_curr_alpha_exact(), additional_parameters={"n_steps_per_timestep": 2})
    except ValueError as err:
        refused = str(err)
    vertex = pop._vertex
    struct = vertex.neuron_impl.structs[-1]
    data = struct.get_data(_MergedDict(vertex.parameters, vertex.state_variables), Slice(0, 2))
    pop.set(tau_syn_I=2.0)              # the words follow tau_syn: derived when data is written
    data_set = struct.get_data(_MergedDict(vertex.parameters, vertex.state_variables), Slice(0, 2))
    sim.run(1.0)                        # (after a run a virtual board has no state to read for set)
    binaries = sorted({m.get_binary_file_name()
                       for m in SpynnakerDataView.iterate_machine_vertices()
                       if hasattr(m, "get_binary_file_name")})
    generated = vertex.can_generate_on_machine()
    sim.end()
    return {"taus": taus, "data": data.tolist(), "data_set": data_set.tolist(), "binaries": binaries, "generated": generated,
            "refused": refused, "model": pop.celltype.__class__.__name__}


def test_virtual_board_maps_a_population():
    r = in_fresh_process("test_spinnaker_alpha_exact", "map_on_virtual_board", timeout=300)
    assert r["model"] == "IF_curr_alpha_exact"
    assert r["generated"] is False                       # the host writes the exact words
    got = receptor_words(r["data"], 3)
    assert got[:, 0, 4:].tolist() == [list(c_words(0.1, t)) for t in r["taus"]]
    assert got[:, 1, 4:].tolist() == [list(c_words(0.1, 1.0))] * 3
    assert not got[:, :, :4].any()
    after_set = receptor_words(r["data_set"], 3)
    assert after_set[:, 1, 4:].tolist() == [list(c_words(0.1, 2.0))] * 3
    assert (after_set[:, 0] == got[:, 0]).all()
    assert "IF_curr_alpha_exact_neuron.aplx" in r["binaries"]
    assert r["refused"] and "n_steps_per_timestep=2" in r["refused"]
