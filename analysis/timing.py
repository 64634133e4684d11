"""What each backend's runs cost: phase times, real-time factor, memory, connection speed.

From every run's results.json (``timings`` in beNNch's names, ``real_time_factor``,
``peak_rss_mb``, ``n_connections``), per backend: the mean over its runs, the seed-to-seed
sd and every run's value, and the ratio of the mean to the reference's.  Connections per
second = ``n_connections / time_connect``.  Runs made side by side (``compare --jobs N``,
N > 1) share the cores and perturb each other's times: each run's ``jobs`` says how many
runs were allowed at once when it was made (None: unknown, e.g. a run directory given to
``compare``), and ``note`` says so in words.
"""
import math

import numpy as np

#: field -> (label, unit); the order of the report's timing table
FIELDS = {
    "time_create": ("create", "s"),
    "time_connect": ("connect", "s"),
    "time_presimulate": ("presimulate", "s"),
    "time_simulate": ("simulate", "s"),
    "real_time_factor": ("real-time factor", "x"),
    "peak_rss_mb": ("peak memory", "MB"),
    "connections_per_s": ("connections per second", "1/s"),
}


def run_values(results):
    """One run's FIELDS from its results.json (None where it has no value)."""
    t = results.get("timings") or {}
    values = {k: t.get(k) for k in ("time_create", "time_connect", "time_presimulate",
                                    "time_simulate")}
    values["real_time_factor"] = results.get("real_time_factor")
    values["peak_rss_mb"] = results.get("peak_rss_mb")
    n, connect = results.get("n_connections"), values["time_connect"]
    values["connections_per_s"] = n / connect if n and connect else None
    return {k: float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None
            for k, v in values.items()}


def _summary(values):
    known = [v for v in values if v is not None]
    return {"mean": float(np.mean(known)) if known else None,
            "sd": float(np.std(known, ddof=1)) if len(known) > 1 else None,
            "runs": values}


def timing(groups, reference, jobs=None):
    """``groups``: backend -> runs (results.json dicts, each optionally with ``jobs``, the
    runs allowed at once when it was made).  Returns the JSON-ready timing section of
    comparison.json: per backend every FIELD's mean, sd, runs and ``ratio`` (mean / the
    reference's mean), plus seeds, threads, processes and jobs per run; ``jobs`` of this
    call, ``parallel`` (True if any run was made beside others, None if unknown for some)
    and ``note``."""
    out = {"fields": {k: {"label": label, "unit": unit} for k, (label, unit) in FIELDS.items()},
           "reference": reference, "jobs": jobs, "backends": {}}
    per_run_jobs = []
    for backend, runs in groups.items():
        values = [run_values(r) for r in runs]
        entry = {k: _summary([v[k] for v in values]) for k in FIELDS}
        entry.update(seeds=[r.get("seed") for r in runs],
                     threads=sorted({r.get("threads") for r in runs}, key=str),
                     mpi_processes=sorted({r.get("mpi_processes") for r in runs}, key=str),
                     jobs=[r.get("jobs") for r in runs])
        per_run_jobs += entry["jobs"]
        out["backends"][backend] = entry
    ref = out["backends"].get(reference)
    for backend, entry in out["backends"].items():
        for k in FIELDS:
            a = entry[k]["mean"]
            b = ref[k]["mean"] if ref else None
            entry[k]["ratio"] = a / b if a is not None and b else None
    if any(j is not None and j > 1 for j in per_run_jobs):
        out["parallel"] = True
        most = max(j for j in per_run_jobs if j is not None)
        out["note"] = (f"up to {most} runs ran at a time (compare --jobs {most}): they shared "
                       "the cores and memory bandwidth, so these times are longer and noisier "
                       "than those of runs made one at a time")
    elif any(j is None for j in per_run_jobs):
        out["parallel"] = None
        out["note"] = ("some runs were not made by this compare (directories given, or made "
                       "before it recorded how): whether they ran beside others is unknown")
    else:
        out["parallel"] = False
        out["note"] = "runs made one at a time (compare --jobs 1)"
    return out


def board_size(board):
    """"7 chips of 1 board, 84 application cores" from a prediction's ``board``."""
    board = board or {}
    chips, boards, cores = board.get("chips"), board.get("boards"), board.get("application_cores")
    text = f"{chips} chips of {boards} board{'s' if boards != 1 else ''}"
    return text + (f", {cores} application cores" if cores is not None else "")


def predicted(mapped, timing):
    """The ``predicted`` section of comparison.json: per mapped backend (``mapped``: backend
    -> runs, each with its whole ``port``; runs that map the network without producing data,
    e.g. on a virtual SpiNNaker board) the hardware run its port.json predicts
    (``predicted_board_time``: ``board``, ``phases`` {name: {seconds, what}}, ``total_seconds``),
    mean over its seeds, beside ``timing`` (:func:`timing`'s section): ``reference_total_s``,
    the reference's measured create + connect + presimulate + simulate, and ``ratio``, the
    predicted total over it.  Predictions, never measurements: ``what`` says so."""
    ref = timing["backends"].get(timing["reference"]) or {}
    parts = [ref.get(k, {}).get("mean") for k in ("time_create", "time_connect",
                                                   "time_presimulate", "time_simulate")]
    ref_total = sum(parts) if ref and None not in parts else None
    out = {}
    for backend, runs in mapped.items():
        preds = [(r.get("port") or {}).get("predicted_board_time") or {} for r in runs]
        good = [p for p in preds if p.get("total_seconds") is not None]
        host = [r.get("timings") or {} for r in runs]
        entry = {"predicted": True, "seeds": [r.get("seed") for r in runs],
                 "host_connect_s": _summary([h.get("time_connect") for h in host])["mean"],
                 "reference_total_s": ref_total}
        if not good:
            errors = [p.get("error") for p in preds if p.get("error")]
            entry.update(total_seconds=None, error=errors[0] if errors else None)
            out[backend] = entry
            continue
        phases = {}
        for name, phase in good[0]["phases"].items():
            phases[name] = {"seconds": float(np.mean([p["phases"][name]["seconds"]
                                                      for p in good])),
                            "what": phase.get("what")}
        total = float(np.mean([p["total_seconds"] for p in good]))
        entry.update(what=good[0].get("what"), board=good[0].get("board"), phases=phases,
                     total_seconds=total,
                     mapping_s=_summary([p.get("mapping_seconds_measured")
                                         for p in good])["mean"],
                     ratio=total / ref_total if ref_total else None)
        out[backend] = entry
    return out


def predicted_line(p):
    """One line on a mapped backend (``p``: an entry of :func:`predicted`)."""
    if p.get("total_seconds") is None:
        return (f"mapped only, no spikes, no verdict; no prediction of its cost "
                f"({p.get('error') or 'its port.json has none'})")
    return (f"mapped only, no spikes, no verdict; a run on {board_size(p['board'])} is "
            f"PREDICTED to take {p['total_seconds']:,.1f} s (not measured)")
