"""Is a run in the asynchronous irregular (AI) regime the model is meant for?

The seed asks for "a firing rate below 10 spikes per second" at scale >= 10; that advice
becomes a check here, next to irregularity and synchrony (Brunel 2000's AI state):

* ``rate``:        0.1 Hz <= rate_hz <= RATE_MAX: excludes silence and runaway firing only
                   (the 390 Hz of the seed's network at scale 0.1); the downscaled networks that are
                   irregular and asynchronous fire at 10 to 45 Hz (docs: "Scaling");
* ``irregular``:   cv_isi >= CV_MIN (regular firing has CV near 0, Poisson 1);
* ``asynchronous``: synchrony <= SYNCHRONY_MAX (mean pairwise correlation of 1 ms counts);
* ``seed_rate``:   rate_hz < 10 Hz, the seed's own criterion (reported, not required).
"""
import math

RATE_MIN = 0.1        # Hz
RATE_MAX = 50.0       # Hz
CV_MIN = 0.5
SYNCHRONY_MAX = 0.02


def assess(stats):
    """Checks and verdict from ``spike_statistics`` output; NaN counts as failing."""
    def ok(x, test):
        return bool(not math.isnan(x) and test(x))

    checks = {
        "rate": ok(stats["rate_hz"], lambda r: RATE_MIN <= r <= RATE_MAX),
        "irregular": ok(stats["cv_isi"], lambda c: c >= CV_MIN),
        "asynchronous": ok(stats["synchrony"], lambda s: s <= SYNCHRONY_MAX),
    }
    failed = [name for name, passed in checks.items() if not passed]
    return {
        "asynchronous_irregular": not failed,
        "checks": checks,
        "seed_rate_below_10hz": ok(stats["rate_hz"], lambda r: r < 10.0),
        "warning": None if not failed else (
            "not in the asynchronous irregular regime: " + ", ".join(
                {"rate": f"rate {stats['rate_hz']:.3g} Hz outside [{RATE_MIN}, {RATE_MAX}]",
                 "irregular": f"CV(ISI) {stats['cv_isi']:.2f} < {CV_MIN}",
                 "asynchronous": f"synchrony {stats['synchrony']:.3g} > {SYNCHRONY_MAX}"}[f]
                for f in failed)),
        "thresholds": {"rate_hz": [RATE_MIN, RATE_MAX], "cv_isi_min": CV_MIN,
                       "synchrony_max": SYNCHRONY_MAX},
    }
