"""Every figure colours a backend the same way, two backends never alike, and keeps its legends
and titles readable (no text over another, none off the figure), with long emulated names.
Drawn from synthetic inputs shaped like comparison.json's and a run's: no simulation."""
import importlib.util
from pathlib import Path

import matplotlib
import matplotlib.colors as mcolors
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PathCollection, PolyCollection  # noqa: E402
from matplotlib.patches import Polygon, Rectangle  # noqa: E402

from pynn_hpc.analysis import plots, run_figure  # noqa: E402
from pynn_hpc.analysis.compare import STATISTICS  # noqa: E402
from pynn_hpc.analysis.timing import FIELDS  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
LONG = ["nest", "spinnaker-emulated:weights,stdp,alpha,lif",
        "spinnaker-emulated:weights,stdp,alpha,lif,exact_alpha"]
SETS = {
    "two": ["nest", "neuron"],
    "port": LONG,
    "all": ["nest", "neuron", "spinnaker", "spinnaker-emulated", "brian2"],
    "many": ["nest", "neuron"] + [f"spinnaker-emulated:{v}" for v in (
        "weights", "stdp", "stdp,nearest", "alpha", "alpha,peak", "alpha,load=42",
        "alpha,exact_alpha", "lif", "weights,stdp", "weights,stdp,alpha,lif",
        "weights,stdp,alpha,lif,load=42", "weights,stdp,alpha,lif,exact_alpha")],
}


# ---- synthetic inputs ----

def groups_of(names, n_runs=3, seed=0):
    rng = np.random.default_rng(seed)
    return {b: [{"seed": s, "path": f"/runs/{b}-seed{s}", "distributions": {
        stat: rng.normal(k * 0.1, 1.0, 200) for stat in STATISTICS}}
        for s in range(1, n_runs + 1)] for k, b in enumerate(names)}


def report_of(groups):
    ref, *others = list(groups)
    pairs = len(groups[ref]) * (len(groups[ref]) - 1) // 2
    stats = {}
    for i, stat in enumerate(STATISTICS):
        entry = {"reference_ks": [0.05 + 0.01 * k for k in range(pairs)], "tolerance_ks": 0.1}
        for k, b in enumerate(others):
            entry[b] = {"ks": [0.05 * (k + 1)] * len(groups[ref]) * len(groups[b]),
                        "median_ks": 0.05 * (k + 1), "agrees": k % 2 == 0}
        stats[stat] = entry
    return {"reference": ref, "statistics": stats,
            "agrees": {b: k % 2 == 0 for k, b in enumerate(others)},
            "false_alarm": {b: 0.03 for b in others}, "failed": [],
            "test": "permutation test on run labels over the KS distances between runs (mean "
                    "distance between groups - within groups), Holm-adjusted over the "
                    "statistics: a backend identical to the reference is judged different at "
                    "most 5 % of the time", "tolerance": "median <= largest"}


def run_of(name, seed=1, n=60):
    rng = np.random.default_rng(seed)
    trains = [np.sort(rng.uniform(0, 400, rng.poisson(15))) for _ in range(n)]
    return {"results": {"backend": name, "seed": seed, "presim_ms": 100.0, "simtime_ms": 300.0,
                        "derived": {"JE": 0.2633}},
            "spiketrains": trains, "weights_nA": rng.normal(0.264, 0.007, 2000)}


def timing_of(names):
    """The timing section of ``names``; a plain "spinnaker" among them is a mapped backend,
    drawn as its predicted total (predicted_of)."""
    return {"reference": names[0], "parallel": False,
            "fields": {k: {"label": label, "unit": unit} for k, (label, unit) in FIELDS.items()},
            "backends": {b: {k: {"mean": 1.0 + j, "sd": 0.1} for k in FIELDS}
                         for j, b in enumerate(names) if b != "spinnaker"}}


def predicted_of(names):
    return {b: {"predicted": True, "total_seconds": 23.4, "phases": {"run": {"seconds": 4.3}},
                "board": {"chips": 7, "boards": 1, "application_cores": 84}}
            for b in names if b == "spinnaker"}


