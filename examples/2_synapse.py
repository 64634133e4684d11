"""One power-law STDP synapse on every simulator, beside the reference
===================================================================

One synapse of the network's E->E rule, on every installed simulator::

    python examples/2_synapse.py                                   # -> synapse.png (+ .json)
    python examples/2_synapse.py --backends nest neuron --pre pre.txt --post post.txt

Left: the weight after each presynaptic spike when the synapse is driven by given pre- and
postsynaptic spike trains (default: independent 20 Hz Poisson trains), on each simulator
and from the independent plain-Python reference (``pynn_hpc/reference.py``).  Right: the STDP
window, measured from the simulators: isolated pre/post pairs at several lags, the weight
change of each (dots), against the reference (line).

The rule's equations are in ``pynn_hpc/standardmodels.py`` (and on the figure); dt is
t_post + d - t_pre, the postsynaptic spike as the synapse sees it, after the dendritic delay
d = 1.5 ms: potentiation for dt > 0, depression for dt < 0.

Points to make in class: potentiation grows like w^0.4 and depression like w, so the weight
settles where they balance, without an upper bound; the window is asymmetric (at w = JE a
pair potentiates by up to 0.46 pA and depresses by up to 0.23 pA, but depression reaches
twice as far: tau_minus 30 ms, tau_plus 15 ms); coincident spikes (dt = 0) do nothing;
SpiNNaker keeps weights in 16-bit words (1 LSB = 0.244 pA at the network's scale) and rounds
each update stochastically: a pair changes its weight by a whole number of LSBs, right on
average, and the trajectory wanders a few LSBs away from the reference.
"""
import argparse
import json
import sys

import numpy as np

from pynn_hpc import backends, parameters as P, replay
from pynn_hpc.analysis import run_figure
from pynn_hpc.errors import ParameterError

#: dt = t_post + d - t_pre of the pairs (ms)
LAGS = (-80, -60, -45, -30, -20, -15, -10, -6, -3, -1, 0, 1, 3, 6, 10, 15, 20, 30, 45, 60, 80)
PAIR_EVERY = 1000.0     # ms between pairs: traces (15 and 30 ms) decay to < 1e-6 in between
READ_AFTER = 500.0      # a second presynaptic spike reads the weight out (NEST applies
                        # potentiation at the next presynaptic spike)


def pair_trains(lags=LAGS, delay=P.NETWORK["delay"]):
    """Pre and post trains of isolated pairs, one per lag; a read-out spike before the first
    pair and after each (the weight as stored, e.g. JE rounded to SpiNNaker's 16 bits)."""
    pre, post = [100.0], []
    for k, lag in enumerate(lags):
        t = 100.0 + PAIR_EVERY * (k + 1)
        pre += [t, t + READ_AFTER]
        post.append(t + lag - delay)        # seen at the synapse at t + lag
    return np.round(pre, 1), np.round(post, 1)


def window(weights):
    """Weight change of each pair (pA) from the weights after every presynaptic spike (nA)."""
    read = np.asarray(weights, dtype=float)[0::2]
    return np.diff(read) * 1000.0


def installed(names=None):
    """The backends that load here (all known ones by default), saying why others do not."""
    found = {}
    for name in names or backends.names():
        try:
            found[name] = backends.load(name)
        except backends.BackendUnavailable as err:
            print(f"{name}: left out ({err})")
    return found


def replay_all(sims, pre, post, delay):
    """replay.replay on every backend; a backend that cannot (no C compiler) is left out."""
    runs = {}
    for name, sim in sims.items():
        try:
            runs[name] = replay.replay(sim, pre, post, delay=delay)
        except (ParameterError, NotImplementedError, backends.BackendUnavailable) as err:
            print(f"{name}: left out ({err})")
    return runs


