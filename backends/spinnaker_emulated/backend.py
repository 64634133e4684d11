"""The ``spinnaker-emulated`` backend: the NEURON backend with sPyNNaker 7.4.1's numerics.

The API is the NEURON backend's (:mod:`pynn_hpc.backends.neuron`).  :func:`configure` takes a
:class:`.variants.Variant` (which deviations and corrections a name switches on); the first
:func:`run` after :func:`setup` applies them to every projection and population made since:

* ``weights``: every weight rounded as sPyNNaker stores it (:func:`rounded`) at the LSB the
  SpiNNaker backend would choose for its receptor (:func:`_weight_scales`);
* ``stdp``: the plastic matrices run sPyNNaker's pair rule in fixed point
  (:func:`fixed_point_rule`: ``nmodl/SpiNNakerPairRule.mod``, attached through the NEURON
  backend's rule hook), its weights rounded as under ``weights``;
* ``alpha``, ``lif``: the cells are sPyNNaker's IF_curr_alpha (:mod:`.cell`), its synapse, its
  membrane or both in fixed point, with the ring-buffer shifts of those LSBs;
* ``peak``, ``load=R``: every weight, and the rule's w0, stored x a factor k
  (:func:`weight_factors`), read back through PyNN in the units given (:class:`Projection`).

The fixed-point numbers come from the SpiNNaker backend's own C and Python
(:mod:`pynn_hpc.backends.spinnaker.fixedpoint`, ``spinnaker/c``), never a copy.  What each
deviation does to the network, and why a weight correction is a change of units, is derived
in docs/emulation.md.  :func:`port_report` lists the variant, the scales and the factors.
"""
import zlib

import numpy as np

from pynn_hpc.backends.neuron import *  # noqa: F401,F403  (the NEURON backend; first: it
from pynn_hpc.backends.neuron import runcontrol, synapses as _synapses  # loads the mechanisms)
from pynn_hpc.backends.neuron.celltypes import IF_curr_alpha as _ExactIF_curr_alpha
from pynn_hpc.backends.neuron.replay import replay as _neuron_replay
from pynn_hpc.backends.neuron.projection import Projection as _NeuronProjection
from pynn_hpc.backends.spinnaker_emulated import mechanisms, variants

import pyNN.neuron  # noqa: E402
from neuron import h  # noqa: E402
from pyNN.neuron.projections import _projections  # noqa: E402

mechanisms.load()           # this package's NMODL, after the NEURON backend's

SIMULATOR = runcontrol.SIMULATOR
NAME = variants.BASE
_state = {"variant": None, "prepared": False, "scales": {}, "load_correction": {}, "seed": 1,
          "timestep": 0.1}


def configure(variant):
    """Switch the deviations and corrections of ``variant`` (:class:`.variants.Variant`) on."""
    global NAME, IF_curr_alpha
    _state["variant"] = variant
    NAME = variant.name
    IF_curr_alpha = _cell_type(variant)
    if variant.deviations:
        _fixedpoint()       # imports sPyNNaker (~5 s): now, not inside a timed phase
    if variant.load_rate is not None:   # load=R measures sPyNNaker's C: built now, so that a
        from pynn_hpc.backends.spinnaker.neuron_numerics import library   # missing compiler
        library()                       # is one line before anything is written (RuleBuildError)


def _cell_type(v):
    """The network's IF_curr_alpha: NEURON's exact one, or sPyNNaker's (``alpha``, ``lif``)."""
    if not (v.on("alpha") or v.on("lif")):
        return _ExactIF_curr_alpha
    from pynn_hpc.backends.spinnaker_emulated.cell import SpiNNakerIF_curr_alpha as spinnaker_cell
    alpha = 2 if v.exact_alpha else int(v.on("alpha"))     # 2: c/alpha_exact_synapse.h
    defaults = dict(spinnaker_cell.default_parameters, spinnaker_alpha=alpha,
                    spinnaker_lif=int(v.on("lif")))
    return type("IF_curr_alpha", (spinnaker_cell,), {"default_parameters": defaults,
                                                     "__doc__": spinnaker_cell.__doc__})


