"""The seed's network, written once with the PyNN API.

``sim`` is a backend module (:mod:`pynn_hpc.backends`), i.e. a PyNN simulator
module with this model's additions; nothing here depends on which one.

::

    E (NE)  --CE, plastic (power-law STDP), JE-->  E
    E       --CE, static JE-->                     I
    I (NI)  --CI, static JI-->                     E, I
    Poisson (rate_ext, independent per neuron) --JE-->  E, I

Fixed indegree with multapses and without autapses, every delay 1.5 ms,
V_m(0) ~ N(5.7, 7.2) mV, spikes recorded from the first ``n_record`` E neurons.
One ``seed`` gives V_m and connections independent streams (:mod:`pynn_hpc.seeds`).
"""
from pyNN.random import NumpyRNG, RandomDistribution

from . import parameters as P
from .seeds import seed_for


def stdp_synapse(sim, weight, delay, stdp=P.STDP):
    """The E->E synapse: SpikePairRule with A_plus = lambda, A_minus = lambda alpha."""
    return sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(**spike_pair_parameters(stdp)),
        weight_dependence=sim.PowerLawWeightDependence(w0=stdp["w0"], mu=stdp["mu"]),
        weight=weight, delay=delay)


def spike_pair_parameters(stdp=P.STDP):
    """The seed's lambda, alpha in PyNN's SpikePairRule terms."""
    return {"tau_plus": stdp["tau_plus"], "tau_minus": stdp["tau_minus"],
            "A_plus": stdp["lambda"], "A_minus": stdp["lambda"] * stdp["alpha"]}


def create(sim, d, seed):
    """Populations, initial membrane potentials, the Poisson drive and recording."""
    rng = NumpyRNG(seed=seed_for(seed, "v_init"))
    v_init = RandomDistribution("normal", mu=P.INITIAL_V["mean"], sigma=P.INITIAL_V["sigma"],
                                rng=rng)
    cell = sim.IF_curr_alpha(**dict(P.NEURON, i_offset=P.NEURON["i_offset"] + d.i_dc))
    E = sim.Population(d.NE, cell, initial_values={"v": v_init}, label="E")
    I = sim.Population(d.NI, cell, initial_values={"v": v_init}, label="I")
    recorded = E[:d.n_record]
    recorded.record("spikes")
    poisson = sim.Population(d.n_neurons, sim.SpikeSourcePoisson(rate=d.rate_ext), label="Poisson")
    drive = {"E": poisson[:d.NE], "I": poisson[d.NE:]}     # one source per neuron
    return E, I, recorded, drive


def connect(sim, E, I, drive, d, seed, stdp=P.STDP):
    """Fixed-indegree recurrent projections and one Poisson train per neuron."""
    rng = NumpyRNG(seed=seed_for(seed, "connect"))

    def indegree(n):
        return sim.FixedNumberPreConnector(n, allow_self_connections=False,
                                           with_replacement=True, rng=rng)

    static_drive = sim.StaticSynapse(weight=d.J_drive, delay=d.delay)
    static_E = sim.StaticSynapse(weight=d.JE, delay=d.delay)
    static_I = sim.StaticSynapse(weight=d.JI, delay=d.delay)
    prj = {
        "driveE": sim.Projection(drive["E"], E, sim.OneToOneConnector(), static_drive,
                                 receptor_type="excitatory", label="Poisson->E"),
        "driveI": sim.Projection(drive["I"], I, sim.OneToOneConnector(), static_drive,
                                 receptor_type="excitatory", label="Poisson->I"),
        "EE": sim.Projection(E, E, indegree(d.CE), stdp_synapse(sim, d.JE, d.delay, dict(stdp, w0=d.w0)),
                             receptor_type="excitatory", label="E->E"),
        "IE": sim.Projection(I, E, indegree(d.CI), static_I,
                             receptor_type="inhibitory", label="I->E"),
        "EI": sim.Projection(E, I, indegree(d.CE), static_E,
                             receptor_type="excitatory", label="E->I"),
        "II": sim.Projection(I, I, indegree(d.CI), static_I,
                             receptor_type="inhibitory", label="I->I"),
    }
    return prj
