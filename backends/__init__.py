"""Simulator backends: each translates the PyNN model of :mod:`pynn_hpc` for one simulator.

A backend module is a PyNN simulator module (``from pyNN.<sim> import *``) plus the model's
additions translated for its simulator.  What :mod:`pynn_hpc` relies on beyond PyNN is the
**interface** below; ``tests/test_backend_interface.py`` checks every backend in
:data:`BACKENDS` against it, so a new backend (Brian2, GeNN, ...) is this checklist.

Required
--------
``SIMULATOR``
    the simulator's name, as results.json reports it.
``versions() -> dict``
    ``simulator``, ``simulator_version``, ``pynn_version`` (``pynn-hpc info``, results.json).
``setup(timestep, min_delay, max_delay, threads=1, rng_seed=1)``
    PyNN's setup with these options named as here; ``threads`` (host threads per process)
    and ``rng_seed`` (every random draw the simulator makes itself) may be ignored by a
    backend for which they do not apply, which its docstring says.
PyNN's names
    ``IF_curr_alpha, SpikeSourcePoisson, Population, Projection, StaticSynapse, STDPMechanism,
    SpikePairRule, PowerLawWeightDependence, FixedNumberPreConnector, OneToOneConnector,
    AllToAllConnector, run, end, rank, num_processes``: the PyNN names
    :mod:`pynn_hpc.network` and :mod:`pynn_hpc.protocol` use, with PyNN's arguments;
    ``rank()`` and ``num_processes()`` answer before ``setup`` (the CLI asks first).
    ``PowerLawWeightDependence(w0, mu)`` refuses what
    :class:`pynn_hpc.standardmodels.PowerLawWeightDependence` refuses, with its message, and
    ``SpikePairRule`` what :func:`pynn_hpc.standardmodels.check_spike_pair_rule` refuses.
    A synapse type can be made before ``setup`` (``pynn_hpc.replay`` does).
The drive: one source per target
    ``SpikeSourcePoisson`` sources connected ``OneToOneConnector`` give each target its own
    independent train (as NEST's ``poisson_generator`` does for every target); a population
    of them may be sliced and each slice projected once.  Other connectors from it are
    refused (``NotImplementedError``), since no source could share its train with a second
    target.
``Projection.sample(names, n_pre=100, n_post=200, rng=None) -> {name: 1D array}``
    the attributes (PyNN units) of every synapse from ``n_pre`` to ``n_post`` neurons chosen
    by :func:`sample_indices` with ``rng``: the same neurons on every backend for the same
    ``rng`` state, and on every MPI rank (each rank returns the synapses it holds).
``Projection.size(gather=True)``
    the number of connections, without building a connection list.
``replay(pre_times, post_times, synapse_type, timestep) -> (times, weights, pre, post)``
    one synapse of ``synapse_type`` driven by exactly these spike times (ms); the weight (nA)
    after each presynaptic spike and the spike times as the synapse saw them
    (:mod:`pynn_hpc.replay`).

Optional hooks (``pynn_hpc`` uses the default when a backend does not define one)
------------------------------------------------------------------------------------
``check_ready()``
    raises :class:`BackendBroken` with one line if the backend is installed but cannot run
    here (Brian2 without a working C++ compiler).  ``run`` and ``replay`` load backends with
    :func:`load_ready`, which calls it before anything is built, said or written.  Default:
    none (importing the backend is the check).
``check_fits(d, processes=1, options=None) -> dict``
    whether the network ``d`` (:class:`pynn_hpc.derived.Derived`) fits the machine the
    backend runs on; raises :class:`pynn_hpc.errors.ParameterError` with one line saying
    what would fit.  Called by ``run`` before anything is built or written, whatever
    ``--force`` says.  Default: the host-memory check of :func:`pynn_hpc.estimate.check_fits`
    (measured bytes per neuron and connection, :mod:`.costs`; ``--force`` skips it).
    SpiNNaker checks cores, SDRAM and fixed-point formats against the configured machine
    instead, and that a configured board answers.
``produces_data() -> bool``
    False when a run builds and maps the network but records nothing (a SpiNNaker virtual
    board): the run then skips measuring and writes no results.json, only port.json with
    what was mapped (its ``run``): a *mapped run*, which ``compare`` reuses, keeps out of the
    verdict and shows with its ``predicted_board_time`` (below).  Default: True.
``port_report(projections, d) -> dict``
    after the run: what the translation changed and what the simulator rounded (delays,
    weights, rates), and how the network was mapped; written as ``OUTPUT/port.json``, with
    its ``summary`` lines printed.  A backend that predicts a hardware run's cost puts it in
    ``predicted_board_time``: ``board`` (``chips``, ``boards``, ``application_cores``),
    ``phases`` ({name: {``seconds``, ``what``}}), ``total_seconds``, ``what``
    (``pynn_hpc.analysis.timing.predicted`` reads these).  Default: none.
``CHUNKED_RUN``
    False if running the simulation in several ``run`` calls (progress reports) is costly
    or impossible (SpiNNaker: every ``run`` call reloads and restarts the board).
    Default: True.
``complete_run() -> dict or None``
    for a backend whose ``run`` calls only record what to simulate (Brian2's C++ standalone
    device; it sets ``CHUNKED_RUN = False``, so that each phase is one call): called after
    the last ``run``, it builds and runs the simulation, and returns what that took:
    ``build`` (seconds to generate and compile it), ``setup`` (seconds inside it before the
    first run, e.g. synapses created from recorded arrays), ``runs`` (seconds of each
    ``run`` call, in order), ``program`` (its whole wall clock), ``peak_rss_mb`` (its
    peak memory, or None) and ``host_rss_mb`` (what the calling process held meanwhile).
    The protocol adds the times to the phases that made the calls, and takes the larger of
    its own peak memory and ``host_rss_mb + peak_rss_mb``.
    None when nothing was deferred.  Default: none.
``chunked_runs()``
    a context manager yielding ``run(ms)`` for many short runs, where that is cheaper than
    ``run`` per chunk (NEST: Prepare once, Run per chunk, Cleanup; :mod:`pynn_hpc.progress`).
    Default: ``run``.

Variants
--------
A backend listed in :data:`VARIANTS` is also named ``<backend>:<list>`` (``pynn-hpc run
--backend``, ``compare --backends``): the variants module there parses the list
(``parse(name)``, ParameterError for bad input, no simulator imported), :func:`load` hands the
result to the backend's ``configure(variant)``, and the backend's ``NAME`` is then the name as
given, which results.json records (:func:`name_of`; default: the module's name) and
:func:`dir_name` makes a directory name of.
"""
import importlib