def _variant():
    """The configured variant (every deviation unless configured)."""
    if _state["variant"] is None:
        configure(variants.parse(variants.BASE))
    return _state["variant"]


def versions():
    return dict(runcontrol.versions(), spinnaker_numerics=_variant().as_dict())


def setup(timestep, min_delay, max_delay, threads=1, rng_seed=1, **extra):
    """The NEURON backend's setup; the numerics are applied at the first ``run``."""
    _state.update(prepared=False, scales={}, load_correction={}, seed=int(rng_seed),
                  timestep=float(timestep))
    return runcontrol.setup(timestep, min_delay, max_delay, threads=threads, rng_seed=rng_seed,
                            **extra)


def run(simtime, callbacks=None):
    if not _state["prepared"]:
        _prepare()
    return pyNN.neuron.run(simtime, callbacks)


class Projection(_NeuronProjection):
    """The NEURON backend's Projection, read and set in the user's units: from the
    first run on, its synapses store ``_weight_factor`` (k) x the weights and w0 given, rounded
    at ``_weight_scale`` (None: not quantised)."""
    __doc__ = _NeuronProjection.__doc__ + __doc__
    _weight_factor = 1.0
    _weight_scale = None
    _stored_units = False               # the numerics have been applied (first run)
    _fixed_point = False                # the plastic matrices run the fixed-point rule

    def _values(self, names, positions=None, indices=None):
        out = super()._values(names, positions, indices)
        k = self._weight_factor
        return [v / k if name == "weight" and k != 1.0 else v for name, v in zip(names, out)]

    def stored_weights(self):
        """nA: the weights of the local connections as the synapses hold them (k x the user's)."""
        return super()._values(["weight"])[0]

    def stored_rule(self):
        """The plastic rule's parameters as the synapses use them: w0 x k (a weight)."""
        return dict(self._rule, w0=self._rule["w0"] * self._weight_factor)

    def _store_w0(self):
        """The exact rule's matrices hold w0 in stored units (x k)."""
        if self._plastic:
            for m in self._matrices:
                m.w0 = self.stored_rule()["w0"]

    def _set_attributes(self, parameter_space):
        names = list(parameter_space.keys())        # (``set`` here is PyNN's procedural set)
        if not self._stored_units:
            return super()._set_attributes(parameter_space)
        rule = [name for name in names if name in _synapses.RULE_PARAMETERS]
        if self._fixed_point and rule:
            raise ValueError(f"{self.label}: {NAME} fixes the fixed-point rule's parameters at "
                             f"the first run: set {', '.join(rule)} before it")
        super()._set_attributes(parameter_space)
        if "weight" in names:
            k, scale = self._weight_factor, self._weight_scale
            _map_weights(self, lambda w: w * k if scale is None else rounded(w * k, scale))
        if "w0" in names:
            self._store_w0()


def check_fits(d, processes=1, options=None):
    """The NEURON backend's host-memory check, with its costs (docs/emulation.md: the
    emulation's own are small)."""
    from pynn_hpc import estimate
    return estimate.check_fits("neuron", d, processes, options=options)


# -- the numerics, applied once before the first run -------------------------------------------

def _fixedpoint():
    from pynn_hpc.backends.spinnaker import fixedpoint
    return fixedpoint


def expected_loads(projections, rate, timestep):
    """{(post population label, receptor): spikes per step} each receptor of a neuron receives
    when the network fires at ``rate`` Hz: its drive's rate plus indegree x ``rate``."""
    loads = {}
    for prj in projections:
        if prj.is_drive:
            hz = np.mean([syn.drive_rate for syn in prj._drives]) if prj._drives else 0.0
        else:
            hz = prj.size(gather=True) / prj.post.size * rate
        key = (prj.post.label, prj.receptor_type)
        loads[key] = loads.get(key, 0.0) + hz * timestep / 1000.0
    return loads


