"""SpiNNaker backend: ``pyNN.spiNNaker`` (sPyNNaker 1!7.4.1) plus what this model needs.

What is translated here, and why (measured: the docs' "Porting to SpiNNaker", :mod:`.port`):

* ``setup``: dt 0.1 ms (the seed's) with ``time_scale_factor`` 10 by default: one step of
  0.1 ms takes 1 ms of wall-clock, SpiNNaker's design tick (at factor 1 a core has 100 us
  per step, too little for 128 neurons with their inputs).  The synaptic load is then
  spread over synapse cores by sPyNNaker's own rate model (1.4 M plastic synaptic events per
  core and second of wall-clock, at the 30 Hz its config assumes per neuron), which gives
  the synapse cores per 128 neurons that ``port.json`` reports.  ``threads`` does not apply
  (no host simulation); ``rng_seed`` seeds every population (``seed``: the Poisson sources and
  the connections, which are drawn on the machine; sPyNNaker refuses a connector's ``rng``).
  V_m(0) is drawn on the host from the model's ``NumpyRNG``, as PyNN does on NEST and NEURON.
  Without a ``~/.spynnaker.cfg`` the run uses a **virtual board** (:mod:`.board`): it maps
  the network (partitioning, placement, routing, keys, routing tables); a network of at
  most :data:`DATA_GENERATION_MAX_SYNAPSES` synapses then has its data generated as before
  loading a board (data specifications, parameters, synaptic matrices, in sPyNNaker's
  data-specification database), a larger one stops after mapping (:func:`run`).  Never any
  spikes.  ``SpikePairRule`` and ``STDPMechanism``
  made before ``setup`` are :class:`Description` objects (sPyNNaker's need the time step),
  which is all :func:`replay` needs.
* Neuron populations get ``neurons_per_core`` 128: at 256 per core a plastic E->E row holds
  up to 403 synapses at full indegree, beyond sPyNNaker's limit of 254.
* Ring-buffer weight scaling is set explicitly (``max_expected_summed_weight``) from the
  network's own weights with the LSB chosen by :mod:`.fixedpoint` (LSB <= 1 % of JE, the
  largest weight the rule reaches within 16 bits).  sPyNNaker's automatic choice gives an
  excitatory LSB of 125 pA at full indegree: JE = 45.6 pA would round to 0.
* ``SpikeSourcePoisson`` feeds exactly one target each, as on NEST and NEURON: a population
  of sources is only a description until a projection connects a slice of it one-to-one;
  each such projection gets its own source population of the same size, so sPyNNaker
  generates the trains on the target's synapse cores (SDRAM, no routing) -- which it does
  only for a one-to-one static projection whose delay is one time step: the drive's delay
  becomes dt (0.1 ms instead of 1.5 ms; a stationary Poisson train is only shifted by
  1.4 ms).  ``port.json`` lists this change.
* ``IF_curr_alpha`` is ``IF_curr_alpha_exact`` (:mod:`.alpha_exact`): PyNN's alpha current
  (peak = weight) propagated exactly, where sPyNNaker's own keeps only the latest step's
  input.  The variant ``spinnaker:stock_alpha`` (:func:`configure`;
  :mod:`pynn_hpc.backends.spinnaker_variants` parses the name) maps sPyNNaker's
  ``IF_curr_alpha`` instead, to compare with.
* ``PowerLawWeightDependence`` is an sPyNNaker weight dependence (:mod:`.weight_dependence`)
  whose synapse binary ``synapses_stdp_mad_pair_power_law.aplx`` is built from ``c/``
  (its directory is registered with sPyNNaker's binary search path), as are the neuron
  binaries of ``IF_curr_alpha_exact`` (:func:`needed_binaries`).
* ``Projection.sample`` draws its subset as every backend does
  (:func:`pynn_hpc.backends.sample_indices`); ``Projection.size`` is the connector's exact
  count (the connections are generated on the machine).
* ``check_fits``: cores and SDRAM against the configured machine, not host memory;
  ``port_report``: the mapping, every rounding and every change above (``port.json``).
"""
import contextlib
import io
import logging
import sys
import time
import types
import warnings

import pynn_hpc.analysis  # noqa: F401  (first: a writable matplotlib dir, which PyNN imports)
from pynn_hpc.errors import ParameterError
from pynn_hpc.backends import launcher

from . import board

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pyNN
    import pyNN.random
    import pyNN.spiNNaker as _spinnaker
    from pyNN.spiNNaker import *  # noqa: F401,F403  (the PyNN API on sPyNNaker)
    from spynnaker._version import __version__ as _spynnaker_version
    from spynnaker.pyNN.models.projection import Projection as _SpiNNakerProjection
    from spynnaker.pyNN.models.spike_source.spike_source_poisson import (
        SpikeSourcePoisson as _SpiNNakerPoisson)

