"""SpiNNaker's fixed point for this model: weight scales, parameter words, the compiled rule.

sPyNNaker 7.4.1 stores a weight as 16 bits whose LSB is ``2^shift / 2^15`` nA,
with one ring-buffer left shift per receptor (excitatory, inhibitory); read into
s16.15 (``accum``, nA) the weight is ``stored << shift``.  sPyNNaker derives the
shift from ``max_expected_summed_weight`` (a Population parameter, nA):
``shift = ceil(log2(w))``, one more when ``2^shift <= w``
(``PopulationVertex.get_ring_buffer_shifts``).

:func:`weight_scales` chooses, per receptor, the largest shift whose LSB is at
most ``LSB_FRACTION`` (1 %) of the smallest weight the network puts on that
receptor, and checks that ``HEADROOM`` (10) times its largest weight still fits
16 bits; ``max_expected_summed_weight`` is then ``0.75 * 2^shift`` (any value in
(2^(shift-1), 2^shift) gives that shift).  The seed's network (scale 1, full
indegree): excitatory shift 3 (LSB 0.244 pA = 0.54 % of JE, 16 nA largest),
inhibitory shift 6 (1.95 pA, 128 nA).

:func:`parameter_words` are the three 32-bit words per receptor that the weight
dependence writes (``weight_power_law_impl.c`` reads them); :func:`exp_lut` the
decay tables sPyNNaker's pair rule writes; :func:`rule_library` the host build
of ``c/host/replay.c`` around ``c/power_law_rule.h`` (the code the SpiNNaker
binary runs), compiled on first use into

    $PYNN_HPC_SPINNAKER_DIR  or  ${XDG_CACHE_HOME:-~/.cache}/pynn_hpc/spinnaker_rule/plrule-<hash>/

Numbers that do not fit a format raise :class:`pynn_hpc.errors.ParameterError`
naming the parameter and the representable range.
"""
import ctypes
import math
from dataclasses import dataclass

import numpy as np

from pynn_hpc.errors import ParameterError

from . import hostbuild
from .hostbuild import RuleBuildError  # noqa: F401  (callers catch it here)

S1615_ONE = 1 << 15
#: fractional bits of sPyNNaker's STDP traces (stdp_typedefs.h STDP_FIXED_POINT)
STDP_FIXED_POINT = 11
#: the LSB of a receptor is at most this fraction of its smallest weight
LSB_FRACTION = 0.01
#: the largest weight on a receptor times this must fit 16 bits
HEADROOM = 10.0
#: 32-bit words per receptor written by the weight dependence
N_PARAMETER_WORDS = 3
#: write-back rounding modes of the compiled rule (power_law_rule.h)
ROUNDING = {"truncate": 0, "nearest": 1, "stochastic": 2}
#: the rounding the SpiNNaker binary uses (weight_power_law_impl.h PL_WRITE_ROUNDING)
BINARY_ROUNDING = "stochastic"


# ---------------------------------------------------------------- formats

def to_s1615(value, name="value"):
    """``value`` as an s16.15 word (int, rounded to nearest), or ParameterError."""
    word = int(round(float(value) * S1615_ONE))
    if not -(1 << 31) <= word < (1 << 31):
        raise ParameterError(f"{name} = {value:g} does not fit S1615: representable "
                             f"{-(1 << 16):g} <= {name} < {(1 << 16) - 1 / S1615_ONE:.6g}")
    return word


def from_s1615(word):
    return np.asarray(word, dtype=float) / S1615_ONE


def lsb(shift):
    """nA of one stored weight unit at ring-buffer left shift ``shift``."""
    return 2.0 ** shift / S1615_ONE


def spynnaker_shift(max_expected_summed_weight):
    """The ring-buffer left shift sPyNNaker 7.4.1 derives from a max_expected_summed_weight (nA)."""
    w = float(max_expected_summed_weight)
    power = 0 if w <= 0 else int(math.ceil(max(0.0, math.log2(w))))
    return power + 1 if 2 ** power <= w else power


@dataclass(frozen=True)
class WeightScale:
    """The fixed point of one receptor."""
    receptor: str
    shift: int                         # ring-buffer left shift
    lsb: float                         # nA per stored unit
    max_weight: float                  # nA, 0xffff units
    max_expected_summed_weight: float  # nA, to give sPyNNaker so that it picks ``shift``
    smallest_weight: float             # nA, the smallest weight on this receptor
    largest_weight: float              # nA, the largest initial weight on this receptor

    def as_dict(self):
        return dict(self.__dict__, lsb_pA=self.lsb * 1000, max_weight_nA=self.max_weight,
                    lsb_fraction_of_smallest=self.lsb / self.smallest_weight)


