"""pynn_hpc: NEST's hpc_benchmark network (Morrison et al. 2007) written once in PyNN.

    from pynn_hpc import backends, protocol
    sim = backends.load("nest")
    results, spikes = protocol.run(sim, scale=0.1, simtime=100)
"""
__version__ = "0.1.0"