from pynn_hpc import standardmodels as std
from pynn_hpc.backends import sample_indices
from .alpha_exact import IF_curr_alpha_exact
from .weight_dependence import PowerLawWeightDependence  # noqa: F401
from pynn_hpc.backends import spinnaker_variants as variants
from . import port

SIMULATOR = "sPyNNaker"
#: the name this backend was loaded by (a variant's as given: :func:`configure`)
NAME = variants.BASE
#: every ``run`` call stops, reloads and restarts the board: run each phase in one call
CHUNKED_RUN = False
TIME_SCALE_FACTOR = 10
NEURONS_PER_CORE = 128
#: on a virtual board, data is generated (on this host, in Python) for networks of at most
#: this many synapses; larger ones are mapped only (their matrices would take minutes to hours)
DATA_GENERATION_MAX_SYNAPSES = 50_000

#: the network's cell type: the exact alpha synapse (default) or sPyNNaker's (stock_alpha)
IF_curr_alpha = IF_curr_alpha_exact
_StockIF_curr_alpha = _spinnaker.IF_curr_alpha
_variant = variants.parse(variants.BASE)

logging.getLogger("spinn_front_end_common").setLevel(logging.WARNING)

_state = {}


def configure(variant):
    """Map the network's ``IF_curr_alpha`` as ``variant`` says
    (:class:`pynn_hpc.backends.spinnaker_variants.Variant`)."""
    global NAME, IF_curr_alpha, _variant
    _variant = variant
    NAME = variant.name
    IF_curr_alpha = _StockIF_curr_alpha if variant.stock_alpha else IF_curr_alpha_exact


def variant():
    """The configured :class:`pynn_hpc.backends.spinnaker_variants.Variant`."""
    return _variant


def needed_binaries():
    """{binary: role} of the binaries that are ours (built from ``c/``, not shipped with
    sPyNNaker) a board run of this variant's network needs: the plastic E->E synapses always,
    the neurons' with the exact alpha synapse (split neuron and synapse cores: the neuron
    core's; the combined binary serves a population without plastic input, if sPyNNaker
    chooses a combined core for it)."""
    from .alpha_exact import BINARY as COMBINED
    from .weight_dependence import BINARY as SYNAPSE
    needed = {SYNAPSE: "synapse cores of the plastic E->E projection (power-law rule)"}
    if not _variant.stock_alpha:
        needed[COMBINED.replace(".aplx", "_neuron.aplx")] = \
            "neuron cores (IF_curr_alpha_exact, split neuron and synapse cores)"
    return needed


def versions():
    return {"simulator": SIMULATOR, "simulator_version": _spynnaker_version.lstrip("1!"),
            "pynn_version": pyNN.__version__, "spinnaker_variant": _variant.as_dict()}


def num_processes():
    """One host process drives the machine (sPyNNaker's own refuses to answer before setup):
    under ``mpirun -np N`` with N > 1 every rank refuses (ParameterError, said by rank 0)
    before anything is written; ranks that each mapped the network would race for one
    output directory."""
    n = launcher.size()
    if n > 1:
        raise ParameterError(f"SpiNNaker is driven by one host process, not {n}: "
                             "run it without mpirun")
    return 1


def rank():
    return 0


def machine():
    """The configured machine (:class:`.board.Machine`), read from the user's config."""
    return board.configured()


def produces_data():
    """False on a virtual board: the run maps the network and nothing else."""
    return not _state.get("machine", machine()).virtual


def setup(timestep, min_delay, max_delay, threads=1, rng_seed=1,
          time_scale_factor=TIME_SCALE_FACTOR, generate_data=None):
    """sPyNNaker's setup at ``time_scale_factor`` on the configured machine (or a virtual board).

    Its reports must be writable (:func:`.board.check_writable`) and a configured board must
    answer (:func:`.board.probe`, 5 s); ``max_delay`` and
    ``threads`` do not apply to SpiNNaker.  ``generate_data`` (virtual board only): True to
    generate the data of any network, False to map only, None (default) to generate it for
    networks of at most :data:`DATA_GENERATION_MAX_SYNAPSES` synapses.
    """
    if time_scale_factor < 1:
        raise ParameterError(f"time_scale_factor must be >= 1 (got {time_scale_factor})")
    m = machine()
    board.check_writable(m)
    board.probe(m)
    _state.clear()
    _state.update(machine=m, timestep=timestep, rng_seed=rng_seed, time_scale_factor=time_scale_factor,
                  populations=[], projections=[], changes=[], summed=[],
                  generate_data=generate_data)
    with board.spynnaker_configured(m), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rank = _spinnaker.setup(timestep=timestep, min_delay=min_delay,
                                time_scale_factor=time_scale_factor)
    from .weight_dependence import register_binaries
    register_binaries()
    return rank