def choose_shift(receptor, smallest, largest, fraction=LSB_FRACTION, headroom=HEADROOM):
    """The largest shift with LSB <= fraction * smallest whose 16 bits hold headroom * largest."""
    smallest, largest = abs(float(smallest)), abs(float(largest))
    if not smallest > 0:
        raise ParameterError(f"{receptor} weights must be non-zero to set a fixed-point scale")
    shift = math.floor(math.log2(fraction * smallest * S1615_ONE))
    if shift < 0:
        raise ParameterError(
            f"{receptor} weight {smallest * 1000:g} pA is below the SpiNNaker resolution: the "
            f"finest LSB is {lsb(0) * 1000:.4g} pA, so weights must be >= {lsb(0) / fraction * 1000:.4g} pA")
    shift = min(shift, 16)
    if 0xffff * lsb(shift) < headroom * largest:
        raise ParameterError(
            f"{receptor} weights from {smallest * 1000:g} to {largest * 1000:g} pA do not fit 16 bits "
            f"with an LSB <= {fraction:.0%} of the smallest and room for {headroom:g}x the largest "
            f"(representable up to {0xffff * lsb(shift):g} nA at LSB {lsb(shift) * 1000:.4g} pA)")
    return shift


def scales_from_weights(weights, fraction=LSB_FRACTION, headroom=HEADROOM):
    """{receptor: WeightScale} for the weights (nA, any sign) each receptor receives."""
    out = {}
    for receptor, ws in weights.items():
        ws = [abs(float(w)) for w in ws]
        shift = choose_shift(receptor, min(ws), max(ws), fraction, headroom)
        summed = 0.75 * 2.0 ** shift
        assert spynnaker_shift(summed) == shift
        out[receptor] = WeightScale(receptor, shift, lsb(shift), 0xffff * lsb(shift), summed,
                                    min(ws), max(ws))
    return out


def weight_scales(d=None, fraction=LSB_FRACTION, headroom=HEADROOM):
    """{"excitatory": WeightScale, "inhibitory": WeightScale} for network ``d`` (pynn_hpc.derived;
    default: the seed's, scale 1 at full indegree)."""
    if d is None:
        from pynn_hpc.derived import derive
        d = derive(1)
    return scales_from_weights({"excitatory": [d.JE, d.J_drive], "inhibitory": [d.JI]},
                               fraction, headroom)


def largest_weight(d=None):
    """nA: the largest weight an excitatory synapse of network ``d`` can hold (16 bits)."""
    return weight_scales(d)["excitatory"].max_weight


def max_expected_summed_weight(d, fraction=LSB_FRACTION, headroom=HEADROOM):
    """[excitatory, inhibitory] in nA: the Population parameter that gives :func:`weight_scales`."""
    s = weight_scales(d, fraction, headroom)
    return [s["excitatory"].max_expected_summed_weight, s["inhibitory"].max_expected_summed_weight]


def stored_weight(weight, scale):
    """A weight in nA as sPyNNaker stores it: ``rint(|w| / LSB)``, checked against 16 bits."""
    units = int(np.rint(abs(float(weight)) / scale.lsb))
    if units > 0xffff:
        raise ParameterError(f"weight {weight:g} nA exceeds the {scale.receptor} receptor's "
                             f"largest representable weight {scale.max_weight:g} nA")
    return units


# ---------------------------------------------------------------- the rule's words

def parameter_words(a_plus, a_minus, mu, w0, weight_scale=None, global_weight_scale=1.0):
    """The weight dependence's SDRAM words for one receptor: N_PARAMETER_WORDS uint32 values.

    ``a_minus`` = A_minus as unsigned 0.31, ``mu`` as 2.30, and
    ``log2_c`` = log2(A_plus) + (1 - mu) log2(w0 global_weight_scale) + 15 (1 - mu) as s15.16:
    the potentiation in raw s16.15 units is 2^(mu log2(w_raw) + log2_c) r1
    (``c/power_law_rule.h``).  S1615 would leave A_minus 0.06 % and w0^(1-mu)
    0.4 % off at the seed's values, moving the rule's fixed point; these formats
    keep every word within 1e-5.  A_plus = 0 gives log2_c = INT32_MIN (no potentiation).

    The rule works on s16.15 nA whatever the receptor's ring-buffer shift (the C
    shifts the stored weight itself), so the words do not depend on
    ``weight_scale`` (sPyNNaker's per-receptor units per nA); it is checked to be
    one of the scales sPyNNaker can use (2^(15 - shift), shift 0..16).
    """
    A_plus, A_minus, mu, w0 = (float(x) for x in (a_plus, a_minus, mu, w0))
    if weight_scale is not None:
        shift = 15 - math.log2(float(weight_scale))
        if not (shift == int(shift) and 0 <= shift <= 16):
            raise ParameterError(f"weight scale {weight_scale:g} per nA is not 2^(15 - shift) "
                                 "with a ring-buffer shift of 0 to 16")
    if not 0 <= A_minus < 1:
        raise ParameterError(f"A_minus (lambda alpha) = {A_minus:g} does not fit unsigned 0.31: "
                             "representable 0 <= A_minus < 1")
    if not 0 <= mu <= 1:
        raise ParameterError(f"mu = {mu:g} does not fit 2.30 as the rule needs it: "
                             "representable 0 <= mu <= 1")
    if not A_plus >= 0:
        raise ParameterError(f"A_plus (lambda) = {A_plus:g} must be >= 0")
    w0s = w0 * float(global_weight_scale)
    if not w0s > 0:
        raise ParameterError(f"w0 = {w0:g} nA must be > 0")
    a_minus_word = min(int(round(A_minus * 2.0 ** 31)), (1 << 31) - 1)
    mu_word = int(round(mu * 2.0 ** 30))
    if A_plus == 0:
        log2_c = -(1 << 31)
    else:
        c = math.log2(A_plus) + (1 - mu) * math.log2(w0s) + 15 * (1 - mu)
        log2_c = int(round(c * 65536))
        if not -(1 << 31) < log2_c < (1 << 31):
            raise ParameterError(
                f"A_plus w0^(1-mu) = {A_plus * w0s ** (1 - mu):g} does not fit: its log2 plus "
                f"15 (1 - mu) must lie within +-32767 (got {c:g})")
    return [w & 0xffffffff for w in (a_minus_word, mu_word, log2_c)]


