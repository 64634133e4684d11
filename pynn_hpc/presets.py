"""Named run configurations; explicit command-line options override a preset's values.

Chosen from the measurements in README.md ("Scaling"), on a 2-core / 24 GB machine:

* ``seed``: the seed's own run: scale 1, full indegree, 50 + 250 ms (bursty at this size:
  the seed warns that scale >= 10 is needed for its regime).
* ``desktop``: the largest network found asynchronous irregular that NEST runs in about a
  minute on 2 cores: the seed's 11,250 neurons with the indegree x 0.2 and no DC current
  (the DC-compensated network falls silent for k <= 0.2, see README).
* ``teaching``: 6 s on NEST and 5 s on NEURON, still asynchronous irregular (sparser and
  smaller networks fire faster: the rate is 38 Hz, not the seed's < 10 Hz).
* ``hpc``: the seed's intended use, scale 10 and more, 100 ms presimulation + 1000 ms, for clusters.
"""
from . import parameters as P
from .errors import ParameterError

PRESETS = {
    "seed": {"scale": 1.0, "indegree_scale": 1.0, "dc_rate": P.SCALING["dc_rate"],
             "presim": 50.0, "simtime": 250.0},
    # 11,250 neurons, 25 M synapses: 18 Hz, CV 0.83, synchrony 0.013; NEST ~1 min on 2 cores
    "desktop": {"scale": 1.0, "indegree_scale": 0.2, "dc_rate": 0.0,
                "presim": 100.0, "simtime": 1000.0},
    # 3,375 neurons, 1.1 M synapses: 39-44 Hz, CV 0.99, synchrony 0.008-0.012
    "teaching": {"scale": 0.3, "indegree_scale": 0.03, "dc_rate": 0.0,
                 "presim": 100.0, "simtime": 300.0},
    "hpc": {"scale": 10.0, "indegree_scale": 1.0, "dc_rate": P.SCALING["dc_rate"],
            "presim": 100.0, "simtime": 1000.0},
}

#: what a run uses when neither a preset nor an option says otherwise
DEFAULTS = dict(PRESETS["seed"], threads=P.RUN["threads"], seed=P.RUN["seed"])


def resolve(preset=None, **options):
    """The run's options: defaults, then the preset's values, then explicit (non-None) options."""
    if preset is not None and preset not in PRESETS:
        raise ParameterError(f"unknown --preset '{preset}': choose one of {', '.join(PRESETS)}")
    resolved = dict(DEFAULTS, **(PRESETS[preset] if preset else {}))
    resolved.update({k: v for k, v in options.items() if v is not None})
    return resolved
