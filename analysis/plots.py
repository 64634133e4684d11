"""Figures a person reads: the distributions of every run, and the distances that judge them.

``comparison_figure`` draws, for each statistic of :mod:`.compare`, the empirical
cumulative distribution of every run (the reference's runs in grey, each other backend
in its own colour), and in the last panel the Kolmogorov-Smirnov distances: between
reference runs (the tolerance is their largest) and between each backend and the
reference (the verdict uses their median).

For the report (:mod:`.report`): ``activity_figure`` (raster, population rate and weights of
one run per backend, drawn by :mod:`.run_figure`), ``weight_figure`` (E->E weights of every
backend), ``timing_figure`` and ``replay_figure`` (from comparison.json's ``timing`` and
``replay``).
"""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .compare import STATISTICS  # noqa: E402


def _ecdf(ax, values, **style):
    x = np.sort(np.asarray(values, dtype=float))
    if len(x):
        ax.step(x, np.arange(1, len(x) + 1) / len(x), where="post", **style)


_VERDICT = {True: "ok", False: "DIFFERS", None: "no verdict"}


def _number(x):
    return "n/a" if x is None else f"{x:.3f}"


def _floats(values):
    """None (undefined) as NaN, which matplotlib leaves out."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def comparison_figure(groups, report, title=""):
    """A matplotlib Figure of ``compare(groups, ...)``'s ``report``."""
    ref = report["reference"]
    others = [b for b in groups if b != ref]
    colours = {b: f"C{k}" for k, b in enumerate(others)}
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5 + 0.4 * len(others)))
    for ax, (stat, (label, per)) in zip(axes.flat, STATISTICS.items()):
        for k, run in enumerate(groups[ref]):
            _ecdf(ax, run["distributions"][stat], color="0.5", lw=2.5, alpha=0.6,
                  label=f"{ref} (reference)" if k == 0 else None)
        for b in others:
            for k, run in enumerate(groups[b]):
                _ecdf(ax, run["distributions"][stat], color=colours[b], lw=1.2,
                      label=b if k == 0 else None)
        entry = report["statistics"][stat]
        verdicts = "\n".join(f"{b}: {_number(entry[b]['median_ks'])} "     # one line each:
                             f"{_VERDICT[entry[b]['agrees']]}" for b in others)   # long names
        ax.set_title(f"{label} (KS tolerance {_number(entry['tolerance_ks'])})\n{verdicts}",
                     fontsize=8)
        ax.set_xlabel(label)
        ax.set_ylabel(f"fraction of {per}s")
        ax.legend(fontsize=8, loc="lower right")
    ax = axes.flat[len(STATISTICS)]
    names = list(STATISTICS)
    for i, stat in enumerate(names):
        entry = report["statistics"][stat]
        ax.plot([i - 0.15] * len(entry["reference_ks"]), _floats(entry["reference_ks"]), "o",
                color="0.5", label=f"{ref} seed vs seed" if i == 0 else None)
        if entry["tolerance_ks"] is not None:
            ax.hlines(entry["tolerance_ks"], i - 0.35, i + 0.35, color="0.3", lw=1)
        for j, b in enumerate(others):
            ax.plot([i + 0.15 + 0.1 * j] * len(entry[b]["ks"]), _floats(entry[b]["ks"]), "x",
                    color=colours[b], label=f"{b} vs {ref}" if i == 0 else None)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel("Kolmogorov-Smirnov distance")
    ax.set_title("distances (bar: tolerance = largest seed-to-seed distance)", fontsize=9)
    ax.legend(fontsize=8)
    axes.flat[-1].axis("off")
    lines = [title] if title else []
    for b in others:
        p = report["false_alarm"][b]
        often = "under 1 %" if p < 0.01 else f"{100 * p:.0f} %"
        verdict = {True: "AGREES with", False: "DIFFERS from",
                   None: "no verdict possible against"}[report["agrees"][b]]
        lines.append(f"{b}: {verdict} {ref} "
                     f"({len(groups[b])} and {len(groups[ref])} runs; an identical simulator\n"
                     f"    is judged different on any statistic at most {often} of the time)")
    lines += [f"not compared: {f['backend']}, seed {f['seed']} failed"
              for f in report.get("failed", [])]
    rule = report.get("test") or report["tolerance"].replace("<=", "\n<=")
    axes.flat[-1].text(0.0, 0.9, "\n".join(lines) + "\n\n" + "verdict: " + rule, va="top",
                       fontsize=9, wrap=True)
    fig.tight_layout()
    return fig


# ---- the report's figures (pynn_hpc.analysis.report) ----

def _colours(names, reference):
    """The reference grey-black, the others C0, C1, ... as in comparison_figure."""
    others = [b for b in names if b != reference]
    return {reference: "0.25", **{b: f"C{k}" for k, b in enumerate(others)}}


