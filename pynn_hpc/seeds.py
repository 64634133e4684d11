"""One seed, one independent random stream per purpose.

A run's ``--seed`` s is expanded with numpy's ``SeedSequence``: purpose i (below) gets the
32-bit seed of child i of ``SeedSequence(s)``, which hashes (s, i) together.  Streams of
different purposes, or of different seeds, therefore do not overlap; seeding purposes with
s and s + 1 (as before) made run s's connections run s+1's membrane potentials.

``v_init``
    initial membrane potentials: one NumpyRNG, E then I
``connect``
    the presynaptic indices of the fixed-indegree connectors where they are drawn in
    Python (NEURON); NEST draws connections with its kernel RNG, seeded with s itself

The simulators' own generators (NEST's kernel RNG, NEURON's Random123 Poisson streams) take
s directly: each already keys its streams by seed and by thread or source.
"""
import numbers

import numpy as np

from .errors import ParameterError

PURPOSES = ("v_init", "connect")


def seed_for(seed, purpose):
    """The integer seed (0 <= . < 2**32, as NumpyRNG takes) of ``purpose``'s stream for ``seed``."""
    child = np.random.SeedSequence(int(seed)).spawn(len(PURPOSES))[PURPOSES.index(purpose)]
    return int(child.generate_state(1, np.uint32)[0])


#: the seeds every backend takes: NEST's kernel RNG (1 to 2^32 - 1), NEURON's Random123
#: stream ids (32 bits), numpy's SeedSequence
SEEDS = (1, 2**32 - 1)


def check_seed(seed, option="--seed"):
    """A whole number in :data:`SEEDS` (ParameterError otherwise)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ParameterError(f"{option} must be a whole number (got {seed!r})")
    if not SEEDS[0] <= seed <= SEEDS[1]:
        raise ParameterError(f"{option} must lie in [{SEEDS[0]}, {SEEDS[1]}] (got {seed}): "
                             "every backend's random streams take 32-bit seeds from 1")
