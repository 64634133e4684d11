"""Figures a person reads: the distributions of every run, and the distances that judge them.

``comparison_figure`` draws, for each statistic of :mod:`.compare`, the empirical
cumulative distribution of every run (the reference's runs in grey, each other backend
in its own colour), and in the last panel the Kolmogorov-Smirnov distances: between
reference runs (the tolerance is their largest) and between each backend and the
reference (the verdict uses their median).
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
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5))
    for ax, (stat, (label, per)) in zip(axes.flat, STATISTICS.items()):
        for k, run in enumerate(groups[ref]):
            _ecdf(ax, run["distributions"][stat], color="0.5", lw=2.5, alpha=0.6,
                  label=f"{ref} (reference)" if k == 0 else None)
        for b in others:
            for k, run in enumerate(groups[b]):
                _ecdf(ax, run["distributions"][stat], color=colours[b], lw=1.2,
                      label=b if k == 0 else None)
        entry = report["statistics"][stat]
        verdicts = ", ".join(f"{b}: {_number(entry[b]['median_ks'])} "
                             f"{_VERDICT[entry[b]['agrees']]}" for b in others)
        ax.set_title(f"{label}\nKS tolerance {_number(entry['tolerance_ks'])}; {verdicts}",
                     fontsize=9)
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
                     f"    is judged different on a given statistic {often} of the time)")
    lines += [f"not compared: {f['backend']}, seed {f['seed']} failed"
              for f in report.get("failed", [])]
    axes.flat[-1].text(0.0, 0.9, "\n".join(lines) + "\n\n" + "agreement: " +
                       report["tolerance"].replace("<=", "\n<="), va="top", fontsize=9, wrap=True)
    fig.tight_layout()
    return fig