def _seed():
    """A different seed for each population, all from setup's ``rng_seed``."""
    _state["n_seeds"] = _state.get("n_seeds", 0) + 1
    return (int(_state["rng_seed"]) * 7919 + _state["n_seeds"]) % (2**31 - 1)


# -- synapses -------------------------------------------------------------------------------

class Description:
    """The parameters of a synapse type made before ``setup`` (sPyNNaker's own classes need the
    time step): what :func:`replay` reads, the rule running on the host."""

    def __init__(self, kind, **parameters):
        self.kind = kind
        self.__dict__.update(parameters)

    def __repr__(self):
        return f"{self.kind}({', '.join(f'{k}={v!r}' for k, v in vars(self).items() if k != 'kind')})"


def _set_up():
    from spynnaker.pyNN.data import SpynnakerDataView
    return SpynnakerDataView.is_setup() and _state.get("timestep") is not None


def SpikePairRule(tau_plus=20.0, tau_minus=20.0, A_plus=0.01, A_minus=0.01):
    """sPyNNaker's pair rule, amplitudes and time constants checked as on every backend."""
    values = {"tau_plus": tau_plus, "tau_minus": tau_minus, "A_plus": A_plus, "A_minus": A_minus}
    std.check_spike_pair_rule(types.SimpleNamespace(parameter_space={
        name: types.SimpleNamespace(base_value=value) for name, value in values.items()}))
    if not _set_up():
        return Description("SpikePairRule", tau_plus=tau_plus, tau_minus=tau_minus,
                           A_plus=A_plus, A_minus=A_minus)
    return _spinnaker.SpikePairRule(tau_plus=tau_plus, tau_minus=tau_minus, A_plus=A_plus,
                                    A_minus=A_minus)


def STDPMechanism(timing_dependence=None, weight_dependence=None, voltage_dependence=None,
                  dendritic_delay_fraction=1.0, weight=0.0, delay=None, **kwargs):
    """sPyNNaker's STDP synapse (all delay dendritic, as the model's)."""
    if not _set_up() or isinstance(timing_dependence, Description):
        return Description("STDPMechanism", timing_dependence=timing_dependence,
                           weight_dependence=weight_dependence, weight=weight, delay=delay)
    return _spinnaker.STDPMechanism(
        timing_dependence=timing_dependence, weight_dependence=weight_dependence,
        voltage_dependence=voltage_dependence,
        dendritic_delay_fraction=dendritic_delay_fraction, weight=weight, delay=delay, **kwargs)


# -- populations and the drive ------------------------------------------------------------

class SpikeSourcePoisson(_SpiNNakerPoisson):
    """Poisson sources, each feeding exactly one target (connect a slice of them one-to-one).

    A population of these is a description (:class:`DriveSources`) until projected: each
    one-to-one projection from it, or from a slice of it, gets its own sPyNNaker source
    population, generated on the target's synapse cores.
    """

    def __init__(self, rate=0.0, start=0, duration=None):
        super().__init__(rate=rate, start=start, duration=duration)
        self.arguments = {"rate": rate, "start": start, "duration": duration}


class DriveSources:
    """Poisson sources not yet placed: ``size``, ``label`` and slices, as a Population has."""

    def __init__(self, size, celltype, label=None, start=0):
        self.size, self.celltype, self.label, self.start = int(size), celltype, label, start

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise NotImplementedError("a drive is sliced into contiguous ranges only")
        start, stop, _ = index.indices(self.size)
        return DriveSources(max(0, stop - start), self.celltype,
                            f"{self.label}[{start}:{stop}]", self.start + start)

    def record(self, *args, **kwargs):
        raise NotImplementedError("the drive generated on synapse cores cannot be recorded")


def _drawn(value, size):
    """A RandomDistribution with an rng drawn here, as PyNN draws it on NEST and NEURON
    (sPyNNaker refuses an rng: it would draw on the machine from the population's seed)."""
    if isinstance(value, pyNN.random.RandomDistribution) and value.rng is not None:
        return value.next(int(size))
    return value


