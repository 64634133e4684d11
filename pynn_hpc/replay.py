"""Replay given spike trains through one plastic synapse and compare with the reference.

::

    from pynn_hpc import backends, replay
    r = replay.replay(backends.load("nest"), pre=[10, 20, 30], post=[12, 25], delay=1.5)
    r["weights"], r["reference"]
    replay.compare(["nest", "neuron"], pre, post)     # every backend, the reference, differences

    pynn-hpc replay --pre pre.txt --post post.txt --backends nest neuron --output out
    pynn-hpc replay --rate 20 --duration 2000 --seed 3

Each backend translates "one synapse of this PyNN type between two cells that
fire at exactly these times" into its simulator (``sim.replay``) and reports
the weight right after each presynaptic spike; the same PyNN synapse type and
translation as in the network are used.  A backend whose weights are fixed
point (SpiNNaker) also gives ``sim.replay_weight_lsb()`` (nA), and the
differences with it are reported in LSBs as well as in pA.
"""
import numpy as np

from . import parameters as P
from .derived import derive
from .network import spike_pair_parameters, stdp_synapse
from .reference import power_law_weights
from .seeds import check_seed


#: the latest spike time (ms) and the longest --duration a replay takes: 10^8 time steps of
#: one synapse (NEST about a minute)
MAX_TIME_MS = 1e7
#: the most spikes per train
MAX_SPIKES = 10**6
#: the longest synaptic delay (ms): a simulator's ring buffers grow with it
MAX_DELAY_MS = 100.0
#: the highest --rate (Hz) of generated trains (at most one spike per time step)
MAX_RATE_HZ = 1000.0


def check_times(times, name, timestep=P.RUN["dt"]):
    """Spike times (ms) on the time grid: increasing, from two time steps on, at most
    MAX_TIME_MS and MAX_SPIKES.  Times off the grid are refused, not rounded.

    (A spike source needs one step to emit a spike, so the earliest is at 2 dt.)
    """
    try:
        t = np.asarray(times, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} spike times must be a list of numbers") from None
    if t.ndim != 1 or not np.all(np.isfinite(t)):
        raise ValueError(f"{name} spike times must be a list of finite numbers")
    if t.size > MAX_SPIKES:
        raise ValueError(f"{name} has {t.size:,} spikes: at most {MAX_SPIKES:,} per train")
    if t.size and t.min() < 0:
        raise ValueError(f"{name} spike times must be non-negative (got {t.min():g})")
    if t.size and t.max() > MAX_TIME_MS:
        raise ValueError(f"{name} spike times must be at most {MAX_TIME_MS:g} ms (got "
                         f"{t.max():g}): a replay checks a rule, not hours of activity")
    steps = t / timestep
    off = np.abs(steps - np.round(steps)) > 1e-6 * np.maximum(1.0, steps)
    if np.any(off):
        first = t[np.argmax(off)]
        raise ValueError(f"{name} spike times must be on the {timestep:g} ms time grid: "
                         f"{float(first)!r} is not (use {np.round(first / timestep) * timestep:g})")
    grid = np.round(steps) * timestep
    if np.any(np.diff(grid) <= 0):
        raise ValueError(f"{name} spike times must be strictly increasing, "
                         f"at least one time step ({timestep} ms) apart")
    if grid.size and grid[0] < 2 * timestep - 1e-9:
        raise ValueError(f"{name} spike times must be >= {2 * timestep:g} ms (got {t[0]:g})")
    return grid


def check_delay(delay, timestep=P.RUN["dt"], name="--delay"):
    """The synaptic delay (ms): a whole number of time steps, at least one, at most
    MAX_DELAY_MS."""
    try:
        d = float(delay)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number of ms (got {delay!r})") from None
    steps = d / timestep
    if not np.isfinite(d) or d < timestep - 1e-9 or abs(steps - round(steps)) > 1e-6:
        raise ValueError(f"{name} must be a whole number of time steps ({timestep:g} ms), at "
                         f"least one (got {delay:g} ms)")
    if d > MAX_DELAY_MS:
        raise ValueError(f"{name} must be at most {MAX_DELAY_MS:g} ms (got {delay:g})")
    return round(steps) * timestep


def read_times(path):
    """Spike times from a text file: numbers separated by white space or commas, or a JSON list."""
    try:
        text = open(path).read()
    except OSError as err:
        raise ValueError(f"cannot read spike times from {path}: {err.strerror}") from None
    try:
        return [float(x) for x in text.replace(",", " ").replace("[", " ").replace("]", " ").split()]
    except ValueError:
        raise ValueError(f"{path} is not a list of spike times (numbers in ms)") from None