def replay_of(names):
    pre = np.arange(10.0, 1000.0, 50.0)
    ref = 0.0456 + 0.0001 * np.sin(pre / 100)
    return {"pre": pre.tolist(), "post": (pre + 3).tolist(), "delay": 1.5,
            "reference": ref.tolist(),
            "weights": {b: (ref * (1 + 1e-6 * (k + 1))).tolist() for k, b in enumerate(names)},
            "max_rel_diff": {f"{b} vs reference": 1e-6 * (k + 1) for k, b in enumerate(names)}}


def example(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def synapse_figure(names):
    """Example 2's figure of ``names`` from made-up weights."""
    ex2 = example("2_synapse")
    runs = {b: {"times": [100.0, 200.0, 300.0], "weights": [0.0456, 0.0457, 0.0455],
                "lsb": 0.000244 if "spinnaker" in b else None} for b in names}
    window = np.linspace(-0.2, 0.4, len(ex2.LAGS))
    return ex2.figure(runs, [0.0456, 0.0457, 0.0455], {b: window for b in names}, window, 3, 2)


_DRAWN = {}


def figures(names):
    """figure name -> Figure of every figure that colours backends, for ``names`` (drawn once
    per set of names in a session: the tests only read them)."""
    key = tuple(names)
    if key not in _DRAWN:
        _DRAWN[key] = _draw(names)
    return _DRAWN[key]


@pytest.fixture(scope="module", autouse=True)
def _close_figures():
    with matplotlib.rc_context({"figure.max_open_warning": 0}):     # kept for every test
        yield
    for drawn in _DRAWN.values():
        for fig in drawn.values():
            plt.close(fig)
    _DRAWN.clear()


def _draw(names):
    groups = groups_of(names)
    return {
        "comparison": plots.comparison_figure(groups, report_of(groups), "a network"),
        "activity": plots.activity_figure({b: run_of(b) for b in names}, names[0]),
        "weights": plots.weight_figure(groups, names[0]),
        "timing": plots.timing_figure(timing_of(names), predicted_of(names)),
        "replay": plots.replay_figure(replay_of(names), names[0]),
        "synapse": synapse_figure(names),
    }


# ---- what a figure shows ----

def _hex(c):
    return mcolors.to_hex(c, keep_alpha=False)


def _colour_of(artist):
    if isinstance(artist, PathCollection):
        return _hex(artist.get_facecolor()[0] if len(artist.get_facecolor())
                    else artist.get_edgecolor()[0])
    if isinstance(artist, (Rectangle, Polygon)):        # a bar or a histogram: its fill, or
        face = artist.get_facecolor()                     # its outline when it has none
        return _hex(face if artist.get_fill() and face[3] > 0 else artist.get_edgecolor())
    if isinstance(artist, PolyCollection):
        return _hex(artist.get_facecolor()[0])
    colour = artist.get_color() if hasattr(artist, "get_color") else artist.get_edgecolor()
    if artist.get_marker() not in (None, "None", "") and hasattr(artist, "get_markeredgecolor"):
        if artist.get_linestyle() in ("None", "", " "):
            colour = artist.get_markeredgecolor()
    return _hex(colour)


def legend_colours(fig):
    """legend label -> colours of its handle, for every legend of ``fig``."""
    out = {}
    for legend in fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]:
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            label = " ".join(x.strip() for x in text.get_text().split("\n"))   # unwrapped
            out[label] = {_colour_of(h) for h in (handle if isinstance(handle, tuple)
                                                  else (handle,))}
    return out


def _name_in(label, names):
    """The backend whose name ``label`` starts with (the longest such), or None."""
    label = label.replace(" ", "")
    hits = [b for b in names if label == b or label.startswith(b) and
            label[len(b):len(b) + 1] in (":", "(", ",", "")]
    return max(hits, key=len) if hits else None


def backend_colours_in(fig, names):
    """backend -> set of colours its legend entries, and its activity row, show."""
    found = {b: set() for b in names}
    for label, colours in legend_colours(fig).items():
        b = _name_in(label, names)
        if b is not None:
            found[b] |= colours
    for ax in fig.axes:
        title = ax.get_title("left")
        if ":\n" in title:                  # an activity row, titled with its backend
            b = _name_in(title.split(":\n")[0].split(" (reference)")[0].split(", seed")[0],
                         names)
            if b is not None:
                found[b] |= {_colour_of(c) for c in ax.collections}
    return found


