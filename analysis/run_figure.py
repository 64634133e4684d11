"""One figure of one run: what the network did, for a person to look at.

Three panels: a raster of about 100 recorded neurons (the first ones; excitatory in the
backend's colour, the same in every figure, inhibitory red when inhibitory spikes are given),
the population rate in bins of a few ms (Hz per neuron), and the distribution of the E->E
weights at the end (pA) against the initial weight JE.  The presimulation is shaded: the
run's statistics leave it out.

    from pynn_hpc.analysis import run_figure
    fig = run_figure.run_figure("results")                  # a 'pynn-hpc run' directory
    run_figure.save("results", "run.png")                   # what 'pynn-hpc plot' does

A run directory holds the spikes of the first 1000 E neurons only (the seed records no I
neuron); a script that builds the network itself can record some I neurons and pass
them as ``inhibitory`` (examples/1_network.py does).
"""
import io
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
import numpy as np  # noqa: E402

from .compare import RunError, read_results, read_run_files  # noqa: E402

#: E and I spikes when no backend colours them (I: Okabe-Ito vermillion, colour-blind-safe)
COLOURS = {"E": "#1f77b4", "I": "#D55E00"}


def load(run_dir):
    """results.json, spike trains and E->E weight sample (nA) of a ``pynn-hpc run`` directory:
    ``{"results", "spiketrains", "weights_nA", "path"}``; RunError naming the file otherwise."""
    path = Path(run_dir)
    results = read_results(path)
    spiketrains, weights = read_run_files(path, results)
    return {"results": results, "spiketrains": spiketrains,
            "weights_nA": np.asarray(weights, dtype=float), "path": str(path)}


def _times_ms(train):
    """Spike times in ms of a Neo SpikeTrain (any time unit) or of a plain array in ms."""
    if hasattr(train, "rescale"):
        return np.asarray(train.rescale("ms").magnitude, dtype=float)
    return np.asarray(train, dtype=float)


def _population_rate(trains, t_stop, bin_ms):
    """Bin edges and the mean rate per neuron (Hz) of ``trains`` in bins of ``bin_ms``."""
    edges = np.arange(0.0, t_stop + 0.5 * bin_ms, bin_ms)
    times = np.concatenate([_times_ms(t) for t in trains]) if trains else np.array([])
    counts = np.histogram(times, bins=edges)[0]
    return edges, counts / (max(len(trains), 1) * bin_ms / 1000.0)


def backend_of(results):
    """The backend name of a run's ``results`` (the simulator's, lower case, when a script's
    results name none): the key of :func:`pynn_hpc.analysis.plots.backend_colours`."""
    return str(results.get("backend") or results.get("simulator") or "").lower()


