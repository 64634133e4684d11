"""pynn_hpc: NEST's hpc_benchmark network (Morrison et al. 2007) written once in PyNN.

In Python::

    import pynn_hpc
    from pynn_hpc import backends, protocol
    sim = backends.load("nest")
    results, spikes = protocol.run(sim, scale=0.1, simtime=100)

    written = protocol.run_to("out", backend="nest", preset="teaching")  # as pynn-hpc run
    c = pynn_hpc.compare(backends=("nest", "neuron"), seeds=(1, 2, 3))  # as pynn-hpc compare

Importing the package imports no simulator and no numerical library: each function imports
what it needs when called.
"""
__version__ = "0.1.0"


def compare(backends=("nest", "neuron"), seeds=(1, 2, 3, 4, 5), preset="teaching",
            reference="nest", output="comparison", jobs=1, runs=None, quiet=True, *,
            scale=None, indegree_scale=None, dc_rate=None, compensation="dc", threads=None,
            simtime=None, presim=None):
    """Do the backends run the same network?  One run per backend and seed (each a fresh
    ``pynn-hpc run`` process, ``jobs`` at a time, into ``output``/runs; finished runs of the
    same network are reused), or the finished run directories ``runs``; each statistic's
    distributions judged against the ``reference`` backend's seed-to-seed spread.

    Writes comparison.json, comparison.png and the report (report.html, report.md) in
    ``output`` and returns comparison.json's content: ``agrees`` (backend -> True, False, or
    None for no verdict), ``table``, ``statistics``, ``failed`` runs, ``no_verdict_reason``
    when too few runs finished.  The network: ``preset`` (:mod:`pynn_hpc.presets`) and the
    options that override it (:func:`pynn_hpc.protocol.network_options`).  ``quiet=False``
    prints a line per run.  Bad input raises :class:`pynn_hpc.errors.ParameterError` before
    anything is written (:func:`pynn_hpc.comparison.compare`).
    """
    from pynn_hpc import comparison
    return comparison.compare(comparison.ComparisonRequest(
        backends=backends, seeds=seeds, reference=reference, runs=runs or (), output=output,
        jobs=jobs, quiet=quiet, preset=preset, scale=scale, indegree_scale=indegree_scale,
        dc_rate=dc_rate, compensation=compensation, threads=threads, simtime=simtime,
        presim=presim))
