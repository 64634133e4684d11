"""The seed's parameters, one dict per concern, in PyNN units.

Every value below is copied from NEST's ``hpc_benchmark.py`` (the seed: NEST 2.x's
``examples/nest/hpc_benchmark.py``); the seed's name and unit are given
beside each entry where they differ from PyNN's.  Quantities derived from
these (JE in nA, the external rate, CE, CI, ...) are *computed* in
:mod:`pynn_hpc.derived`, never copied.

PyNN units: ms, mV, nA, nF, uS, Hz.
"""

#: Leaky integrate-and-fire neuron with alpha-shaped currents (PyNN
#: ``IF_curr_alpha`` = NEST ``iaf_psc_alpha``); seed ``model_params``.
NEURON = {
    "cm": 0.25,              # nF      (seed C_m = 250.0 pF)
    "tau_m": 10.0,           # ms
    "tau_refrac": 0.5,       # ms      (seed t_ref)
    "v_thresh": 20.0,        # mV      (seed V_th)
    "v_reset": 0.0,          # mV      (seed V_reset)
    "v_rest": 0.0,           # mV      (seed E_L)
    "tau_syn_E": 0.32582722403722841,  # ms (seed tau_syn)
    "tau_syn_I": 0.32582722403722841,  # ms
    "i_offset": 0.0,         # nA      (seed: none, NEST default I_e = 0)
}

#: Initial membrane potential, drawn per neuron from N(mean, sigma).
INITIAL_V = {
    "mean": 5.7,             # mV      (seed mean_potential)
    "sigma": 7.2,            # mV      (seed sigma_potential)
}

#: Populations and connectivity at scale 1 (seed ``brunel_params``).
NETWORK = {
    "NE": 9000,              # excitatory neurons per unit of scale
    "NI": 2250,              # inhibitory neurons per unit of scale
    "delay": 1.5,            # ms, every connection
    "EPSP_peak": 0.14,       # mV      (seed JE, "peak of EPSP")
    "g": -5.0,               # JI = g * JE
    "sigma_w": 3.47,         # pA, defined by the seed but never used
    "n_record": 1000,        # E neurons whose spikes are recorded (seed Nrec)
}

#: External drive: each neuron receives an independent Poisson train at
#: eta * nu_thresh per excitatory synapse, times CE (seed ``eta``).
DRIVE = {
    "eta": 1.685,
}

#: E->E plasticity: multiplicative depression, power-law potentiation
#: (seed ``stdp_params`` and ``tau_minus`` of ``model_params``).
STDP = {
    "lambda": 0.1,           # step size
    "alpha": 0.0513,         # depression / potentiation asymmetry
    "mu": 0.4,               # potentiation exponent
    "tau_plus": 15.0,        # ms
    "tau_minus": 30.0,       # ms, a property of the postsynaptic neuron
    "w0": 0.001,             # nA: NEST's rule takes w^mu of w in pA, i.e. w0 = 1 pA
}

#: Downscaling the indegree (van Albada, Helias & Diesmann 2015; not in the seed, whose indegree
#: is fixed): CE, CI -> k CE, k CI; J -> J / sqrt(k) keeps the input variance; a DC current
#: restores the mean input the recurrent synapses would carry at ``dc_rate``.
SCALING = {
    "indegree_scale": 1.0,   # k, 0 < k <= 1
    "dc_rate": 10.0,         # Hz, the recurrent rate the DC current stands in for
}

#: Run protocol (seed ``params``): presimulation is excluded from timing and rates.
RUN = {
    "scale": 1.0,
    "presim": 50.0,          # ms      (seed presimtime)
    "simtime": 250.0,        # ms
    "dt": 0.1,               # ms
    "threads": 1,            # seed nvp = 1
    "seed": 1,
}
