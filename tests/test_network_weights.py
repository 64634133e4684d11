"""Every plastic weight of a running network, on every backend, against the reference rule
applied to that network's own recorded spikes: the same rule gives the same weights."""
import numpy as np
import pytest

from conftest import in_fresh_process
from pynn_hpc import backends, parameters as P
from pynn_hpc.derived import derive
from pynn_hpc.network import connect, create, spike_pair_parameters
from pynn_hpc.reference import power_law_weights


@pytest.mark.parametrize("backend", ["nest", "neuron", "brian2", "brian2:standalone"])
def test_every_plastic_weight_follows_the_reference_on_the_networks_spikes(request, backend):
    """Run a small network; for every E->E synapse whose presynaptic neuron was silent in the
    last 3 ms (a spike there may not have reached the synapse yet: NEST delivers spikes once
    per min-delay slice), the reference applied to the recorded trains of its two neurons
    gives the weight the backend reports: the weight as of the last presynaptic spike
    (NEST's lazy potentiation; NEURON and Brian2 report the same).  Brian2's C++ standalone
    program runs on two OpenMP threads, in a fresh process (the backend module's device
    stays the runtime mode here)."""
    if backend == "brian2:standalone":
        n, checked, changed, wrong = in_fresh_process("test_network_weights", "check_weights",
                                                      backend, 2)
    else:
        sim = request.getfixturevalue(f"{backend}_sim")
        n, checked, changed, wrong = check_weights(sim, 1)
    assert not wrong, wrong[:5]
    # most weights moved (a synapse whose presynaptic neuron fired only before any
    # postsynaptic spike keeps JE): 90 % and more on NEST and NEURON, 73 % on Brian2
    assert checked > 0.5 * n and changed > 0.6 * checked


def check_weights(sim, threads):
    """(synapses, checked, changed, [(i, j, weight, reference) that differ]) of the network
    on ``sim`` (a backend module or name)."""
    if isinstance(sim, str):
        sim = backends.load_ready(sim)
    d = derive(0.02, indegree_scale=0.1, dc_rate=0.0)
    # seed 2: a network whose last 3 ms are not a burst on either backend (with seed 1, 57 %
    # of NEST's E neurons fire there, leaving too few synapses to check)
    sim.setup(timestep=0.1, min_delay=d.delay, max_delay=d.delay, threads=threads, rng_seed=2)
    E, I, recorded, drive = create(sim, d, seed=2)
    prj = connect(sim, E, I, drive, d, seed=2)
    t_end = 80.0
    sim.run(t_end)
    complete = backends.hook(sim, "complete_run")      # a recorded run runs now
    if complete is not None:
        complete()
    trains = {int(st.annotations["source_index"]): st.magnitude
              for st in recorded.get_data("spikes").segments[0].spiketrains}
    rule = dict(spike_pair_parameters(), mu=P.STDP["mu"], w0=d.w0)
    pre_idx, post_idx, weights = np.array(prj["EE"].get("weight", format="list")).T
    checked = changed = 0
    wrong = []
    for i, j, w in zip(pre_idx.astype(int), post_idx.astype(int), weights):
        pre, post = trains[i], trains[j]
        if np.any(pre > t_end - 3.0):
            continue
        ref = power_law_weights(pre, post, d.JE, d.delay, **rule)
        expected = ref[-1] if len(ref) else d.JE
        if not abs(w - expected) <= 1e-9 * abs(expected):
            wrong.append((int(i), int(j), float(w), float(expected)))
        checked += 1
        changed += w != d.JE
    return len(weights), checked, changed, wrong