def weight_factors(projections):
    """[factor per projection] of the variant's weight correction (``peak``, ``load=R``; else 1)."""
    v = _variant()
    if v.peak:
        from pynn_hpc.backends.spinnaker.neuron_numerics import ALPHA_NORMALISATION
        return [ALPHA_NORMALISATION] * len(projections)
    if v.load_rate is None:
        return [1.0] * len(projections)
    from pynn_hpc.backends.spinnaker.neuron_numerics import correction
    loads = expected_loads(projections, v.load_rate, _state["timestep"])
    factors = {key: correction(load) if load > 0 else 1.0 for key, load in loads.items()}
    _state["load_correction"] = {f"{label} {receptor}": {"spikes_per_step": loads[label, receptor],
                                                         "factor": f}
                                 for (label, receptor), f in factors.items()}
    return [factors[prj.post.label, prj.receptor_type] for prj in projections]


def _local_weights(prj):
    """The stored weights (nA) of ``prj``'s connections on this process, drive or matrix."""
    return prj.stored_weights()


def _map_weights(prj, fn):
    """Replace every local weight w of ``prj`` by fn(w) (an array function)."""
    if prj.is_drive:
        new = fn(np.array([syn.drive_weight for syn in prj._drives], dtype=float))
        for syn, w in zip(prj._drives, new):
            syn.drive_weight = float(w)
        return
    for m in prj._matrices:
        vec = h.Vector()
        m.get_weights(vec)
        w = fn(vec.as_numpy().copy())
        m.set_weights(h.Vector(np.arange(len(w), dtype=float)), h.Vector(w))


def rounded(weights, scale):
    """``weights`` (nA) as sPyNNaker stores them at ``scale``: sign x stored_weight x LSB."""
    weights = np.asarray(weights, dtype=float)
    if weights.size > 1 and np.all(weights == weights.flat[0]):     # uniform (the model's): no sort
        return np.full(weights.shape, rounded(weights.flat[:1], scale)[0])
    values, where = np.unique(weights, return_inverse=True)
    stored = np.array([_fixedpoint().stored_weight(w, scale) for w in values], dtype=float)
    return (np.sign(values) * stored * scale.lsb)[where].reshape(weights.shape)


def _weight_scales(projections):
    """{post population label: {receptor: WeightScale}} from the weights each receives (under
    MPI: on this process; the same on every process for the model's uniform weights)."""
    incoming = {}
    for prj in projections:
        w = np.abs(_local_weights(prj))
        w = w[w > 0]
        if w.size:
            receptors = incoming.setdefault(prj.post.label, {})
            receptors.setdefault(prj.receptor_type, []).extend([w.min(), w.max()])
    return {label: _fixedpoint().scales_from_weights(weights)
            for label, weights in incoming.items()}


def target_seeds(seed, label, n):
    """Non-zero 32-bit seeds of the stochastic rounding, one per postsynaptic neuron."""
    seeds = np.random.SeedSequence([int(seed), zlib.crc32(label.encode())]).generate_state(
        n, np.uint32)
    return np.where(seeds == 0, 1, seeds).astype(float)


def fixed_point_rule(matrix, rule, delay, scale, seeds, timestep, rounding):
    """Make a built plastic SynapticMatrix run SpiNNaker's fixed-point rule from now on
    (``nmodl/SpiNNakerPairRule.mod``, attached through the matrix's rule hook)."""
    fp = _fixedpoint()
    words = fp.parameter_words(rule["A_plus"], rule["A_minus"], rule["mu"], rule["w0"])
    settings = [timestep, float(np.rint(delay / timestep)), scale.shift, fp.ROUNDING[rounding]]
    h.SpiNNakerPairRule(matrix.get_segment()).attach(
        matrix.handle, h.Vector(settings), h.Vector([float(w) for w in words]),
        h.Vector(fp.exp_lut(rule["tau_plus"], timestep).astype(float)),
        h.Vector(fp.exp_lut(rule["tau_minus"], timestep).astype(float)), h.Vector(seeds))