def Population(size, cellclass, cellparams=None, structure=None, initial_values=None,
               label=None, additional_parameters=None, **kwargs):
    """sPyNNaker's Population; 128 neurons per core and an explicit weight scale for neurons,
    a :class:`DriveSources` description for :class:`SpikeSourcePoisson`."""
    celltype = cellclass(**(cellparams or {})) if isinstance(cellclass, type) else cellclass
    if isinstance(celltype, SpikeSourcePoisson):
        return DriveSources(size, celltype, label)
    extra = dict(additional_parameters or {})
    summed = None
    if "max_expected_summed_weight" in getattr(celltype, "default_population_parameters", {}):
        extra.setdefault("neurons_per_core", NEURONS_PER_CORE)
        extra.setdefault("seed", _seed())
        if "max_expected_summed_weight" not in extra:
            # sPyNNaker reads this list when it maps: filled from the incoming projections
            # before the first run (port.set_weight_scales)
            summed = extra["max_expected_summed_weight"] = [1.0, 1.0]
    initial_values = {name: _drawn(value, size) for name, value in (initial_values or {}).items()}
    pop = _spinnaker.Population(size, celltype, structure=structure,
                                initial_values=initial_values, label=label,
                                additional_parameters=extra or None, **kwargs)
    _state["populations"].append(pop)
    if summed is not None:
        _state["summed"].append((pop, summed))
    return pop


class FixedNumberPreConnector(_spinnaker.FixedNumberPreConnector):
    __doc__ = _spinnaker.FixedNumberPreConnector.__doc__

    def __init__(self, n, allow_self_connections=True, with_replacement=False, rng=None,
                 **kwargs):
        # sPyNNaker refuses ``rng`` here: the connections are drawn on the machine, seeded
        # by the target population's ``seed`` (set from setup's rng_seed in Population)
        super().__init__(n, allow_self_connections=allow_self_connections,
                         with_replacement=with_replacement, **kwargs)
        self.n = int(n)       # sPyNNaker keeps it private; Projection.size counts with it


# -- projections ---------------------------------------------------------------------------

class Projection(_SpiNNakerProjection):
    """sPyNNaker's Projection, with the drive translated, ``size`` counted and ``sample``."""

    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, source=None, receptor_type="excitatory", space=None,
                 label=None):
        pre = presynaptic_population
        if isinstance(pre, DriveSources):
            pre, synapse_type = _drive_population(pre, postsynaptic_population, connector,
                                                  synapse_type, label)
        super().__init__(pre_synaptic_population=pre,
                         post_synaptic_population=postsynaptic_population,
                         connector=connector, synapse_type=synapse_type, source=source,
                         receptor_type=receptor_type, space=space, label=label)
        self.synapse_type, self.connector, self.receptor_type = synapse_type, connector, receptor_type
        _state["projections"].append(self)

    def size(self, gather=True):
        """Connections made (the connector's exact count; they are generated on the machine)."""
        c = self.connector
        if isinstance(c, _spinnaker.FixedNumberPreConnector):
            return int(c.n) * self.post.size
        if isinstance(c, _spinnaker.OneToOneConnector):
            return min(self.pre.size, self.post.size)
        return len(self.get("weight", format="list"))

    def sample(self, names, n_pre=100, n_post=200, rng=None):
        """Attributes of every synapse from ``n_pre`` to ``n_post`` randomly chosen neurons,
        read from the board (the whole projection is read, then the subset kept)."""
        import numpy as np
        if isinstance(names, str):
            names = [names]
        chosen_pre, chosen_post = sample_indices(self.pre.size, self.post.size, n_pre, n_post, rng)
        if not produces_data():
            return {n: np.array([]) for n in names}
        rows = np.asarray(self.get(list(names), format="list", with_address=True),
                          dtype=float).reshape(-1, 2 + len(names))      # (i, j, values...)
        keep = np.isin(rows[:, 0], chosen_pre) & np.isin(rows[:, 1], chosen_post)
        return {n: rows[keep, 2 + i] for i, n in enumerate(names)}


