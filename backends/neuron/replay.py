"""One plastic synapse driven by given pre- and postsynaptic spike times (rule conformance).

The synapse is the one the network uses: a plastic ``SynapticMatrix`` of one
connection onto an ``AlphaISynExact`` receptor.  Two ``VecStim`` play the trains.
The presynaptic one reaches the matrix as a presynaptic neuron does (weight 0 =
its row, delay d); the postsynaptic one stands for the postsynaptic neuron and
reaches it as a neuron's spikes do in a network (weight -1, delay d, see
:mod:`synapses`).

The weight (the matrix's ``w_probe``) is recorded at every step: NEURON samples
at the end of each step t_k, then delivers the events due by t_k + h/2, so the
sample at T + h holds the weight right after the presynaptic arrival at
T = t_pre + d and before any later event (the earliest can come at T + h).
Neither hoc callbacks (``CVode.event``, run after all the events of their step)
nor ``Vector.record(..., dt)`` (itself an event on the queue) would do.
"""
import numpy as np
from neuron import h

from pyNN.neuron import simulator

from . import runcontrol, synapses


def replay(pre_times, post_times, synapse_type, timestep, emulate=None):
    """(times, weights in nA, pre and post times as fired) of one synapse of ``synapse_type``.

    ``times`` are the presynaptic spike times; ``weights`` the weight right after each.
    ``emulate(matrix, delay)``, if given, changes the built matrix (e.g. its weights, or a rule
    attached through its rule hook, ``nmodl/synaptic_matrix.h``).
    """
    if not synapses.is_power_law(synapse_type):
        raise NotImplementedError("replay on NEURON needs the power-law STDPMechanism")
    native = synapse_type.native_parameters
    delay = float(native["delay"].base_value)
    weight = float(native["weight"].base_value)
    runcontrol.setup(timestep=timestep, min_delay=timestep, max_delay=max(delay, timestep))

    host = h.Section(name="replay_host")
    host.insert("pas")
    receptor = h.AlphaISynExact(host(0.5))
    receptor.claim_slot()
    matrix = h.SynapticMatrix(host(0.5))
    synapses.configure(matrix, synapses.rule_parameters(synapse_type))
    matrix.add_pairs(h.Vector([0.0]), h.Vector([0.0]), h.Vector([0.0]), h.Vector([weight]))
    matrix.build(h.Vector([receptor.slot]))
    matrix.probe = 0
    matrix.delay = delay
    if emulate is not None:
        emulate(matrix, delay)
    sources = [h.VecStim(), h.VecStim()]
    trains = [h.Vector(np.asarray(pre_times, dtype=float)),
              h.Vector(np.asarray(post_times, dtype=float))]
    for source, train in zip(sources, trains):
        source.play(train)
    pre = h.NetCon(sources[0], matrix)
    pre.weight[0], pre.delay = 0, delay
    post = h.NetCon(sources[1], matrix)
    post.weight[0], post.delay = -1, delay
    fired = [h.Vector(), h.Vector()]
    recorders = [h.NetCon(s, None) for s in sources]
    for rec, vec in zip(recorders, fired):
        rec.record(vec)

    trace = h.Vector()
    trace.record(matrix._ref_w_probe)
    t_end = max(np.max(pre_times, initial=0) + delay,
                np.max(post_times, initial=0) + delay) + 2 * timestep
    simulator.state.run_until(t_end)
    times = np.asarray(fired[0].as_numpy(), dtype=float).copy()
    samples = np.rint((times + delay) / timestep).astype(int) + 1
    weights = trace.as_numpy()[samples].copy()
    return times, weights, times.copy(), fired[1].as_numpy().copy()