def _prepare():
    """Apply the variant's numerics to every projection made since setup (module doc)."""
    _state["prepared"] = True
    v = _variant()
    projections = [p for p in _projections if isinstance(p, Projection)]
    for prj, factor in zip(projections, weight_factors(projections)):
        prj._weight_factor, prj._stored_units = factor, True
        if factor != 1.0:                   # the weights and the rule's w0 in stored units
            _map_weights(prj, lambda w: w * factor)
            prj._store_w0()
    cells = v.on("alpha") or v.on("lif")
    if not (v.on("weights") or v.on("stdp") or cells):
        return
    scales = _weight_scales(projections)
    _state["scales"] = scales
    if cells:                               # the ring buffers' shifts: the same scales
        for pop in {prj.post for prj in projections}:
            s = scales.get(pop.label, {})
            pop.set(**{f"shift_{r[0].upper()}": s[r].shift for r in ("excitatory", "inhibitory")
                       if r in s})
    for prj in projections:
        scale = scales.get(prj.post.label, {}).get(prj.receptor_type)
        if scale is None:
            continue                        # no connection here (MPI) or all weights 0
        if v.on("weights") or (v.on("stdp") and prj._plastic):
            prj._weight_scale = scale
            _map_weights(prj, lambda w: rounded(w, scale))
        if v.on("stdp") and prj._plastic:
            prj._fixed_point = True
            seeds = target_seeds(_state["seed"], prj.label or "", prj.post.size)
            for m, posts in zip(prj._matrices, prj._matrix_posts):
                fixed_point_rule(m, prj.stored_rule(), prj._delay, scale, seeds[posts],
                                 _state["timestep"], v.rounding)


def port_report(projections, d=None):
    """What was emulated: the variant and the weight scale of every receptor (port.json)."""
    v = _variant()
    scales = {label: {r: s.as_dict() for r, s in by_receptor.items()}
              for label, by_receptor in _state["scales"].items()}
    factors = {name: prj._weight_factor for name, prj in _named(projections).items()
               if isinstance(prj, Projection)}
    lines = [f"{NAME}: NEURON with SpiNNaker's numerics: "
             + (", ".join(v.deviations) or "none")
             + (f" (write-back rounding {v.rounding})" if v.on("stdp") else "")
             + (", weights and w0 stored x e tau_syn (read back in the given units)"
                if v.peak else "")
             + (", the alpha synapse replaced by c/alpha_exact_synapse.h" if v.exact_alpha
                else "")]
    for key, c in _state["load_correction"].items():
        lines.append(f"  {key}: weights x {c['factor']:.3f} (load {c['spikes_per_step']:.2f} "
                     f"spikes per step at {v.load_rate:g} Hz)")
    for label, by_receptor in _state["scales"].items():
        lines.append(f"  {label}: " + ", ".join(
            f"{r} LSB {s.lsb * 1000:.4g} pA (max {s.max_weight:.4g} nA)"
            for r, s in by_receptor.items()))
    return {"backend": NAME, "spinnaker_numerics": v.as_dict(), "weight_scales": scales,
            "load_correction": _state["load_correction"], "weight_factor": factors,
            "summary": lines}


def _named(projections):
    """{name: Projection} from such a dict (the network's: EE, EI, ...) or from a sequence."""
    return dict(projections) if isinstance(projections, dict) else \
        {prj.label: prj for prj in projections}


# -- one synapse --------------------------------------------------------------------------------

def replay_weight_lsb():
    """nA: the resolution of the replayed weights (None when nothing is quantised)."""
    v = _variant()
    return _fixedpoint().weight_scales()["excitatory"].lsb if v.on("weights") or v.on("stdp") \
        else None


def replay(pre_times, post_times, synapse_type, timestep):
    """The NEURON backend's replay, with the fixed-point rule (``stdp``) at the excitatory LSB of
    the seed's network and seed 1, as the SpiNNaker backend's replay (the same numbers, bit for
    bit); ``weights`` alone rounds the initial weight there."""
    v = _variant()

    def emulate(matrix, delay):
        if not (v.on("weights") or v.on("stdp")):
            return
        fp = _fixedpoint()
        scale = fp.weight_scales()["excitatory"]
        vec = h.Vector()
        matrix.get_weights(vec)
        w = rounded(vec.as_numpy().copy(), scale)
        matrix.set_weights(h.Vector(np.arange(len(w), dtype=float)), h.Vector(w))
        if v.on("stdp"):
            fixed_point_rule(matrix, _synapses.rule_parameters(synapse_type), delay, scale,
                             [1.0], timestep, v.rounding)

    return _neuron_replay(pre_times, post_times, synapse_type, timestep, emulate=emulate)