def draw(axes, run, n_raster=100, bin_ms=5.0, inhibitory=None, label=None, colour=None):
    """Draw ``run`` onto three axes (raster, population rate, weights).

    ``run``: a run directory or :func:`load`'s dict (``results`` needs ``presim_ms`` and
    ``simtime_ms``; ``derived.JE`` marks the initial weight when present);
    ``inhibitory``: spike trains of I neurons to show in red (a fifth of the raster);
    ``colour``: the backend's (E spikes, E rate and weights; default its colour alone, from
    :func:`pynn_hpc.analysis.plots.backend_colours`).  Legends sit above the panels.
    Returns the run's mean E rate after the presimulation (Hz).
    """
    from .plots import legend_columns, backend_colours
    run = load(run) if isinstance(run, (str, Path)) else run
    results = run["results"]
    if colour is None:
        name = backend_of(results)
        colour = backend_colours([name])[name] if name else COLOURS["E"]
    colours = {"E": colour, "I": COLOURS["I"]}
    presim, t_stop = results["presim_ms"], results["presim_ms"] + results["simtime_ms"]
    excitatory = list(run["spiketrains"])
    inhibitory = list(inhibitory) if inhibitory is not None else []
    n_i = min(len(inhibitory), n_raster // 5) if inhibitory else 0
    n_e = min(len(excitatory), n_raster - n_i)
    ax_raster, ax_rate, ax_w = axes
    above = {"loc": "lower right", "bbox_to_anchor": (1.0, 1.0), "borderaxespad": 0.2,
             "frameon": False, "fontsize": 8}

    rows = [("E", t) for t in excitatory[:n_e]] + [("I", t) for t in inhibitory[:n_i]]
    for kind in ("E", "I"):
        xs, ys = [], []
        for row, (k, train) in enumerate(rows):
            if k == kind:
                t = _times_ms(train)
                xs.append(t)
                ys.append(np.full(t.size, row))
        if xs:
            n = sum(1 for r in rows if r[0] == kind)
            ax_raster.scatter(np.concatenate(xs), np.concatenate(ys), s=1.5, marker="|",
                              color=colours[kind], label=f"{kind} ({n})")
    ax_raster.set_ylabel("neuron")
    ax_raster.set_ylim(-1, max(len(rows), 1))
    ax_raster.legend(markerscale=6, ncol=2, **above)
    heading = f"{label}:\n" if label else ""
    ax_raster.set_title(f"{heading}spikes of {len(rows)} recorded neurons", fontsize=10,
                        loc="left")
    ax_raster.tick_params(labelbottom=False)        # the rate's time axis below is shared

    mean_rate = float("nan")
    for kind, trains in (("E", excitatory), ("I", inhibitory)):
        if not trains:
            continue
        edges, rate = _population_rate(trains, t_stop, bin_ms)
        after = edges[:-1] >= presim
        mean = float(rate[after].mean()) if after.any() else float("nan")
        if kind == "E":
            mean_rate = mean
        ax_rate.step(edges[:-1], rate, where="post", color=colours[kind], lw=1,
                     label=f"{kind}: {mean:.1f} Hz after presim. ({len(trains)} neurons)")
    ax_rate.set_xlabel("time (ms)")
    ax_rate.set_ylabel(f"rate (Hz, {bin_ms:g} ms bins)")
    for ax in (ax_raster, ax_rate):
        ax.axvspan(0, presim, color="0.9", zorder=0,
                   label="presimulation (not in statistics)" if ax is ax_rate and presim > 0
                   else None)
        ax.set_xlim(0, t_stop)
    handles, labels = ax_rate.get_legend_handles_labels()
    width = ax_rate.get_figure().get_size_inches()[0] * ax_rate.get_position().width
    ax_rate.legend(handles, labels, ncol=legend_columns(labels, width), **above)
    ax_rate.set_ylim(bottom=0)

    w = np.asarray(run["weights_nA"], dtype=float) * 1000.0
    lines = ["power-law STDP: weight distribution"]
    if w.size:
        ax_w.hist(w, bins=50, histtype="stepfilled", color=colour, alpha=0.3)
        ax_w.hist(w, bins=50, histtype="step", color=colour, lw=1)
        lines.append(f"{w.size:,} synapses, mean {w.mean():.1f} pA")
    je = (results.get("derived") or {}).get("JE")
    if je is not None:
        ax_w.axvline(je * 1000.0, color="k", ls="--", lw=1)
        lines.append(f"dashed: initial JE {je * 1000:.1f} pA")
    ax_w.set_xlabel("E->E weight at the end (pA)")
    ax_w.set_ylabel("synapses")
    ax_w.set_title("\n".join(lines), fontsize=10)
    return mean_rate


def _title(results):
    parts = [f"{results.get('simulator', results.get('backend', ''))} "
             f"{results.get('simulator_version', '')}".strip()]
    if "n_neurons" in results:
        parts.append(f"{results['n_neurons']:,} neurons")
    if results.get("rate_hz") is not None:
        parts.append(f"rate {results['rate_hz']:.1f} Hz")
    if results.get("cv_isi") is not None:
        parts.append(f"CV(ISI) {results['cv_isi']:.2f}")
    regime = results.get("regime") or {}
    if "asynchronous_irregular" in regime:
        parts.append("asynchronous irregular" if regime["asynchronous_irregular"]
                     else "NOT asynchronous irregular")
    if "seed" in results:
        parts.append(f"seed {results['seed']}")
    return ", ".join(p for p in parts if p)


def run_figure(run, output=None, n_raster=100, bin_ms=5.0, inhibitory=None, title=None):
    """A matplotlib Figure of ``run`` (a run directory or :func:`load`'s dict): raster,
    population rate, E->E weights; saved to ``output`` too when given.  See :func:`draw`."""
    run = load(run) if isinstance(run, (str, Path)) else run
    fig = plt.figure(figsize=(12, 6.3), layout="constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=[2.2, 1], height_ratios=[2, 1])
    ax_raster = fig.add_subplot(grid[0, 0])
    axes = (ax_raster, fig.add_subplot(grid[1, 0], sharex=ax_raster), fig.add_subplot(grid[:, 1]))
    draw(axes, run, n_raster=n_raster, bin_ms=bin_ms, inhibitory=inhibitory)
    fig.suptitle(title if title is not None else _title(run["results"]), fontsize=11)
    if output is not None:
        fig.savefig(output, dpi=100)
    return fig


def check_output(output):
    """The figure file ``output`` (a Path) can be written in a format matplotlib knows;
    ValueError with one line saying what to do otherwise.  Nothing is written."""
    output = Path(output)
    if output.is_dir():
        raise ValueError(f"--output {output} is a directory: give a file name such as "
                         f"{output / 'run.png'}")
    fmt = output.suffix.lstrip(".").lower()
    supported = FigureCanvasAgg.get_supported_filetypes()
    if fmt not in supported:
        raise ValueError(f"--output {output}: unknown figure format '{output.suffix}': end the "
                         f"name with one of {', '.join('.' + s for s in sorted(supported))}")
    parent = output.parent
    if parent.exists() and not parent.is_dir():
        raise ValueError(f"--output {output}: {parent} is a file, not a directory: choose "
                         "another file name")
    if not parent.is_dir():
        raise ValueError(f"--output {output}: directory {parent} does not exist: create it or "
                         "choose another file")
    if not os.access(parent, os.W_OK | os.X_OK) or (output.exists()
                                                    and not os.access(output, os.W_OK)):
        raise ValueError(f"--output {output} cannot be written (permission denied): choose "
                         "another file")
    return output, fmt


def save(run_dir, output=None, **options):
    """``pynn-hpc plot``: check the output, load the run, draw it, write the figure
    atomically (default ``RUN_DIR/run.png``); returns its path.  Bad input (no or a corrupt
    results.json, a missing or unreadable spike or weight file, an output that cannot be
    written) raises ValueError (RunError for the run) before anything is written."""
    from pynn_hpc.results import write_bytes
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunError(f"{run_dir} is not a directory: give the output directory of "
                       "'pynn-hpc run'")
    output, fmt = check_output(output if output is not None else run_dir / "run.png")
    fig = run_figure(load(run_dir), **options)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=100)
    plt.close(fig)
    try:
        write_bytes(output, buffer.getvalue())
    except OSError as err:
        raise ValueError(f"--output {output} cannot be written ({err.strerror}): choose "
                         "another file") from None
    return output
