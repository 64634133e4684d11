"""Figures a person reads: the distributions of every run, and the distances that judge them.

``comparison_figure`` draws, for each statistic of :mod:`.compare`, the empirical
cumulative distribution of every run (the reference's runs thick and pale, each other backend
in its own colour), and in the fifth panel the Kolmogorov-Smirnov distances: between
reference runs (the tolerance is their largest) and between each backend and the
reference (the verdict uses their median); the sixth holds the legend and the verdicts.

For the report (:mod:`.report`): ``activity_figure`` (raster, population rate and weights of
one run per backend, drawn by :mod:`.run_figure`), ``weight_figure`` (E->E weights of every
backend), ``timing_figure`` and ``replay_figure`` (from comparison.json's ``timing`` and
``replay``).

Every figure colours a backend by :func:`backend_colours`, so that NEST, NEURON, SpiNNaker and
each variant of the emulation look the same in every figure of a report and of the examples;
legends sit outside the data, and long backend names are wrapped, never cut.
"""
import re
import zlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.legend_handler import HandlerTuple  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
import numpy as np  # noqa: E402

from .compare import STATISTICS  # noqa: E402

#: each backend's colour, by its base name (the part before ':'): colour-blind-safe (Okabe and
#: Ito's palette; NEURON in matplotlib's first colour, which it has always had).  NEST is black,
#: so that as the reference, drawn pale, it is grey as the report's captions say.
BACKEND_COLOURS = {
    "nest": "#000000",                  # black
    "neuron": "#1f77b4",                # blue (matplotlib's C0)
    "spinnaker": "#E69F00",             # orange
    "spinnaker-emulated": "#CC79A7",    # reddish purple
    "brian2": "#009E73",                # bluish green
}
#: a backend's further variants in one figure and backends not named above, in this order:
#: Okabe-Ito's remaining colours, then Paul Tol's muted palette (also colour-blind-safe)
EXTRA_COLOURS = ("#D55E00", "#44AA99", "#882255", "#56B4E9", "#DDCC77", "#332288", "#999933",
                 "#CC6677", "#88CCEE", "#117733", "#AA4499", "#F0E442")
#: the plain-Python reference rule (pynn_hpc/reference.py) in the synapse figures
REFERENCE_RULE = "0.6"


def base_name(name):
    """The backend of ``name`` without its variant: 'spinnaker-emulated:weights' ->
    'spinnaker-emulated'."""
    return str(name).split(":", 1)[0]


def backend_colours(names):
    """name -> colour (hex) of the backends ``names`` drawn together, every one different.

    A backend named in BACKEND_COLOURS has its colour in every figure, and so has the first
    (alphabetically) of its variants when the backend itself is not among ``names``; its other
    variants, and backends not named there, take EXTRA_COLOURS in alphabetical order of their
    names.  The result depends on the set of names only (not on their order), so every figure
    of one comparison gives a backend the same colour."""
    names = list(dict.fromkeys(names))
    colours, rest = {}, []
    for name in sorted(names, key=lambda n: (base_name(n), n != base_name(n), n)):
        base = BACKEND_COLOURS.get(base_name(name))
        if base is not None and base not in colours.values():
            colours[name] = base
        else:
            rest.append(name)
    free = [c for c in EXTRA_COLOURS if c not in colours.values()]
    for k, name in enumerate(sorted(rest)):
        if k < len(free):
            colours[name] = free[k]
        else:                           # more backends than colours: evenly spread hues
            hue = (zlib.crc32(name.encode()) % 1000 / 1000 + 0.618 * k) % 1.0
            colours[name] = mcolors.to_hex(mcolors.hsv_to_rgb((hue, 0.75, 0.75)))
    return {name: colours[name] for name in names}


def _wrap(text, width):
    """``text`` in lines of at most ``width`` characters (where it can), broken at spaces or
    after a comma or colon (a backend's variant list); continued lines indented."""
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for piece in re.split(r"(?<=[ ,:])", paragraph):
            if line.strip() and len(line.rstrip()) + len(piece.rstrip()) > width:
                lines.append(line.rstrip())
                line = "  " + piece.lstrip()
            else:
                line += piece
        lines.append(line.rstrip())
    return "\n".join(lines)


def _chars(width_in, fontsize):
    """How many characters of ``fontsize`` (pt) fit in ``width_in`` inches (DejaVu Sans: about
    half an em per character of a backend's name or a sentence, a little more for safety)."""
    return max(12, int(width_in * 72 / (0.55 * fontsize)))


def _fit_height(fig, artists, margin_in=0.1, tries=6):
    """Make ``fig`` taller until every one of ``artists`` (texts or legends in a panel that
    constrained layout does not size, e.g. the verdicts under a legend) ends above its bottom
    edge; its layout is redone at each draw."""
    for _ in range(tries):
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        low = min(a.get_window_extent(renderer).y0 for a in artists) / fig.dpi
        if low >= margin_in:
            return
        width, height = fig.get_size_inches()
        fig.set_size_inches(width, height + 2 * (margin_in - low) + 0.1)


