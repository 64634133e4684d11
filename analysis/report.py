"""The comparison as one page: ``report.html`` (self-contained) and ``report.md``.

Rendered from comparison.json alone (``render`` takes the dict as read back from the file),
so every number on the page is one that comparison.json holds; the figures are drawn from
the runs' files and from comparison.json, and passed in as PNG bytes.  Both formats are
made from one list of blocks (headings, paragraphs, tables, figures), so they hold the same
tables: the HTML embeds the figures as base64 PNG (no network access, one file to mail or
print), the Markdown links them in ``figures/`` beside it.

Sections: the network and versions; the verdict (the table of
:func:`pynn_hpc.analysis.compare.table`, or why there is none); the distributions figure;
activity (raster and population rate, one seed per backend); E->E weights; timing and memory
(:mod:`.timing`), and the predicted hardware run of the backends that only mapped the network
(labelled predicted); the synapse-level agreement (``replay`` on one pair of trains); failed
runs.
"""
import base64
import html

from pynn_hpc.analysis.timing import board_size, predicted_line

#: figure name -> (its file, relative to the report, heading it goes under, caption)
FIGURES = {
    "distributions": ("comparison.png", "Verdict",
                      "Empirical distributions of every run (the reference's thick and pale: "
                      "grey for NEST) and the Kolmogorov-Smirnov distances that judge them. "
                      "Each backend has its colour in every figure of the report."),
    "activity": ("figures/activity.png", "Activity",
                 "One seed per backend, in its colour: spikes of the first 100 recorded "
                 "excitatory neurons, the population rate of all recorded ones (presimulation "
                 "shaded: not in the statistics) and that run's E->E weights."),
    "weights": ("figures/weights.png", "E->E weights",
                "E->E weights at the end of the simulation, every run's sample pooled."),
    "timing": ("figures/timing.png", "Timing and memory",
               "Wall-clock time per phase and peak memory: mean over seeds, bars the "
               "seed-to-seed sd."),
    "replay": ("figures/replay.png", "One synapse, the same trains",
               "One power-law synapse driven by the same pre- and postsynaptic trains on every "
               "backend: the weight after each presynaptic spike, beside the reference rule."),
}

_VERDICT = {True: "agrees with", False: "DIFFERS from", None: "has no verdict against"}


def _g(x, digits=3):
    """A number for a table: integers in full with thousands separated, others with
    ``digits`` significant digits (millions as "2.63 M"), None as n/a."""
    if x is None:
        return "n/a"
    if isinstance(x, int):
        return f"{x:,}"
    if abs(x) >= 1e5:
        return f"{x / 1e6:.{digits}g} M"
    return f"{x:.{digits}g}"


def _percent(p):
    return "under 1 %" if p < 0.01 else f"{100 * p:.0f} %"


def _mean_sd(entry):
    s = _g(entry["mean"])
    return s if entry["sd"] is None else f"{s} +- {_g(entry['sd'], 2)}"


