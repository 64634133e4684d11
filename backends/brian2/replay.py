"""One plastic synapse driven by given pre- and postsynaptic spike times (rule conformance).

The synapse is the network's (:func:`.synapses.rule_code`, the same pathways, delays and
order).  A ``SpikeGeneratorGroup`` fires the presynaptic train.  The postsynaptic side is a
one-neuron group that fires the postsynaptic train: a second generator, one step early,
sets its ``fire`` flag, and its threshold fires it on the next step, at the given time
(flags are lowered before the synapses of a step, so spikes in successive steps count).

Probe: the presynaptic pathway also copies the new weight into that neuron and raises a
custom event, which an ``EventMonitor`` records on the next step (before any later pathway
can change the weight): one value per presynaptic spike, whatever the length of the run.
"""
import brian2
import numpy as np
from pyNN.brian2 import simulator

from . import runcontrol, synapses


def replay(pre_times, post_times, synapse_type, timestep):
    """(times, weights in nA, pre and post times as fired) of one synapse of ``synapse_type``.

    ``times`` are the presynaptic spike times; ``weights`` the weight right after each.
    """
    if not synapses.is_power_law(synapse_type):
        raise NotImplementedError("replay on Brian2 needs the power-law STDPMechanism")
    native = synapse_type.native_parameters
    delay = float(native["delay"].base_value)
    weight = float(native["weight"].base_value)
    runcontrol.setup(timestep=timestep, min_delay=timestep, max_delay=max(delay, timestep))
    net = simulator.state.network
    clock = net.clock
    ms = brian2.ms
    pre_times = np.asarray(pre_times, dtype=float)
    post_times = np.asarray(post_times, dtype=float)

    pre = brian2.SpikeGeneratorGroup(1, np.zeros(len(pre_times), dtype=int), pre_times * ms,
                                     clock=clock, name="replay_pre")
    relay = brian2.SpikeGeneratorGroup(1, np.zeros(len(post_times), dtype=int),
                                       (post_times - timestep) * ms, clock=clock,
                                       name="replay_relay")
    post = brian2.NeuronGroup(
        1, """x_E : amp
        fire : boolean
        w_seen : 1
        written : boolean""",
        threshold="fire", reset="fire = False", events={"written": "written"}, clock=clock,
        name="replay_post")
    # both flags are lowered before the step's pathways (which may raise them again)
    post.resetter["spike"].when = "before_synapses"
    post.run_on_event("written", "written = False", when="before_synapses")
    to_post = brian2.Synapses(relay, post, on_pre="fire_post = True", clock=clock,
                              name="replay_relay_synapse")
    to_post.connect(i=0, j=0)

    split = runcontrol.standalone()           # as the network's synapses (.projection)
    model, on_pre, on_post = synapses.rule_code("x_E", "w_seen_post = w\nwritten_post = True",
                                                split=split)
    delays = {"pre": delay * ms, "post": 2 * delay * ms}
    if split:
        delays["transmit"] = delay * ms
    syn = brian2.Synapses(pre, post, model=model, on_pre=on_pre, on_post=on_post,
                          delay=delays, clock=clock, name="replay_synapse")
    syn.connect(i=0, j=0)
    syn.post.order = -2
    syn.pre.order = -1
    if split:
        syn.transmit.order = 0
    syn.w = weight
    synapses.configure_rule(syn, synapses.rule_parameters(synapse_type))
    probe = brian2.EventMonitor(post, "written", variables=["w_seen"], name="replay_probe")
    fired = [brian2.SpikeMonitor(pre, name="replay_pre_spikes"),
             brian2.SpikeMonitor(post, name="replay_post_spikes")]
    net.add(pre, relay, post, to_post, syn, probe, *fired)
    t_end = max(np.max(pre_times, initial=0) + delay,
                np.max(post_times, initial=0) + 2 * delay) + 3 * timestep
    net.run(t_end * ms)
    runcontrol.complete_run()                # standalone: the recorded run, compiled and run
    weights = np.asarray(probe.w_seen[:], dtype=float).copy()
    times = [np.asarray(m.t / ms, dtype=float).copy() for m in fired]
    runcontrol.end()
    return times[0].copy(), weights, times[0], times[1]