def legend_columns(labels, width_in, fontsize=8):
    """Legend columns that fit ``labels`` side by side in ``width_in`` inches: all in one row
    when they fit, else as many columns of the longest as fit, the rows filled evenly."""
    widths = [max(len(line) for line in label.split("\n")) + 6 for label in labels] or [1]
    chars = _chars(width_in, fontsize)
    if sum(widths) <= chars:
        return len(labels) or 1
    most = max(1, min(len(labels), chars // max(widths)))
    rows = -(-len(labels) // most)
    return -(-len(labels) // rows)


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


#: how the reference's runs are drawn in comparison_figure (its colour, pale and thick)
_REFERENCE_STYLE = {"lw": 2.5, "alpha": 0.45}


def comparison_figure(groups, report, title=""):
    """A matplotlib Figure of ``compare(groups, ...)``'s ``report``."""
    ref = report["reference"]
    others = [b for b in groups if b != ref]
    colours = backend_colours(list(groups))
    width = 13.0
    chars = _chars(width / 3 - 0.5, 8)          # one column, less its margins
    titles = {}
    for stat, (label, _) in STATISTICS.items():
        entry = report["statistics"][stat]
        verdicts = [_wrap(f"{b}: {_number(entry[b]['median_ks'])} "
                          f"{_VERDICT[entry[b]['agrees']]}", chars) for b in others]
        titles[stat] = "\n".join([label, f"KS tolerance {_number(entry['tolerance_ks'])}"]
                                 + verdicts)
    title_lines = max(t.count("\n") + 1 for t in titles.values())
    # the legend and the verdicts (sixth panel)
    handles, labels = [], []
    n_ref = len(groups[ref])
    handles.append((Line2D([], [], color=colours[ref], **_REFERENCE_STYLE),
                    Line2D([], [], ls="", marker="o", color=colours[ref])))
    labels.append(_wrap(f"{ref} (reference, {n_ref} runs; o: seed vs seed)", chars))
    for b in others:
        verdict = {True: "AGREES with", False: "DIFFERS from",
                   None: "no verdict possible against"}[report["agrees"][b]]
        handles.append((Line2D([], [], color=colours[b], lw=1.2),
                        Line2D([], [], ls="", marker="x", color=colours[b])))
        labels.append(_wrap(f"{b}: {verdict} {ref} ({len(groups[b])} runs; x: vs {ref})",
                            chars))
    alarms = {}
    for b in others:
        p = report["false_alarm"][b]
        alarms.setdefault("under 1 %" if p < 0.01 else f"{100 * p:.0f} %", []).append(b)
    lines = [title] if title else []
    for often, bs in alarms.items():
        who = "each backend" if len(alarms) == 1 else ", ".join(bs)
        lines.append(f"{who}: an identical simulator is judged different on any statistic at "
                     f"most {often} of the time")
    lines += [f"not compared: {f['backend']}, seed {f['seed']} failed"
              for f in report.get("failed", [])]
    rule = report.get("test") or report["tolerance"]
    text = "\n".join(_wrap(x, chars + 6) for x in lines + ["", "verdict: " + rule])
    # rows tall enough for their titles (8 pt lines); _fit_height makes room for the verdicts
    row = 3.0 + title_lines * 8 * 1.3 / 72
    fig, axes = plt.subplots(2, 3, figsize=(width, 2 * row + 0.6), layout="constrained")
    for ax, (stat, (label, per)) in zip(axes.flat, STATISTICS.items()):
        for run in groups[ref]:
            _ecdf(ax, run["distributions"][stat], color=colours[ref], **_REFERENCE_STYLE)
        for b in others:
            for run in groups[b]:
                _ecdf(ax, run["distributions"][stat], color=colours[b], lw=1.2)
        ax.set_title(titles[stat], fontsize=8)
        ax.set_xlabel(label)
        ax.set_ylabel(f"fraction of {per}s")
    ax = axes.flat[len(STATISTICS)]
    names = list(STATISTICS)
    for i, stat in enumerate(names):
        entry = report["statistics"][stat]
        ax.plot([i - 0.15] * len(entry["reference_ks"]), _floats(entry["reference_ks"]), "o",
                color=colours[ref], alpha=_REFERENCE_STYLE["alpha"] + 0.1)
        if entry["tolerance_ks"] is not None:
            ax.hlines(entry["tolerance_ks"], i - 0.35, i + 0.4, color="0.3", lw=1)
        step = min(0.1, 0.3 / max(len(others) - 1, 1))     # every backend within its column
        for j, b in enumerate(others):
            ax.plot([i + 0.15 + step * j] * len(entry[b]["ks"]), _floats(entry[b]["ks"]), "x",
                    color=colours[b])
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel("Kolmogorov-Smirnov distance")
    ax.set_title("distances (o: reference seed vs seed,\nx: each backend vs the reference; "
                 "bar: tolerance =\nlargest seed-to-seed distance)", fontsize=8)
    panel = axes.flat[-1]
    panel.axis("off")
    legend = panel.legend(handles, labels, loc="upper left", bbox_to_anchor=(0, 1), fontsize=8,
                          handler_map={tuple: HandlerTuple(ndivide=None)}, handlelength=3.5,
                          frameon=False, borderaxespad=0, title="runs (colours in every panel)",
                          title_fontsize=8, alignment="left")
    note = panel.annotate(text, xy=(0, 0), xycoords=legend, xytext=(0, -10),
                          textcoords="offset points", va="top", ha="left", fontsize=9,
                          annotation_clip=False)
    _fit_height(fig, [legend, note])
    return fig


# ---- the report's figures (pynn_hpc.analysis.report) ----

def _label(b, reference):
    return f"{b}{' (reference)' if b == reference else ''}"


def _legend_lines(labels, width_in, fontsize=8):
    """Lines of text the legend of ``labels`` below a figure ``width_in`` wide takes."""
    ncol = legend_columns(labels, width_in - 0.4, fontsize)
    tallest = max((x.count("\n") + 1 for x in labels), default=0)
    return -(-len(labels) // ncol) * tallest


def legend_below(fig, handles, labels, fontsize=8, **options):
    """The figure's one legend, under its axes (a figure made with ``layout="constrained"``,
    which makes room), in as many columns as its labels fit side by side."""
    width = fig.get_size_inches()[0]
    return fig.legend(handles, labels, loc="outside lower center", fontsize=fontsize,
                      ncol=legend_columns(labels, width - 0.4, fontsize), frameon=False, **options)


def activity_figure(runs, reference, n_raster=100, bin_ms=5.0):
    """One row per backend, one seed each: raster of ``n_raster`` recorded neurons and the
    population rate (left), that run's E->E weights (right), drawn by
    :func:`.run_figure.draw` in the backend's colour.  ``runs``: backend ->
    :func:`.run_figure.load`'s dict."""
    from .run_figure import draw
    colours = backend_colours(list(runs))
    fig = plt.figure(figsize=(12, 4.4 * len(runs)), layout="constrained")
    grid = fig.add_gridspec(2 * len(runs), 2, width_ratios=[2.2, 1],
                            height_ratios=[2, 1] * len(runs))
    for row, (b, run) in enumerate(runs.items()):
        raster = fig.add_subplot(grid[2 * row, 0])
        axes = (raster, fig.add_subplot(grid[2 * row + 1, 0], sharex=raster),
                fig.add_subplot(grid[2 * row:2 * row + 2, 1]))
        label = f"{_label(b, reference)}, seed {run['results']['seed']}"
        draw(axes, run, n_raster=n_raster, bin_ms=bin_ms, label=label, colour=colours[b])
    return fig


def weight_figure(groups, reference, bins=60):
    """E->E weight histograms (pA) of every backend, each run's sample pooled."""
    colours = backend_colours(list(groups))
    pooled = {b: np.concatenate([np.asarray(r["distributions"]["weight"], dtype=float)
                                 for r in runs]) for b, runs in groups.items()}
    width = 6.5
    labels = {b: _wrap(f"{_label(b, reference)}: {len(groups[b])} runs, {len(w):,} synapses",
                       _chars(width - 0.6, 8)) for b, w in pooled.items()}
    rows = _legend_lines(list(labels.values()), width)
    fig, ax = plt.subplots(figsize=(width, 3.4 + 0.16 * rows), layout="constrained")
    values = np.concatenate(list(pooled.values())) if pooled else np.array([])
    edges = np.histogram_bin_edges(values, bins=bins) if values.size else bins
    for b, w in pooled.items():
        ax.hist(w, bins=edges, histtype="step", density=True, lw=1.5, color=colours[b],
                label=labels[b])
    ax.set_xlabel("E->E weight at the end (pA)")
    ax.set_ylabel("density (1/pA)")
    legend_below(fig, *ax.get_legend_handles_labels())
    return fig


def timing_figure(timing, predicted=None):
    """Bars of the phase times, of the total and of the peak memory per backend (mean,
    seed-to-seed sd), from comparison.json's ``timing`` section; ``predicted`` (its section
    of that name): the mapped backends' predicted totals, hatched and labelled PREDICTED."""
    predicted = {b: p for b, p in (predicted or {}).items() if p.get("total_seconds") is not None}
    names = list(timing["backends"])
    colours = backend_colours(names + list(predicted))
    phases = ["time_create", "time_connect", "time_presimulate", "time_simulate"]
    labels = [_label(b, timing["reference"]) for b in names]
    labels += [f"{b}: PREDICTED on hardware, not measured" for b in predicted]
    width = 10.0
    labels = [_wrap(x, _chars(width - 0.6, 8)) for x in labels]
    rows = _legend_lines(labels, width)
    fig, (ax, tot, mem) = plt.subplots(1, 3, figsize=(width, 3.4 + 0.16 * rows),
                                       layout="constrained",
                                       gridspec_kw={"width_ratios": [3, 1, 1]})
    bar = max(0.8 / max(len(names), 1), 0.02)
    for j, b in enumerate(names):
        e = timing["backends"][b]
        x = np.arange(len(phases)) + (j - (len(names) - 1) / 2) * bar
        style = {"color": mcolors.to_rgba(colours[b], 0.35), "edgecolor": colours[b],
                 "ecolor": colours[b], "capsize": 3}
        means = _floats([e[p]["mean"] for p in phases])
        ax.bar(x, means, bar, yerr=_floats([e[p]["sd"] for p in phases]), label=labels[j],
               **style)
        tot.bar(j, [np.nansum(means)], 0.6, **style)
        mem.bar(j, _floats([e["peak_rss_mb"]["mean"]]), 0.6,
                yerr=_floats([e["peak_rss_mb"]["sd"]]), **style)
    for j, (b, p) in enumerate(predicted.items(), start=len(names)):
        tot.bar(j, [p["total_seconds"]], 0.6, color="none", edgecolor=colours[b], hatch="///",
                label=labels[j])
        tot.annotate("predicted", (j, p["total_seconds"]), ha="center", va="bottom",
                     fontsize=7, color=colours[b])
    ax.set_xticks(range(len(phases)), [timing["fields"][p]["label"] for p in phases])
    ax.set_ylabel("wall-clock time (s)")
    title = "mean and seed-to-seed sd"
    if timing.get("parallel"):
        title += " (runs made side by side: times perturbed)"
    ax.set_title(title, fontsize=9)
    tot.set_xticks(range(len(names) + len(predicted)), [""] * (len(names) + len(predicted)))
    tot.margins(y=0.12)                       # room for "predicted" above its bar
    tot.set_ylabel("total wall-clock time (s)")
    tot.set_xlabel("measured;\nhatched: predicted", fontsize=8)
    mem.set_xticks(range(len(names)), [""] * len(names))
    mem.set_xlabel("one bar per\nmeasured backend", fontsize=8)
    mem.set_ylabel("peak memory (MB)")
    handles, texts = ax.get_legend_handles_labels()
    h2, t2 = tot.get_legend_handles_labels()
    legend_below(fig, handles + h2, texts + t2)
    return fig


def replay_figure(replay, reference=None):
    """One synapse driven by the same trains on every backend: the weight after each
    presynaptic spike beside the reference rule, and each backend's relative difference from
    it; from comparison.json's ``replay`` section (``reference``: the comparison's, marked in
    the legend)."""
    names = list(replay["weights"])
    colours = backend_colours(names)
    width = 7.5
    labels = ["reference rule (plain Python)"] + [
        _wrap(f"{_label(b, reference)}: largest relative difference "
              f"{replay['max_rel_diff'][b + ' vs reference']:.1e}", _chars(width - 0.6, 8))
        for b in names]
    rows = _legend_lines(labels, width)
    fig, (ax, diff) = plt.subplots(2, 1, figsize=(width, 5 + 0.16 * rows), sharex=True,
                                   layout="constrained", gridspec_kw={"height_ratios": [2, 1]})
    pre = np.asarray(replay["pre"], dtype=float)
    ref = np.asarray(replay["reference"], dtype=float)
    handles = [ax.plot(pre, ref * 1000, "-", color=REFERENCE_RULE, lw=4, alpha=0.6)[0]]
    for k, (b, w) in enumerate(replay["weights"].items()):
        w = np.asarray(w, dtype=float)
        line = ax.plot(pre, w * 1000, "o-" if k == 0 else "x--", ms=3.5, lw=1, color=colours[b])
        rel = np.abs(w - ref) / np.maximum(np.abs(ref), 1e-300)
        diff.semilogy(pre, np.where(rel > 0, rel, np.nan), "o" if k == 0 else "x", ms=3.5,
                      color=colours[b])
        handles.append(line[0])
    ax.set_ylabel("weight after the spike (pA)")
    ax.set_title(f"{len(pre)} presynaptic and {len(replay['post'])} postsynaptic spikes, "
                 f"delay {replay['delay']:g} ms", fontsize=9)
    diff.set_xlabel("presynaptic spike time (ms)")
    diff.set_ylabel("|w - reference|\n/ reference")
    legend_below(fig, handles, labels)
    return fig