def requested_trains(pre_file=None, post_file=None, rate=20.0, duration=1000.0, seed=1):
    """The (pre, post) trains ``pynn-hpc replay`` is asked for, checked (:func:`check_times`):
    read from both files, or, with neither, independent Poisson trains; ValueError (one line)
    otherwise."""
    if (pre_file is None) != (post_file is None):
        raise ValueError("give both --pre and --post, or neither (Poisson trains)")
    if pre_file is not None:
        pre, post = read_times(pre_file), read_times(post_file)
    else:
        if not 0 < rate <= MAX_RATE_HZ:
            raise ValueError(f"--rate must lie in (0, {MAX_RATE_HZ:g}] Hz (got {rate:g})")
        if not 0 < duration <= MAX_TIME_MS:
            raise ValueError(f"--duration must lie in (0, {MAX_TIME_MS:g}] ms (got "
                             f"{duration:g}): a replay checks a rule, not hours of activity")
        if rate * duration / 1000.0 > MAX_SPIKES:
            raise ValueError(f"--rate {rate:g} Hz for --duration {duration:g} ms makes about "
                             f"{rate * duration / 1000.0:,.0f} spikes per train: at most "
                             f"{MAX_SPIKES:,}")
        check_seed(seed)
        pre, post = poisson_trains(rate, duration, seed)
    return check_times(pre, "--pre"), check_times(post, "--post")


def poisson_trains(rate, duration, seed, timestep=P.RUN["dt"]):
    """Independent pre and post Poisson trains (Hz, ms) on the time grid, from 2 time steps on."""
    rng = np.random.default_rng(seed)
    steps = np.arange(2, int(round(duration / timestep)))
    p = rate * timestep / 1000.0
    return [steps[rng.random(steps.size) < p] * timestep for _ in range(2)]


def replay(sim, pre, post, delay=P.NETWORK["delay"], weight=None, stdp=P.STDP,
           timestep=P.RUN["dt"]):
    """Weights after each presynaptic spike on backend ``sim`` and from the reference (nA)."""
    pre = check_times(pre, "presynaptic", timestep)
    post = check_times(post, "postsynaptic", timestep)
    delay = check_delay(delay, timestep, "delay")
    weight = derive(1).JE if weight is None else weight
    times, weights, pre_seen, post_seen = sim.replay(
        pre, post, stdp_synapse(sim, weight, delay, stdp), timestep)
    ref = power_law_weights(pre_seen, post_seen, weight, delay, mu=stdp["mu"], w0=stdp["w0"],
                            **spike_pair_parameters(stdp))
    lsb = getattr(sim, "replay_weight_lsb", None)
    return {"times": times, "weights": weights, "reference": ref,
            "pre": pre_seen, "post": post_seen, "lsb": lsb() if lsb is not None else None}


def compare(backend_names, pre, post, delay=P.NETWORK["delay"], weight=None, stdp=P.STDP,
            timestep=P.RUN["dt"], progress=None):
    """Replay on each backend; weights per backend, the reference, and the largest differences.

    ``max_rel_diff`` holds, for each backend and each pair of backends, the largest relative
    difference of the weights after the same presynaptic spike; ``max_abs_diff_pA`` the largest
    absolute one in pA; ``max_diff_lsb`` the latter in LSBs for every comparison involving a
    fixed-point backend (``lsb``: its weight resolution in nA, None for floating point).
    ``progress(text)``, if given, is called before each backend's replay.
    """
    from pynn_hpc import backends
    pre = check_times(pre, "presynaptic", timestep)
    post = check_times(post, "postsynaptic", timestep)
    delay = check_delay(delay, timestep, "delay")
    runs, last = {}, max((float(np.max(t)) for t in (pre, post) if len(t)), default=0.0)
    for k, name in enumerate(backend_names, 1):
        if progress is not None:        # e.g. stopping.note: what a long replay is doing
            progress(f"replay on {name} ({k} of {len(backend_names)}): {len(pre)} pre and "
                     f"{len(post)} post spikes up to {last:g} ms")
        runs[name] = replay(backends.load(name), pre, post, delay, weight, stdp, timestep)
    reference = next(iter(runs.values()))["reference"] if runs else None
    if reference is None:
        weight = derive(1).JE if weight is None else weight
        reference = power_law_weights(pre, post, weight, delay, mu=stdp["mu"], w0=stdp["w0"],
                                      **spike_pair_parameters(stdp))

    def rel(a, b):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return float("inf")
        return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))) if a.size else 0.0

    def absolute(a, b):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return float("inf")
        return float(np.max(np.abs(a - b))) * 1000.0 if a.size else 0.0

    lsb = {n: r["lsb"] for n, r in runs.items()}
    pairs = {f"{n} vs reference": (r["weights"], reference, [n]) for n, r in runs.items()}
    names = list(runs)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            pairs[f"{a} vs {b}"] = (runs[a]["weights"], runs[b]["weights"], [a, b])
    diffs = {k: rel(x, y) for k, (x, y, _) in pairs.items()}
    diffs_pA = {k: absolute(x, y) for k, (x, y, _) in pairs.items()}
    diffs_lsb = {}
    for k, (_, _, involved) in pairs.items():
        resolution = max((lsb[n] for n in involved if lsb[n]), default=None)
        if resolution:
            diffs_lsb[k] = diffs_pA[k] / (resolution * 1000.0)
    return {"pre": pre, "post": post, "delay": delay, "reference": reference,
            "weights": {n: r["weights"] for n, r in runs.items()},
            "times": {n: r["times"] for n, r in runs.items()}, "max_rel_diff": diffs,
            "max_abs_diff_pA": diffs_pA, "max_diff_lsb": diffs_lsb, "lsb": lsb}
