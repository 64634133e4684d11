"""Named run configurations; explicit command-line options override a preset's values.

Chosen from the measurements in README.md ("Scaling"), on a 2-core / 24 GB machine:

* ``seed``: the seed's own run: scale 1, full indegree, 50 + 250 ms (bursty at this size:
  the seed warns that scale >= 10 is needed for its regime).
* ``desktop``: the largest network found asynchronous irregular that NEST runs in about a
  minute on 2 cores (and NEURON in about 10 minutes).
* ``teaching``: under 30 s on any backend, still asynchronous irregular.
* ``hpc``: the seed's intended use, scale 10 and more, 100 ms presimulation + 1000 ms, for clusters.
"""
from . import parameters as P
from .derived import ParameterError

PRESETS = {
    "seed": {"scale": 1.0, "indegree_scale": 1.0, "dc_rate": P.SCALING["dc_rate"],
             "presim": 50.0, "simtime": 250.0},
    "desktop": {"scale": 1.0, "indegree_scale": 0.1, "dc_rate": 0.0,
                "presim": 100.0, "simtime": 1000.0},
    "teaching": {"scale": 0.5, "indegree_scale": 0.05, "dc_rate": 0.0,
                 "presim": 100.0, "simtime": 500.0},
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
