"""setup() on NEURON frees the network built before it (backends/neuron/runcontrol.py's doc).

PyNN's setup() does not: NEURON sections and their Python cells hold each other, and PyNN's
Populations hold their cells in numpy object arrays, so every earlier network stayed alive and was
simulated with the next one.  Each case runs in a fresh process (setup() here frees the networks
of any other test in the same process).
"""
import numpy as np

from conftest import in_fresh_process

#: a small network that fires (562 neurons at ~40 Hz; as tests/test_spinnaker_emulated.py's)
NETWORK = {"scale": 0.05, "indegree_scale": 0.03, "dc_rate": 0.0}


def networks(setup_between="ours", n=3, ms=100.0):
    """Build and run the model ``n`` times in one process, seed 3 each; per network its spikes
    (the recorded neurons') and the number of sections NEURON holds after building it.
    ``setup_between``: "ours" (the backend's setup) or "pynn" (PyNN's own, the control)."""
    from pynn_hpc import backends
    from pynn_hpc.derived import derive
    from pynn_hpc.network import connect, create
    sim = backends.load("neuron")          # first: it loads the mechanisms PyNN's import needs
    import pyNN.neuron
    from neuron import h
    d = derive(**NETWORK)
    out = []
    for k in range(n):
        kwargs = dict(timestep=0.1, min_delay=d.delay, max_delay=d.delay)
        if k == 0 or setup_between == "ours":
            sim.setup(threads=1, rng_seed=3, **kwargs)
        else:
            pyNN.neuron.setup(**kwargs)
        E, I, recorded, drive = create(sim, d, seed=3)
        connect(sim, E, I, drive, d, seed=3)
        sections = sum(1 for _ in h.allsec())
        sim.run(ms)
        spikes = [np.asarray(st.magnitude) for st in
                  recorded.get_data("spikes").segments[0].spiketrains]
        sim.end()
        out.append((spikes, sections))
    return out


def same(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def test_setup_frees_the_earlier_network():
    runs = in_fresh_process("test_neuron_setup", "networks")
    (first, sections), *later = runs
    assert sum(len(s) for s in first) > 100                     # enough spikes to compare
    for spikes, n in later:
        assert n == sections                                   # only this network's cells
        assert same(spikes, first)                             # and only they are simulated


def test_control_pynns_setup_keeps_them():
    """The control: with PyNN's setup() in between, the earlier cells are still there."""
    runs = in_fresh_process("test_neuron_setup", "networks", "pynn", 2)
    (_, sections), (_, n) = runs
    assert n == 2 * sections - 1                               # one section is PyNN's own
