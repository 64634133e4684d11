"""Named run configurations; explicit options override a preset's values.

* ``seed``: the seed's own run: scale 1, full indegree, 50 + 250 ms (bursty at this size:
  the seed warns that scale >= 10 is needed for its regime).
* ``desktop``: the seed's 11,250 neurons with the indegree x 0.2 and no DC current (the
  DC-compensated network falls silent for k <= 0.2): the largest network found asynchronous
  irregular that a desktop runs in minutes.
* ``teaching``: a smaller and sparser network that runs in seconds, still asynchronous
  irregular (sparser and smaller networks fire faster: above the seed's < 10 Hz).
* ``hpc``: the seed's intended use, scale 10 and more, 100 ms presimulation + 1000 ms, for
  clusters.

The measurements behind the choices are in the documentation ("Scaling").
"""
from . import parameters as P
from .errors import ParameterError

PRESETS = {
    "seed": {"scale": 1.0, "indegree_scale": 1.0, "dc_rate": P.SCALING["dc_rate"],
             "presim": 50.0, "simtime": 250.0},
    # 11,250 neurons, 25 M synapses
    "desktop": {"scale": 1.0, "indegree_scale": 0.2, "dc_rate": 0.0,
                "presim": 100.0, "simtime": 1000.0},
    # 3,375 neurons, 1.1 M synapses
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