def _markdown_table(text):
    """(header, rows) of a Markdown table such as analysis.compare.table's."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    return cells[0], [row for row in cells[2:]]


def _setup(c):
    s = c.get("setup") or {}
    rows = [["neurons", _g(s.get("n_neurons"))],
            ["connections", _g(s.get("n_connections"))],
            ["scale, indegree scale", f"{s.get('scale')}, {s.get('indegree_scale')}"],
            ["presimulation + simulation", f"{s['presim_ms']:g} + {s['simtime_ms']:g} ms"
             if s.get("presim_ms") is not None else "n/a"],
            ["time step", f"{s.get('dt_ms')} ms"],
            ["threads x processes per run", f"{s.get('threads')} x {s.get('mpi_processes')}"],
            ["preset", str(s.get("preset"))]]
    return ["", "value"], rows


def _versions(c):
    v = c.get("versions") or {}
    rows = [[b, f"{x.get('simulator')} {x.get('simulator_version')}", str(x.get("pynn_version")),
             {True: "yes", False: "no"}.get(x.get("mpi"), "n/a")]
            for b, x in v.get("backends", {}).items()]
    return ["backend", "simulator", "PyNN", "built with MPI"], rows


def _timing(t):
    ref = t["reference"]
    names = list(t["backends"])
    others = [b for b in names if b != ref]
    head = ["", f"{ref} (reference)"] + others + [f"{b} / {ref}" for b in others]
    rows = []
    for k, f in t["fields"].items():
        unit = "" if f["unit"] == "x" else f" ({f['unit']})"
        row = [f"{f['label']}{unit}"] + [_mean_sd(t["backends"][b][k]) for b in [ref] + others]
        row += [_g(t["backends"][b][k]["ratio"]) for b in others]
        rows.append(row)
    seeds = "; ".join(f"{b}: seeds {', '.join(map(str, e['seeds']))}"
                      for b, e in t["backends"].items())
    return head, rows, seeds


def _predicted(predicted, ref):
    """Blocks for the mapped backends: each one's predicted hardware run, phase by phase,
    beside the reference's measured total."""
    names = [b for b, p in predicted.items() if p.get("total_seconds") is not None]
    out = [("h2", "Predicted, not measured: " + ", ".join(predicted))]
    for b, p in predicted.items():
        if p.get("total_seconds") is None:
            out.append(("p", f"{b}: no prediction ({p.get('error') or 'none in port.json'})."))
    if not names:
        return out
    phases = list(dict.fromkeys(k for b in names for k in predicted[b]["phases"]))
    head = ["predicted phase (s)"] + [f"{b} (PREDICTED)" for b in names]
    rows = [[k.replace("_", " ")] + [_g(predicted[b]["phases"].get(k, {}).get("seconds"))
                                     for b in names] for k in phases]
    rows.append(["total (predicted)"] + [_g(predicted[b]["total_seconds"]) for b in names])
    rows.append(["board"] + [board_size(predicted[b]["board"]) for b in names])
    rows.append(["mapping, measured on this host (s)"] + [_g(predicted[b].get("mapping_s"))
                                                          for b in names])
    if ref:
        rows.append([f"{ref} (reference) measured total (s)"]
                    + [_g(predicted[b].get("reference_total_s")) for b in names])
        rows.append([f"predicted total / {ref}'s measured"]
                    + [_g(predicted[b].get("ratio")) for b in names])
    what = predicted[names[0]].get("what") or "a prediction"
    out += [("table", head, rows),
            ("p", f"These backends mapped the network without running it (no hardware here), "
                  f"so they have no spikes and no verdict. Their times are {what}; the "
                  "formulas, inputs and sourced constants of every phase are in each run's "
                  f"port.json. The reference's total is its create + connect + presimulate + "
                  "simulate, measured.")]
    return out


def _replay(r):
    head = ["compared", "largest relative difference", "largest difference (pA)"]
    rows = [[pair, f"{r['max_rel_diff'][pair]:.2e}", f"{r['max_abs_diff_pA'][pair]:.3g}"]
            for pair in r["max_rel_diff"]]
    return head, rows


