"""SpiNNaker's neuron-side numerics for one IF_curr_alpha neuron, compiled from the C the binary would run.

``c/alpha_synapse.h`` (sPyNNaker 7.4.1's ``synapse_types_alpha_impl.h``) and
``c/lif_neuron.h`` (``neuron_model_lif_impl.h``) on raw s16.15 bits, stepped
by ``c/host/neuron.c`` as ``neuron_impl_standard.h`` steps a neuron at dt
0.1 ms; built on first use (:mod:`.hostbuild`).

:func:`run` takes the stored weight units arriving per step on each receptor
(:func:`units`: spike counts times ``rint(|w| / LSB)`` at the receptor's
ring-buffer shift from :func:`fixedpoint.weight_scales`) and returns V_m,
the current the membrane used, and the spike steps.  ``current=`` bypasses the
synapses (the membrane update alone).  ``weight_factor`` in :func:`units`
is the porting user's correction: ``ALPHA_NORMALISATION`` = e tau_syn (ms)
turns sPyNNaker's unit-area alpha into PyNN's unit-peak one.

What the numbers show is in the docs ("Porting to SpiNNaker" and its measurements)
and tests/test_spinnaker_numerics.py.
"""
import ctypes
import math
from dataclasses import dataclass

import numpy as np

from pynn_hpc import parameters as P
from pynn_hpc.errors import ParameterError

from . import hostbuild
from .fixedpoint import S1615_ONE, stored_weight, to_s1615

SOURCES = ("s1615.h", "alpha_synapse.h", "alpha_exact_synapse.h", "lif_neuron.h", "host/neuron.c")
#: the parameter words neuron.c reads, in its order
WORDS = ("timestep", "v_init", "v_rest", "cm", "tau_m", "i_offset", "v_reset", "tau_refrac",
         "v_thresh", "tau_syn_E", "tau_syn_I")
#: ms: sPyNNaker's alpha current has unit area per nA of weight, PyNN's peaks at the weight
ALPHA_NORMALISATION = math.e * P.NEURON["tau_syn_E"]
#: mV: a threshold the free membrane never reaches (s16.15 holds up to 65535)
UNREACHABLE = 30000.0


_LIBRARY = None


def library():
    """The compiled host harness (ctypes CDLL), built on first use, once per source version."""
    global _LIBRARY
    if _LIBRARY is not None:
        return _LIBRARY
    lib = hostbuild.load("neuron", SOURCES, "the SpiNNaker neuron numerics", libs=("-lm",))
    u32p, i32p, u8p = (np.ctypeslib.ndpointer(t, flags="C_CONTIGUOUS")
                       for t in (np.uint32, np.int32, np.uint8))
    lib.nn_constants.argtypes = [i32p, i32p]
    lib.nn_constants.restype = None
    lib.nn_run.argtypes = [ctypes.c_uint32, u32p, u32p, ctypes.c_uint32, ctypes.c_uint32, i32p,
                           ctypes.c_void_p, i32p, i32p, u8p, ctypes.c_uint32]
    lib.nn_run.restype = ctypes.c_int
    _LIBRARY = lib
    return lib


def parameter_words(dt=0.1, v_init=None, v_thresh=None, neuron=None):
    """The S1615 words sPyNNaker writes for IF_curr_alpha (``WORDS`` order), the model's values by default."""
    n = dict(P.NEURON if neuron is None else neuron)
    n["timestep"] = dt
    n["v_init"] = n["v_rest"] if v_init is None else v_init
    if v_thresh is not None:
        n["v_thresh"] = v_thresh
    return np.array([to_s1615(n[k], k) for k in WORDS], dtype=np.int32)


def constants(words=None):
    """What the neuron core derives at start-up, as numbers: R (MOhm), exp_TC, T_refract (steps),
    and per receptor dt/tau^2 (1/ms) and exp(-dt/tau); plus the raw words."""
    w = parameter_words() if words is None else np.ascontiguousarray(words, dtype=np.int32)
    out = np.zeros(7, dtype=np.int32)
    library().nn_constants(w, out)
    return {"R": out[0] / S1615_ONE, "exp_TC": out[1] / S1615_ONE, "T_refract": int(out[2]),
            "init_E": out[3] / S1615_ONE, "decay_E": int(out[4]) % 2 ** 32 / 2.0 ** 32,
            "init_I": out[5] / S1615_ONE, "decay_I": int(out[6]) % 2 ** 32 / 2.0 ** 32,
            "raw": out.copy()}