def _drive_population(drive, post, connector, synapse_type, label):
    """The sources of one drive projection: a population of their own, delay one time step."""
    if not isinstance(connector, _spinnaker.OneToOneConnector):
        raise NotImplementedError(
            "pynn_hpc's SpikeSourcePoisson gives every target its own train: connect it with "
            "OneToOneConnector")
    if drive.size != post.size:
        raise NotImplementedError(f"a drive of {drive.size} sources for {post.size} targets: "
                                  "one source per target")
    if not isinstance(synapse_type, _spinnaker.StaticSynapse):
        raise NotImplementedError("the drive is generated on synapse cores only for static synapses")
    weight = synapse_type.weight
    delay = synapse_type.delay
    dt = _state["timestep"]
    if delay != dt:
        _state["changes"].append({
            "what": f"delay of {label or 'the drive'}", "model": delay, "spinnaker": dt,
            "why": "sPyNNaker generates a Poisson drive on the synapse cores only with a delay "
                   "of one time step; a stationary train is shifted by the difference"})
    sources = _spinnaker.Population(
        drive.size, _SpiNNakerPoisson(**drive.celltype.arguments),
        label=f"{label or drive.label} sources", additional_parameters={"seed": _seed()})
    _state["populations"].append(sources)
    return sources, _spinnaker.StaticSynapse(weight=weight, delay=dt)


# -- running -------------------------------------------------------------------------------

def run(simtime, callbacks=None):
    """sPyNNaker's run, with the weight scales set from the projections before the first.

    On a virtual board a network of more than :data:`DATA_GENERATION_MAX_SYNAPSES` synapses
    stops after mapping (partitioning, placement, routing, routing tables): sPyNNaker would
    next generate its data, the synaptic matrices on the host in Python where a board's
    synapse expander builds them on the machine -- 100 s for the teaching network's 1.1 M
    synapses, hours for the seed's 127 M -- only to discard it.  A smaller one goes through
    sPyNNaker's whole loading sequence, which on a virtual board generates every core's data
    specification into sPyNNaker's database and skips what needs a machine.
    """
    if not _state.get("scaled"):
        port.set_weight_scales(_state)
        _state["scaled"] = True
        _state["data_generated"] = _state["machine"].virtual and _generates_data()
    _state["run_ms"] = _state.get("run_ms", 0.0) + simtime
    t0 = time.perf_counter()
    # sPyNNaker's progress bars (one per algorithm) only on a terminal
    bars = contextlib.nullcontext() if sys.stderr.isatty() else \
        contextlib.redirect_stderr(io.StringIO())
    map_only = _state["machine"].virtual and not _state["data_generated"]
    with warnings.catch_warnings(), _map_only(map_only), bars:
        warnings.simplefilter("ignore")
        result = _spinnaker.run(simtime)
    _state.setdefault("map_seconds", time.perf_counter() - t0)     # the first run maps
    return result


def n_synapses():
    """Synapses of every projection made since setup (the drive's included)."""
    return sum(prj.size() for prj in _state["projections"])


def _generates_data():
    """Whether a virtual board generates this network's data (setup's ``generate_data``)."""
    if _state.get("generate_data") is not None:
        return bool(_state["generate_data"])
    return n_synapses() <= DATA_GENERATION_MAX_SYNAPSES


@contextlib.contextmanager
def _map_only(skip):
    """Within: sPyNNaker skips loading (data generation) when ``skip``."""
    from spynnaker.pyNN.spinnaker import SpiNNaker
    if not skip:
        yield
        return
    SpiNNaker._do_load = lambda self: None
    try:
        yield
    finally:
        del SpiNNaker._do_load


def check_fits(d, processes=1, options=None):
    """Before anything is built: the rule's parameters and the weights in SpiNNaker's fixed
    point, cores and SDRAM against the configured machine, and a configured board answers
    (:func:`.board.probe`), and sPyNNaker can write its reports (:func:`.board.check_writable`:
    an unwritable HOME or XDG_CACHE_HOME); ParameterError (one line) if not.  Host memory is
    not checked: the host only describes the network (the synaptic matrices are built on the
    machine)."""
    m = machine()
    board.check_writable(m)
    fit = port.check_fits(d, m, NEURONS_PER_CORE, options or {}, TIME_SCALE_FACTOR)
    board.probe(m)
    from .weight_dependence import binary_dirs, find_binary
    missing = [name for name in needed_binaries() if find_binary(name) is None]
    if not m.virtual and missing:
        also = "" if _variant.stock_alpha else " (or run spinnaker:stock_alpha)"
        raise ParameterError(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not built (looked "
            f"in {', '.join(binary_dirs())}): build {'it' if len(missing) == 1 else 'them'} "
            "with make -C backends/spinnaker/c (docs: Backends, \"Building the binaries\"), or "
            f"set PYNN_HPC_SPINNAKER_BINARIES to their directory{also}")
    return fit


def port_report(projections, d=None):
    """What the translation and sPyNNaker did to the network (written as port.json)."""
    return port.report(_state, projections, d, _variant, needed_binaries())


from .replay import replay, replay_weight_lsb  # noqa: E402,F401  (helper A: the fixed-point rule, one synapse)