def blocks(c):
    """The report as a list of blocks: ("h1"|"h2"|"p", text), ("table", header, rows),
    ("figure", name).  ``c``: comparison.json's content."""
    ref = c.get("reference")
    out = [("h1", f"{' vs '.join(c.get('backends') or [])}: {c.get('network', '')}")]
    agrees = c.get("agrees") or {}
    if c.get("no_verdict_reason"):
        out.append(("p", f"No verdict: {c['no_verdict_reason']}."))
    for b, ok in agrees.items():
        line = f"{b} {_VERDICT[ok]} {ref}"
        if ok is None and c.get("no_verdict", {}).get(b):
            line += ": " + "; ".join(c["no_verdict"][b])
        out.append(("p", line + "."))
    for b, p in (c.get("predicted") or {}).items():
        out.append(("p", f"{b}: {predicted_line(p)}: see Timing and memory."))
    out.append(("h2", "Network and versions"))
    if (c.get("setup") or {}).get("n_neurons") is not None:
        out.append(("table", *_setup(c)))
        out.append(("table", *_versions(c)))
    v = c.get("versions") or {}
    out.append(("p", f"pynn_hpc {v.get('pynn_hpc')}, Python {v.get('python')}; "
                     f"{v.get('host', {}).get('cpus')} CPUs; made {c.get('date')}."))
    out.append(("h2", "Verdict"))
    if c.get("table"):
        out.append(("table", *_markdown_table(c["table"])))
        out.append(("p", f"Verdict: {c.get('test') or c.get('tolerance')}. Means: mean +- "
                         "seed-to-seed sd of each statistic's run means."))
        for b, p in (c.get("false_alarm") or {}).items():
            out.append(("p", f"{b}: with these runs, a backend identical to {ref} is judged "
                             f"different on any statistic at most {_percent(p)} of the time."))
        out.append(("figure", "distributions"))
    else:
        out.append(("p", f"No verdict: {c.get('no_verdict_reason')}."))
    if "activity" in c.get("figures", []):
        out += [("h2", "Activity"), ("figure", "activity")]
    if "weights" in c.get("figures", []):
        out += [("h2", "E->E weights"), ("figure", "weights")]
    t = c.get("timing")
    if t and t["backends"]:
        head, rows, seeds = _timing(t)
        out += [("h2", "Timing and memory"), ("table", head, rows),
                ("p", f"Mean +- seed-to-seed sd over runs ({seeds}); the last columns are "
                      f"ratios of means to {t['reference']}. {t['note'][0].upper()}"
                      f"{t['note'][1:]}.")]
        if "timing" in c.get("figures", []):
            out.append(("figure", "timing"))
    if c.get("predicted"):
        if not (t and t["backends"]):
            out.append(("h2", "Timing and memory"))
        out += _predicted(c["predicted"], (t or {}).get("reference"))
    r = c.get("replay")
    if r:
        out.append(("h2", "One synapse, the same trains"))
        if r.get("error"):
            out.append(("p", f"replay failed: {r['error']}"))
        else:
            trains = r.get("trains", {})
            out.append(("p", f"pynn-hpc replay --backends {' '.join(r['weights'])} --rate "
                             f"{trains.get('rate_hz'):g} --duration {trains.get('duration_ms'):g}"
                             f" --seed {trains.get('seed')}: {len(r['pre'])} presynaptic and "
                             f"{len(r['post'])} postsynaptic spikes, delay {r['delay']:g} ms; "
                             "each backend's weight after every presynaptic spike against the "
                             "reference rule (pynn_hpc/reference.py) and each other."))
            out.append(("table", *_replay(r)))
            if "replay" in c.get("figures", []):
                out.append(("figure", "replay"))
    failed = c.get("failed") or []
    out.append(("h2", "Failed runs"))
    if failed:
        out.append(("table", ["backend", "seed", "exit code", "directory", "error"],
                    [[f["backend"], str(f["seed"]), str(f["exit_code"]), f["path"], f["error"]]
                     for f in failed]))
    else:
        out.append(("p", "None."))
    return out


def markdown(c):
    """report.md's text; figures linked as files beside it (FIGURES)."""
    lines = []
    for block in blocks(c):
        kind = block[0]
        if kind in ("h1", "h2"):
            lines += [("# " if kind == "h1" else "## ") + block[1], ""]
        elif kind == "p":
            lines += [block[1], ""]
        elif kind == "table":
            head, rows = block[1], block[2]
            lines.append("| " + " | ".join(head) + " |")
            lines.append("|" + "---|" * len(head))
            lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |"
                      for row in rows]
            lines.append("")
        elif kind == "figure":
            file, _, caption = FIGURES[block[1]]
            lines += [f"![{caption}]({file})", ""]
    return "\n".join(lines)


CSS = """
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 1.5rem auto; padding: 0 1rem;
       line-height: 1.4; color: #111; }
h1 { font-size: 1.4rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #bbb; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #eee; }
td { font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.85rem; color: #444; }
.differs { color: #a00; font-weight: bold; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  h2 { page-break-after: avoid; }
  figure, table { page-break-inside: avoid; }
}
"""


def _cell(text):
    text = html.escape(text.replace("+-", "±"), quote=False)
    return text.replace("DIFFERS", '<span class="differs">DIFFERS</span>')


def html_page(c, figures):
    """report.html's text; ``figures``: name -> PNG bytes (embedded as base64)."""
    body = []
    for block in blocks(c):
        kind = block[0]
        if kind in ("h1", "h2"):
            body.append(f"<{kind}>{html.escape(block[1])}</{kind}>")
        elif kind == "p":
            body.append(f"<p>{_cell(block[1])}</p>")
        elif kind == "table":
            head, rows = block[1], block[2]
            body.append("<table><thead><tr>" + "".join(f"<th>{_cell(h)}</th>" for h in head)
                        + "</tr></thead><tbody>"
                        + "".join("<tr>" + "".join(f"<td>{_cell(x)}</td>" for x in row)
                                  + "</tr>" for row in rows) + "</tbody></table>")
        elif kind == "figure" and block[1] in figures:
            _, _, caption = FIGURES[block[1]]
            data = base64.b64encode(figures[block[1]]).decode("ascii")
            body.append(f'<figure><img alt="{html.escape(caption)}" '
                        f'src="data:image/png;base64,{data}"><figcaption>'
                        f"{html.escape(caption)}</figcaption></figure>")
    title = html.escape(blocks(c)[0][1])
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{title}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