def text_boxes(fig):
    """Window extents of every drawn, non-empty text of ``fig`` (titles, axis labels, the tick
    labels inside the view, legend texts, annotations), with the text."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = list(fig.texts) + [t for legend in fig.legends for t in legend.get_texts()]
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        texts += list(ax.texts)
        if ax.get_legend() is not None:
            texts += list(ax.get_legend().get_texts()) + [ax.get_legend().get_title()]
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                if low - 1e-9 * abs(high - low) <= tick.get_loc() <= high + 1e-9 * abs(high - low):
                    texts += [tick.label1, tick.label2]
    return [(t.get_text(), t.get_window_extent(renderer)) for t in texts
            if t.get_visible() and t.get_text().strip()]


# ---- the tests ----

@pytest.mark.parametrize("which", list(SETS))
def test_backend_colours_differ_and_do_not_depend_on_order(which):
    names = SETS[which]
    colours = plots.backend_colours(names)
    assert list(colours) == names
    assert len({_hex(c) for c in colours.values()}) == len(names)
    assert plots.backend_colours(names[::-1]) == colours
    for b in names:
        if b in plots.BACKEND_COLOURS:       # a backend itself has its colour in every set
            assert colours[b] == plots.BACKEND_COLOURS[b]


@pytest.mark.parametrize("which", list(SETS))
def test_every_figure_gives_a_backend_one_colour_and_two_backends_different_ones(which):
    names = SETS[which]
    expected = {b: _hex(c) for b, c in plots.backend_colours(names).items()}
    seen = {}
    for fig_name, fig in figures(names).items():
        found = backend_colours_in(fig, names)
        for b in names:
            if fig_name == "synapse" and not found[b]:
                continue
            assert found[b], (fig_name, b)
            # the backend's own colour, and no other backend's
            assert expected[b] in found[b], (fig_name, b, found[b], expected[b])
            others = {expected[o] for o in names if o != b}
            assert not (found[b] & others), (fig_name, b, found[b] & others)
            seen.setdefault(b, set()).add(expected[b])
    assert all(len(c) == 1 for c in seen.values())


@pytest.mark.parametrize("which", ["two", "port", "many"])
def test_no_text_overlaps_another_or_leaves_the_figure(which):
    """Titles (however long the backends' names), legends and labels: every text inside the
    figure, and no two texts of different axes or legends over each other."""
    names = SETS[which]
    for fig_name, fig in figures(names).items():
        boxes = text_boxes(fig)
        width, height = fig.bbox.width, fig.bbox.height
        for text, box in boxes:
            assert box.x0 >= -1 and box.y0 >= -1 and box.x1 <= width + 1 and \
                box.y1 <= height + 1, (fig_name, text, box.bounds, (width, height))
        for i, (a, box_a) in enumerate(boxes):
            for b, box_b in boxes[i + 1:]:
                overlap = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0), \
                    min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
                assert min(overlap) <= 1, (fig_name, a, b)


def test_legends_are_outside_the_data():
    """No legend inside the axes of data (the comparison's sixth panel holds no data)."""
    for fig_name, fig in figures(SETS["port"]).items():
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for ax in fig.axes:
            legend = ax.get_legend()
            if legend is None or not ax.axison:
                continue
            box, frame = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
            inside = min(box.x1, frame.x1) - max(box.x0, frame.x0), \
                min(box.y1, frame.y1) - max(box.y0, frame.y0)
            assert min(inside) <= 1, (fig_name, [t.get_text() for t in legend.get_texts()])


def test_a_run_figure_is_drawn_in_its_backends_colour():
    """pynn-hpc plot's figure: the E spikes and weights of a NEURON run in NEURON's colour,
    as in the report."""
    fig = run_figure.run_figure(run_of("neuron"))
    colours = {_colour_of(c) for ax in fig.axes for c in ax.collections}
    assert _hex(plots.BACKEND_COLOURS["neuron"]) in colours
    plt.close(fig)