def exp_lut(tau, timestep):
    """sPyNNaker's decay table (``get_exp_lut_array``): floor(exp(-k dt / tau) 2^11), even length."""
    l_ambda = timestep / float(tau)
    size = math.log(1 << STDP_FIXED_POINT) / l_ambda
    size, extra = divmod(size, 2)
    size = (int(size) + (extra > 0)) * 2
    return np.floor(np.exp(np.arange(size) * -l_ambda) * (1 << STDP_FIXED_POINT)).astype(np.int16)


# ---------------------------------------------------------------- the host build

SOURCES = ("power_law_rule.h", "host/pair_rule.h", "host/replay.c")

_LIBRARY = None


def rule_library():
    """The compiled host replay (ctypes CDLL), built on first use, once per source version."""
    global _LIBRARY
    if _LIBRARY is not None:
        return _LIBRARY
    lib = hostbuild.load("plrule", SOURCES, "the SpiNNaker fixed-point rule")
    u32p, i32p, i16p = (np.ctypeslib.ndpointer(t, flags="C_CONTIGUOUS")
                        for t in (np.uint32, np.int32, np.int16))
    u32 = ctypes.c_uint32
    lib.pl_replay.argtypes = [u32p, u32, u32p, u32, u32, u32, u32, i32p, i16p, u32, i16p, u32,
                              u32, u32, u32p, u32p]
    lib.pl_replay.restype = ctypes.c_int
    for name in ("pl_host_potentiate", "pl_host_depress"):
        getattr(lib, name).argtypes = [ctypes.c_int32, ctypes.c_int32, i32p]
        getattr(lib, name).restype = ctypes.c_int32
    _LIBRARY = lib
    return lib


def _words(words):
    return np.asarray(words[:N_PARAMETER_WORDS], dtype=np.uint32).view(np.int32)


def potentiate(w_raw, r1, words):
    """One potentiation as the binary computes it: raw s16.15 weight, trace r1 in 4.11."""
    return int(rule_library().pl_host_potentiate(int(w_raw), int(r1), _words(words)))


def depress(w_raw, o1, words):
    """One depression as the binary computes it: raw s16.15 weight, trace o1 in 4.11."""
    return int(rule_library().pl_host_depress(int(w_raw), int(o1), _words(words)))


def run_rule(pre_steps, post_steps, delay_steps, w_init, shift, words, lut_plus, lut_minus,
             rounding=BINARY_ROUNDING, seed=1):
    """Stored 16-bit weight after each presynaptic spike, and posts lost to the 16-event history.

    Times in steps (increasing integers), ``w_init`` in stored units, ``words``
    from :func:`parameter_words` (one synapse type).
    """
    lib = rule_library()
    pre = np.ascontiguousarray(pre_steps, dtype=np.uint32)
    post = np.ascontiguousarray(post_steps, dtype=np.uint32)
    out = np.zeros(pre.size, dtype=np.uint32)
    stats = np.zeros(1, dtype=np.uint32)
    lp = np.ascontiguousarray(lut_plus, dtype=np.int16)
    lm = np.ascontiguousarray(lut_minus, dtype=np.int16)
    rc = lib.pl_replay(pre, pre.size, post, post.size, int(delay_steps), int(w_init), int(shift),
                       _words(words),
                       lp, lp.size, lm, lm.size, ROUNDING[rounding], int(seed) & 0xffffffff,
                       out, stats)
    if rc != 0:
        raise ParameterError(f"the fixed-point replay refused its arguments (delay {delay_steps} "
                             f"steps must be >= 1, initial weight {w_init} <= 65535, shift {shift} <= 16)")
    return out, int(stats[0])
