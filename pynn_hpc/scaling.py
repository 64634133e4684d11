"""Check that indegree scaling keeps a neuron's input statistics (PyNN API only).

The recurrent inputs of one neuron are replaced by independent Poisson trains at a fixed
rate nu: CE_k excitatory synapses of weight JE_k and CI_k inhibitory ones of weight JI_k,
as superposed trains (rates CE_k nu and CI_k nu), plus the model's Poisson drive and the
DC compensation.  With the threshold out of reach, the free membrane potential has

    mean     = tau_m/C_m [ J_drive e tau_s rate_ext + (CE_k JE_k + CI_k JI_k) e tau_s nu + I_dc ]
    variance proportional to  J_drive^2 rate_ext + (CE_k JE_k^2 + CI_k JI_k^2) nu,

both independent of k when J_k = J / sqrt(k) and I_dc is computed at nu.
"""

from . import parameters as P


def free_membrane(sim, d, rate, n_neurons=50, t_sim=4000.0, t_skip=100.0, seed=1):
    """Mean and variance (over time and neurons) of V_m of unconnected model neurons."""
    sim.setup(timestep=P.RUN["dt"], min_delay=d.delay, max_delay=d.delay, threads=1, rng_seed=seed)
    cell = sim.IF_curr_alpha(**dict(P.NEURON, v_thresh=1e9, i_offset=d.i_dc))
    neurons = sim.Population(n_neurons, cell, initial_values={"v": P.NEURON["v_rest"]})
    for n_syn, weight, total_rate, receptor in (
            (1, d.J_drive, d.rate_ext, "excitatory"),
            (d.CE, d.JE, d.CE * rate, "excitatory"),
            (d.CI, d.JI, d.CI * rate, "inhibitory")):
        sources = sim.Population(n_neurons, sim.SpikeSourcePoisson(rate=total_rate))
        sim.Projection(sources, neurons, sim.OneToOneConnector(),
                       sim.StaticSynapse(weight=weight, delay=d.delay), receptor_type=receptor)
    neurons.record("v")
    sim.run(t_sim)
    v = neurons.get_data("v").segments[0].analogsignals[0]
    times = v.times.rescale("ms").magnitude
    values = v.magnitude[times >= t_skip]
    sim.end()
    return float(values.mean()), float(values.var())