# %%
# The command line: which backends, which trains (files of spike times, or Poisson trains),
# and the figure's file.  It prints the STDP window as a table and writes the numbers beside
# the figure as JSON.

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", nargs="+", help="default: every installed backend")
    parser.add_argument("--pre", help="file of presynaptic spike times (ms)")
    parser.add_argument("--post", help="file of postsynaptic spike times (ms)")
    parser.add_argument("--rate", type=float, default=20.0, help="Poisson trains (Hz)")
    parser.add_argument("--duration", type=float, default=3000.0, help="Poisson trains (ms)")
    parser.add_argument("--seed", type=int, default=1, help="of the Poisson trains")
    parser.add_argument("--output", default="synapse.png", help="figure (default: %(default)s); "
                        "the numbers go beside it as .json")
    args = parser.parse_args(argv)
    delay = P.NETWORK["delay"]
    try:
        output, _ = run_figure.check_output(args.output)
        if (args.pre is None) != (args.post is None):
            raise ValueError("give both --pre and --post, or neither (Poisson trains)")
        if args.pre is not None:
            pre, post = replay.read_times(args.pre), replay.read_times(args.post)
        else:
            pre, post = replay.poisson_trains(args.rate, args.duration, args.seed)
        pre, post = replay.check_times(pre, "--pre"), replay.check_times(post, "--post")
        unknown = [n for n in args.backends or [] if n not in backends.BACKENDS]
        if unknown:
            raise ValueError(f"unknown backend '{unknown[0]}': choose from "
                             f"{', '.join(backends.BACKENDS)}")
    except ValueError as err:
        parser.error(str(err))
    sims = installed(args.backends)

    # 1. the given trains through one synapse on each simulator (pynn_hpc.replay)
    runs = replay_all(sims, pre, post, delay)
    if not runs:
        sys.exit("2_synapse.py: error: no backend could replay the synapse")
    reference = next(iter(runs.values()))["reference"]

    # 2. the STDP window: isolated pairs, one per lag
    pair_pre, pair_post = pair_trains(LAGS, delay)
    pairs = replay_all({n: sims[n] for n in runs}, pair_pre, pair_post, delay)
    measured = {name: window(r["weights"]) for name, r in pairs.items()}
    expected = window(next(iter(pairs.values()))["reference"])

    summary = {"lags_ms": list(LAGS), "window_reference_pA": expected.tolist(),
               "window_pA": {n: v.tolist() for n, v in measured.items()},
               "lsb_pA": {n: (r["lsb"] * 1000 if r["lsb"] else None) for n, r in runs.items()},
               "trajectory_max_abs_diff_pA": {
                   n: float(np.max(np.abs(np.asarray(r["weights"]) - reference)) * 1000)
                   if len(reference) else 0.0 for n, r in runs.items()}}
    print(f"{len(pre)} pre and {len(post)} post spikes; largest difference to the reference: "
          + ", ".join(f"{n} {d:.2g} pA" for n, d in summary["trajectory_max_abs_diff_pA"].items()))
    print("STDP window, weight change per pair (pA):")
    print("  dt (ms)  reference  " + "  ".join(f"{n:>9s}" for n in measured))
    for i, lag in enumerate(LAGS):
        print(f"  {lag:7g}  {expected[i]:9.4f}  "
              + "  ".join(f"{measured[n][i]:9.4f}" for n in measured))

    figure(runs, reference, measured, expected, len(pre), len(post)).savefig(output, dpi=100)
    output.with_suffix(".json").write_text(json.dumps(summary, indent=1) + "\n")
    print(f"written: {output}, {output.with_suffix('.json')}")


def figure(runs, reference, measured, expected, n_pre, n_post):
    import matplotlib.pyplot as plt           # run_figure has chosen the Agg backend
    from pynn_hpc.analysis.plots import REFERENCE_RULE, backend_colours, legend_below
    colours = backend_colours(list(runs))     # each simulator's colour in every figure
    markers = {name: "o^sDv<>ph"[k % 9] for k, name in enumerate(runs)}
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.4), width_ratios=[1.4, 1],
                                      layout="constrained")
    t = next(iter(runs.values()))["times"]
    handles = left.step(t, np.asarray(reference) * 1000, where="post", color=REFERENCE_RULE,
                        lw=4)
    labels = ["reference (plain Python)"]
    for name, r in runs.items():
        lsb = f", 1 LSB = {r['lsb'] * 1000:.3g} pA" if r["lsb"] else ""
        handles += left.plot(r["times"], np.asarray(r["weights"]) * 1000, markers[name], ms=4,
                             mfc="none", color=colours[name])
        labels.append(f"{name}{lsb}")
    left.set_xlabel("time of the presynaptic spike (ms)")
    left.set_ylabel("weight after it (pA)")
    left.set_title(f"one synapse, {n_pre} pre and {n_post} post spikes", fontsize=10)

    right.axhline(0, color="k", lw=0.5)
    right.axvline(0, color="k", lw=0.5)
    right.plot(LAGS, expected, "-", color=REFERENCE_RULE, lw=3)
    for name, dw in measured.items():
        right.plot(LAGS, dw, markers[name], mfc="none", color=colours[name])
    right.set_xlabel("dt = t_post + d - t_pre (ms)")
    right.set_ylabel("weight change of one pair (pA)")
    right.set_title("STDP window, one pair at w = JE = 45.6 pA\n"
                    r"$\Delta w = +\lambda\, w_0^{1-\mu} w^{\mu}\, e^{-dt/\tau_+}$ (dt > 0),  "
                    r"$\Delta w = -\lambda \alpha\, w\, e^{dt/\tau_-}$ (dt < 0)", fontsize=10)
    # one legend for both panels, under them: the same markers and colours left and right
    legend_below(fig, handles, labels)
    return fig


if __name__ == "__main__":
    main()