import numpy as np


class BackendUnavailable(RuntimeError):
    """The simulator of a known backend cannot be imported here."""


class BackendBroken(BackendUnavailable):
    """The backend is installed but cannot start (e.g. its NMODL build failed): the message says why."""


#: name -> (module, pip extra that installs it, what it needs besides pip)
BACKENDS = {
    "nest": ("pynn_hpc.backends.nest", "nest", "the nest-simulator wheel"),
    "neuron": ("pynn_hpc.backends.neuron", "neuron", "the NEURON wheel; needs a C compiler for NMODL"),
    "spinnaker": ("pynn_hpc.backends.spinnaker", "spinnaker",
                  "sPyNNaker 1!7.4.1; a SpiNNaker board, or a virtual board that maps only"),
    "spinnaker-emulated": ("pynn_hpc.backends.spinnaker_emulated", "neuron,spinnaker",
                           "NEURON, and sPyNNaker 1!7.4.1 for SpiNNaker's fixed point"),
    "brian2": ("pynn_hpc.backends.brian2", "brian2",
               "Brian2 2.9 (numpy < 2.4); a C++ compiler for its code generation (and make "
               "with OpenMP for brian2:standalone)"),
}

#: backends named with variants (see the module docstring): name -> the module that parses them
VARIANTS = {"spinnaker-emulated": "pynn_hpc.backends.spinnaker_emulated.variants",
            "spinnaker": "pynn_hpc.backends.spinnaker_variants",
            "brian2": "pynn_hpc.backends.brian2_variants"}