def activity_figure(runs, reference, n_raster=100, bin_ms=5.0):
    """One row per backend, one seed each: raster of ``n_raster`` recorded neurons and the
    population rate (left), that run's E->E weights (right), drawn by
    :func:`.run_figure.draw`.  ``runs``: backend -> :func:`.run_figure.load`'s dict."""
    from .run_figure import draw
    fig = plt.figure(figsize=(12, 4.2 * len(runs)))
    grid = fig.add_gridspec(2 * len(runs), 2, width_ratios=[2.2, 1],
                            height_ratios=[2, 1] * len(runs))
    for row, (b, run) in enumerate(runs.items()):
        raster = fig.add_subplot(grid[2 * row, 0])
        axes = (raster, fig.add_subplot(grid[2 * row + 1, 0], sharex=raster),
                fig.add_subplot(grid[2 * row:2 * row + 2, 1]))
        label = f"{b}{' (reference)' if b == reference else ''}, seed {run['results']['seed']}"
        draw(axes, run, n_raster=n_raster, bin_ms=bin_ms, label=label)
    fig.tight_layout()
    return fig


def weight_figure(groups, reference, bins=60):
    """E->E weight histograms (pA) of every backend, each run's sample pooled."""
    colours = _colours(list(groups), reference)
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    pooled = {b: np.concatenate([np.asarray(r["distributions"]["weight"], dtype=float)
                                 for r in runs]) for b, runs in groups.items()}
    values = np.concatenate(list(pooled.values())) if pooled else np.array([])
    edges = np.histogram_bin_edges(values, bins=bins) if values.size else bins
    for b, w in pooled.items():
        ax.hist(w, bins=edges, histtype="step", density=True, lw=1.5, color=colours[b],
                label=f"{b}{' (reference)' if b == reference else ''}: {len(groups[b])} runs, "
                      f"{len(w):,} synapses")
    ax.set_xlabel("E->E weight at the end (pA)")
    ax.set_ylabel("density (1/pA)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def timing_figure(timing):
    """Bars of the phase times and of the peak memory per backend (mean, seed-to-seed sd),
    from comparison.json's ``timing`` section."""
    names = list(timing["backends"])
    colours = _colours(names, timing["reference"])
    phases = ["time_create", "time_connect", "time_presimulate", "time_simulate"]
    fig, (ax, mem) = plt.subplots(1, 2, figsize=(10, 3.6),
                                  gridspec_kw={"width_ratios": [3, 1]})
    width = 0.8 / max(len(names), 1)
    for j, b in enumerate(names):
        e = timing["backends"][b]
        x = np.arange(len(phases)) + (j - (len(names) - 1) / 2) * width
        ax.bar(x, _floats([e[p]["mean"] for p in phases]), width,
               yerr=_floats([e[p]["sd"] for p in phases]), color=colours[b], label=b,
               capsize=3)
        mem.bar(j, _floats([e["peak_rss_mb"]["mean"]]), 0.6,
                yerr=_floats([e["peak_rss_mb"]["sd"]]), color=colours[b], capsize=3)
    ax.set_xticks(range(len(phases)), [timing["fields"][p]["label"] for p in phases])
    ax.set_ylabel("wall-clock time (s)")
    title = "mean and seed-to-seed sd"
    if timing.get("parallel"):
        title += " (runs made side by side: times perturbed)"
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    mem.set_xticks(range(len(names)), names)
    mem.set_ylabel("peak memory (MB)")
    fig.tight_layout()
    return fig


def replay_figure(replay, reference=None):
    """One synapse driven by the same trains on every backend: the weight after each
    presynaptic spike beside the reference rule, and each backend's relative difference from
    it; from comparison.json's ``replay`` section (``reference``: the comparison's, drawn in
    its colour)."""
    fig, (ax, diff) = plt.subplots(2, 1, figsize=(7.5, 5), sharex=True,
                                   gridspec_kw={"height_ratios": [2, 1]})
    pre = np.asarray(replay["pre"], dtype=float)
    ref = np.asarray(replay["reference"], dtype=float)
    ax.plot(pre, ref * 1000, "-", color="C2", lw=4, alpha=0.4, label="reference rule")
    colours = _colours(list(replay["weights"]), reference)
    for k, (b, w) in enumerate(replay["weights"].items()):
        w = np.asarray(w, dtype=float)
        ax.plot(pre, w * 1000, "o-" if k == 0 else "x--", ms=3.5, lw=1, color=colours[b], label=b)
        rel = np.abs(w - ref) / np.maximum(np.abs(ref), 1e-300)
        diff.semilogy(pre, np.where(rel > 0, rel, np.nan), "o" if k == 0 else "x", ms=3.5,
                      color=colours[b], label=f"{b}: largest "
                      f"{replay['max_rel_diff'][b + ' vs reference']:.1e}")
    ax.set_ylabel("weight after the spike (pA)")
    ax.set_title(f"{len(pre)} presynaptic and {len(replay['post'])} postsynaptic spikes, "
                 f"delay {replay['delay']:g} ms", fontsize=9)
    ax.legend(fontsize=8)
    diff.set_xlabel("presynaptic spike time (ms)")
    diff.set_ylabel("|w - reference| / reference")
    diff.legend(fontsize=8)
    fig.tight_layout()
    return fig
