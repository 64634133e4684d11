"""Spike and weight statistics of one run (Elephant for the spike trains).

All spike statistics are taken over the window [t_start, t_stop), i.e. after
the presimulation:

* ``rate_hz``: spikes of the recorded neurons / (n_recorded x window), silent
  neurons included (what the seed's ``compute_rate`` estimates);
* ``cv_isi``: mean over neurons with at least 3 spikes in the window of the
  coefficient of variation of their interspike intervals (NaN if none);
* ``fano_factor``: variance / mean of the population spike count in 1 ms bins
  (1 for independent Poisson neurons, large when the population fires in synchrony);
* ``synchrony``: (fano_factor - 1) / (n - 1), which for n neurons of equal rate is the
  mean pairwise correlation coefficient of their 1 ms spike counts, so that it does not
  grow with the number of recorded neurons as the Fano factor does.
"""
import numpy as np
import quantities as pq
from elephant.statistics import isi, cv


def window(spiketrains, t_start, t_stop):
    """The spike trains cut to [t_start, t_stop) (ms)."""
    return [st.time_slice(t_start * pq.ms, t_stop * pq.ms) for st in spiketrains]


def spike_statistics(spiketrains, t_start, t_stop, bin_ms=1.0):
    trains = window(spiketrains, t_start, t_stop)
    duration_s = (t_stop - t_start) / 1000.0
    n = len(trains)
    counts = np.array([len(st) for st in trains])
    cvs = [cv(isi(st.rescale(pq.ms).magnitude)) for st in trains if len(st) >= 3]
    times = np.concatenate([st.rescale(pq.ms).magnitude for st in trains]) if n else np.array([])
    edges = np.arange(t_start, t_stop + 0.5 * bin_ms, bin_ms)
    pop_counts = np.histogram(times, bins=edges)[0] if len(edges) > 1 else np.array([0])
    mean = pop_counts.mean()
    fano = float(pop_counts.var() / mean) if mean > 0 else float("nan")
    return {
        "n_recorded": int(n),
        "n_spikes": int(counts.sum()),
        "rate_hz": float(counts.sum() / (n * duration_s)) if n and duration_s > 0 else float("nan"),
        "cv_isi": float(np.mean(cvs)) if cvs else float("nan"),
        "fano_factor": fano,
        "synchrony": (fano - 1.0) / (n - 1) if n > 1 else float("nan"),
    }


def weight_summary(weights, quantiles=(0.05, 0.25, 0.5, 0.75, 0.95)):
    """n, mean, sd, min, max and quantiles of a weight sample (nA)."""
    w = np.asarray(weights, dtype=float)
    if w.size == 0:
        return {"n": 0}
    return {
        "n": int(w.size),
        "mean": float(w.mean()),
        "sd": float(w.std(ddof=1)) if w.size > 1 else 0.0,
        "min": float(w.min()),
        "max": float(w.max()),
        "quantiles": {f"{q:g}": float(v) for q, v in zip(quantiles, np.quantile(w, quantiles))},
        "unit": "nA",
    }