#: the interface's optional hooks and their defaults (see the module docstring)
HOOK_DEFAULTS = {"check_ready": None, "check_fits": None, "produces_data": lambda: True,
                 "port_report": None, "complete_run": None,
                 "CHUNKED_RUN": True}


def hook(sim, name):
    """The backend's hook ``name``, or the interface's default for it."""
    return getattr(sim, name, HOOK_DEFAULTS[name])


def sample_indices(n_pre_total, n_post_total, n_pre, n_post, rng=None):
    """The presynaptic and postsynaptic neurons ``Projection.sample`` reads, sorted.

    Two draws without replacement from ``rng`` (a ``numpy.random.Generator``), presynaptic
    first: every backend calls this, so the same ``rng`` state gives the same subset.
    """
    rng = rng if rng is not None else np.random.default_rng()
    pre = rng.choice(n_pre_total, size=min(n_pre, n_pre_total), replace=False)
    post = rng.choice(n_post_total, size=min(n_post, n_post_total), replace=False)
    return np.sort(pre), np.sort(post)


def names():
    return list(BACKENDS)


def one_variant(name, base, choices, what, example):
    """The one item of ``choices`` that ``name`` (``base`` or ``base:ITEM``) names, None for
    ``base`` alone; ParameterError (one line, ``what`` the choices are, ``example`` an item)
    for another base, no item, an unknown item or two items: a variants module's parser."""
    from pynn_hpc.errors import ParameterError
    given, sep, listed = name.partition(":")
    if given != base:
        raise ParameterError(f"'{name}' is not a variant of {base}")
    items = [item.strip() for item in listed.split(",") if item.strip()]
    hint = f"choose from {', '.join(choices)} (e.g. {base}:{example})"
    if sep and not items:
        raise ParameterError(f"backend '{name}' names no variant: {hint}")
    for item in items:
        if item not in choices:
            raise ParameterError(f"unknown item '{item}' in backend '{name}': {hint}")
    if len(set(items)) > 1:
        raise ParameterError(f"backend '{name}' names two {what}: give one")
    return items[0] if items else None


def check_name(name):
    """The variant ``name`` asks for (None for a plain backend); ParameterError if unknown."""
    from pynn_hpc.errors import ParameterError
    base, sep, _ = name.partition(":")
    if base not in BACKENDS:
        raise ParameterError(f"unknown backend '{name}': choose one of {', '.join(BACKENDS)}")
    if base not in VARIANTS:
        if sep:
            raise ParameterError(f"backend '{base}' has no variants (got '{name}')")
        return None
    return importlib.import_module(VARIANTS[base]).parse(name)


def name_of(sim):
    """The name a loaded backend module was loaded by (a variant's as given)."""
    return getattr(sim, "NAME", sim.__name__.rsplit(".", 1)[-1])


def dir_name(name):
    """A backend's name as a directory name (``a:b,c`` -> ``a_b+c``)."""
    return name.replace(":", "_").replace(",", "+")


def install_hint(name):
    _, extra, what = BACKENDS[name.partition(":")[0]]
    return f"pip install 'pynn_hpc[{extra}]' (installs {what})"


def load(name):
    """Import and return the backend module called ``name`` (configured, for a variant)."""
    from pynn_hpc.errors import ParameterError
    try:
        variant = check_name(name)
    except ParameterError as err:
        raise BackendUnavailable(str(err)) from None
    base = name.partition(":")[0]
    module, _, _ = BACKENDS[base]
    try:
        sim = importlib.import_module(module)
        if base in VARIANTS:
            sim.configure(variant)
        return sim
    except ImportError as err:
        if (err.name or "").startswith("pynn_hpc"):   # our own module missing: a broken install
            raise BackendBroken(f"backend '{name}' is missing from this installation of pynn_hpc "
                                f"({err}): reinstall pynn_hpc") from err
        raise BackendUnavailable(
            f"backend '{name}' is not installed ({err}): {install_hint(name)}") from err


def load_ready(name):
    """:func:`load`, then the backend's ``check_ready`` hook: BackendBroken (one line) if it
    is installed but cannot run here."""
    sim = load(name)
    ready = hook(sim, "check_ready")
    if ready is not None:
        ready()
    return sim
