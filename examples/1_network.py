"""The network in PyNN calls, on NEST or NEURON
==============================================

NEST's hpc_benchmark network, written once in PyNN, on any simulator that produces spikes::

    python examples/1_network.py                                  # NEST -> network.png
    python examples/1_network.py --backend neuron --output network_neuron.png

The teaching preset: 3,375 integrate-and-fire neurons (2,700 E, 675 I), each with 270 E
and 67 I inputs, an independent Poisson drive per neuron, and power-law STDP on the E->E
synapses; 100 ms of presimulation, then 300 ms.  A few seconds on NEST or NEURON.

What to show in class, beside ``pynn_hpc/network.py`` (the network itself, 73 lines of PyNN):

* the same script runs on NEST or NEURON: only ``backends.load(...)`` changes;
* the raster: irregular spiking without visible synchrony (the asynchronous irregular
  state of a balanced network);
* the population rate: fluctuating around a constant level, E and I alike;
* the E->E weights: all started at JE (dashed line); STDP spread them (sd ~7 pA) in
  400 ms, around nearly the same mean (the rule's fixed point lies near JE here).
"""
import argparse

import numpy as np

from pynn_hpc import backends, network, presets, protocol
from pynn_hpc.analysis import run_figure
from pynn_hpc.analysis.regime import assess
from pynn_hpc.analysis.statistics import spike_statistics


def simulate(sim, seed=1, threads=1, simtime=None, n_inhibitory=25):
    """Build and run the teaching network on backend module ``sim`` (pyNN.nest or pyNN.neuron
    with this model's additions); returns what run_figure draws, plus the I spikes."""
    preset = presets.PRESETS["teaching"]
    simtime = simtime or preset["simtime"]
    presim = preset["presim"]
    # every number of the network (NE, NI, CE, CI, JE, JI, drive rate, ...) from the seed's
    # parameters, scaled: pynn_hpc/parameters.py and pynn_hpc/derived.py
    d, stdp = protocol.configure(scale=preset["scale"], indegree_scale=preset["indegree_scale"],
                                 dc_rate=preset["dc_rate"], threads=threads, simtime=simtime,
                                 presim=presim)

    # ---- the network, in PyNN calls (the same on every simulator) ----------------------
    sim.setup(timestep=0.1, min_delay=d.delay, max_delay=d.delay, threads=threads,
              rng_seed=seed)
    E, I, recorded, drive = network.create(sim, d, seed)     # populations, V_m(0), drive
    inhibitory = I[:n_inhibitory]
    inhibitory.record("spikes")             # run records E only; a few I neurons for the raster
    projections = network.connect(sim, E, I, drive, d, seed, stdp=stdp)   # E->E plastic
    sim.run(presim + simtime)

    e_trains = recorded.get_data("spikes").segments[0].spiketrains
    i_trains = inhibitory.get_data("spikes").segments[0].spiketrains
    weights = projections["EE"].sample("weight", n_pre=100, n_post=d.NE,
                                       rng=np.random.default_rng(seed))["weight"]   # nA
    version = sim.versions()
    sim.end()
    # ------------------------------------------------------------------------------------

    stats = spike_statistics(e_trains, presim, presim + simtime)      # after presimulation
    results = dict(version, **stats, regime=assess(stats), presim_ms=presim, simtime_ms=simtime,
                   n_neurons=d.n_neurons, seed=seed, derived={"JE": d.JE})
    return {"results": results, "spiketrains": e_trains, "weights_nA": weights}, i_trains


# %%
# The command line: the backend, the seed, the threads, the simulated time and the figure's file.
# It prints rate, CV(ISI), synchrony and the regime, and how far STDP moved the E->E weights.

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", default="nest", help="nest (default) or neuron")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--simtime", type=float, help="ms after the presimulation (default 300)")
    parser.add_argument("--output", default="network.png", help="figure (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        output, _ = run_figure.check_output(args.output)      # before a simulation, not after
        sim = backends.load(args.backend)
    except (ValueError, backends.BackendUnavailable) as err:
        parser.error(str(err))
    if not backends.hook(sim, "produces_data")():
        parser.error(f"{args.backend} maps the network but records no spikes here (no board): "
                     "use --backend nest or neuron")

    run, i_trains = simulate(sim, args.seed, args.threads, args.simtime)
    r = run["results"]
    print(f"{r['simulator']} {r['simulator_version']}: {r['n_neurons']:,} neurons; "
          f"E rate {r['rate_hz']:.2f} Hz ({r['n_spikes']:,} spikes of {r['n_recorded']:,} "
          f"neurons), CV(ISI) {r['cv_isi']:.2f}, synchrony "
          f"{r['synchrony']:.4f}: " + ("asynchronous irregular" if
                                       r["regime"]["asynchronous_irregular"]
                                       else r["regime"]["warning"]))
    w = np.asarray(run["weights_nA"]) * 1000
    print(f"E->E weights: {w.size:,} synapses, all {r['derived']['JE'] * 1000:.1f} pA at the "
          f"start, now {w.mean():.1f} pA with sd {w.std():.1f} pA")
    run_figure.run_figure(run, output, inhibitory=i_trains)
    print(f"written: {output}")


# %%
# Run it (here: on NEST, with the defaults): the printed summary, then the figure (raster of 80 E
# and 20 I neurons, population rate, E->E weights).

if __name__ == "__main__":
    main()
