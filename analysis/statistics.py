"""Spike and weight statistics of one run (Elephant for the spike trains).

All spike statistics are taken over the window [t_start, t_stop], i.e. after
the presimulation (both ends included, as Neo's ``SpikeTrain.time_slice``):

* ``rate_hz``: spikes of the recorded neurons / (n_recorded x window), silent
  neurons included (what the seed's ``compute_rate`` estimates);
* ``cv_isi``: mean over neurons with at least 3 spikes in the window of the
  coefficient of variation of their interspike intervals, Elephant's ``cv(isi(t))``:
  standard deviation (ddof 0) / mean (NaN if none);
* ``fano_factor``: variance / mean of the population spike count in 1 ms bins
  (1 for independent Poisson neurons, large when the population fires in synchrony);
* ``synchrony``: (fano_factor - 1) / (n - 1), which for n neurons of equal rate is the
  mean pairwise correlation coefficient of their 1 ms spike counts, so that it does not
  grow with the number of recorded neurons as the Fano factor does.
"""
import numpy as np
import quantities as pq


def window(spiketrains, t_start, t_stop):
    """The spike trains cut to [t_start, t_stop] (ms), as Neo SpikeTrains."""
    return [st.time_slice(t_start * pq.ms, t_stop * pq.ms) for st in spiketrains]


def window_ms(spiketrains, t_start, t_stop):
    """The spike times (ms, float arrays) in [t_start, t_stop] of each train: what
    :func:`window` keeps, without a Neo object per train (100x faster)."""
    scales, out = {}, []
    for st in spiketrains:
        units = st.dimensionality.string         # (st.units would make a Quantity: slower)
        if units not in scales:
            scales[units] = float(st.units.rescale(pq.ms).magnitude)
        t = np.asarray(st.magnitude, dtype=float)
        if scales[units] != 1.0:
            t = t * scales[units]
        out.append(t[(t >= t_start) & (t <= t_stop)])
    return out


def cv_isi(times):
    """The coefficient of variation of the intervals of ``times`` (sorted, ms): as Elephant's
    ``cv(isi(times))``, standard deviation (ddof 0) / mean."""
    intervals = np.diff(times)
    return float(intervals.std() / intervals.mean())


def spike_statistics(spiketrains, t_start, t_stop, bin_ms=1.0):
    trains = window_ms(spiketrains, t_start, t_stop)
    duration_s = (t_stop - t_start) / 1000.0
    n = len(trains)
    counts = np.array([len(t) for t in trains])
    cvs = [cv_isi(t) for t in trains if len(t) >= 3]
    times = np.concatenate(trains) if n else np.array([])
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