def units(counts, weight, scale, weight_factor=1.0):
    """Stored units per step for ``counts`` spikes per step at ``weight`` (nA) on a receptor of
    WeightScale ``scale``; ``weight_factor`` multiplies the weight before it is quantised."""
    per_spike = stored_weight(weight * weight_factor, scale)
    return np.asarray(counts, dtype=np.int64) * per_spike


@dataclass
class Trace:
    v: np.ndarray          # mV after each step's update
    current: np.ndarray    # nA the update used (exc - inh)
    spikes: np.ndarray     # step indices with a spike
    dt: float

    @property
    def rate(self):
        """Hz over the whole run."""
        return self.spikes.size / (self.v.size * self.dt / 1000.0)


def run(exc_units=None, inh_units=None, shifts=(3, 6), words=None, current=None, dt=0.1,
        exact_alpha=False):
    """One neuron for len(exc_units) steps (or len(current) with the synapses bypassed).

    ``exc_units``/``inh_units``: stored weight units arriving per step (ints >= 0);
    ``shifts``: (excitatory, inhibitory) ring-buffer left shifts; ``current``: nA per step;
    ``exact_alpha``: both receptors are ``c/alpha_exact_synapse.h`` (the correction: PyNN's
    alpha current, peak = weight, propagated exactly in fixed point) instead of sPyNNaker's.
    """
    lib = library()
    w = parameter_words(dt) if words is None else np.ascontiguousarray(words, dtype=np.int32)
    if current is not None:
        cur = np.ascontiguousarray(np.rint(np.asarray(current, dtype=float) * S1615_ONE), dtype=np.int32)
        n = cur.size
        exc = inh = np.zeros(n, dtype=np.uint32)
        cur_ptr = cur.ctypes.data
    else:
        exc = np.ascontiguousarray(np.minimum(exc_units, 0xffffffff), dtype=np.uint32)
        n = exc.size
        inh = (np.zeros(n, dtype=np.uint32) if inh_units is None
               else np.ascontiguousarray(np.minimum(inh_units, 0xffffffff), dtype=np.uint32))
        if inh.size != n:
            raise ParameterError(f"excitatory and inhibitory inputs differ in length ({n} and {inh.size})")
        cur_ptr = None
    v = np.zeros(n, dtype=np.int32)
    i = np.zeros(n, dtype=np.int32)
    s = np.zeros(n, dtype=np.uint8)
    rc = lib.nn_run(n, exc, inh, int(shifts[0]), int(shifts[1]), w, cur_ptr, v, i, s,
                    int(bool(exact_alpha)))
    if rc != 0:
        raise ParameterError(f"the neuron harness refused its arguments (shifts {shifts} must be "
                             "<= 16; timestep, cm, tau_m, tau_syn must be > 0)")
    return Trace(v / S1615_ONE, i / S1615_ONE, np.flatnonzero(s), dt)


def mean_current_ratio(spikes_per_step, weight=None, scale=None, steps=200000, seed=1, dt=0.1):
    """Mean current of sPyNNaker's alpha synapse under Poisson input at ``spikes_per_step``, over
    the exact alpha current's mean ``rate weight e tau_syn`` (PyNN's IF_curr_alpha, continuous time).

    The integer model of the board's arithmetic; its float counterpart, which compares with the
    unit-area exact current (without the 1 / (e tau) factor), is ``alpha_current_ratio`` in
    tests/test_spinnaker_numerics.py.  port.json's ``known_differences`` quotes this ratio.
    The synapse is linear in its inputs for a given pattern of non-empty steps, so with
    Poisson input the ratio depends on the load only: :func:`correction` inverts it.
    """
    from .fixedpoint import weight_scales
    if scale is None:
        scale = weight_scales()["excitatory"]
    if weight is None:
        from pynn_hpc.derived import derive
        weight = derive(1).J_drive
    if not spikes_per_step > 0:
        raise ParameterError(f"spikes per step must be > 0 (got {spikes_per_step})")
    counts = np.random.default_rng(seed).poisson(spikes_per_step, steps)
    tr = run(units(counts, weight, scale), shifts=(scale.shift, scale.shift),
             words=parameter_words(dt, v_thresh=UNREACHABLE))
    warm = min(steps // 10, 1000)
    exact = counts[warm:].mean() / dt * stored_weight(weight, scale) * scale.lsb * ALPHA_NORMALISATION
    return float(tr.current[warm:].mean() / exact)


def correction(spikes_per_step, **kwargs):
    """The factor to multiply a receptor's weights by so that sPyNNaker's alpha synapse carries the
    exact mean current at this Poisson load (spikes per step): 1 / :func:`mean_current_ratio`."""
    return 1.0 / mean_current_ratio(spikes_per_step, **kwargs)
