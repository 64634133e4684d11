"""Measured memory costs per backend, for ``pynn-hpc estimate`` (no simulator is imported).

::

    peak RSS (MB) ~ base_mb + per_neuron_kb N / 1024 + per_connection_b n_connections / 2^20

fitted by ``benchmarks/memory_costs.py`` to the peak RSS of ``pynn-hpc run`` at seven sizes
(1,125 to 22,500 neurons, 1.3 M to 127 M connections; worst error of the fit 1.2 %);
``measured`` says when and with what.  A variant with costs of its own has its own entry
(``brian2:standalone``: the Python process and the compiled program together).
"""
COSTS = {
    "nest": {
        "measured": "2026-11-26, NEST 3.10.0, PyNN 0.13.0, 2 threads, 2-core/24 GB x86_64",
        "base_mb": 195.3,
        "per_neuron_kb": 13.68,
        "per_connection_b": 34.33,
    },
    "neuron": {
        "measured": "2026-12-08, NEURON 9.0.2 (synaptic matrices: 12 B per synapse, static or "
                    "plastic; the fixed indegree computed in C, no index arrays), PyNN 0.13.0, "
                    "1 thread, 2-core/24 GB x86_64; the seven sizes (1.3 M to 127 M "
                    "connections, 1,792 MB there); worst error of the fit 2.2 %",
        "base_mb": 142.0,
        "per_neuron_kb": 10.67,
        "per_connection_b": 12.69,
    },
    "brian2": {
        "measured": "2026-12-07, Brian2 2.9.0 runtime (Cython), PyNN 0.13.0, 1 thread, 2-core/"
                    "24 GB x86_64; the seven sizes (1.3 M to 127 M connections), non-negative "
                    "fit: within 6 % from 12.7 M connections, 37 % under at 1.3 M",
        "base_mb": 230.7,
        "per_neuron_kb": 0.0,
        "per_connection_b": 51.75,
    },
    "brian2:standalone": {
        "measured": "2026-12-07, Brian2 2.9.0 C++ standalone, PyNN 0.13.0, 2 OpenMP threads, "
                    "2-core/24 GB x86_64; the Python process and the program together; the "
                    "seven sizes (1.3 M to 127 M connections), non-negative fit: within 4 % "
                    "from 12.7 M connections, 30 % under at 1.3 M",
        "base_mb": 176.1,
        "per_neuron_kb": 0.0,
        "per_connection_b": 97.34,
    },
}


def costs(backend):
    """The costs of ``backend`` (a variant's own, else its base backend's), or None."""
    return COSTS.get(backend) or COSTS.get(backend.partition(":")[0])
