"""Bulk NetCon operations, looped in C or hoc rather than in Python.

Each connection of a projection is one NetCon, kept in a hoc ``List`` (no
Python object per connection: ~250 B per connection on NEURON 9.0).  They are
created by ``connect_pairs_BulkNetCon`` (nmodl/BulkNetCon.mod, NEURON's C
API: 0.5 us per connection; a loop in hoc takes 1.2 us, one in Python 1.9 us);
the hoc procedures below read or write one attribute of every NetCon of a
list (or of those at given positions) through a ``Vector``.
"""
import numpy as np
from neuron import h

h("""
proc pynn_hpc_get_weight() { local i
    // $o1 List, $o2 Vector of positions, $3 index in the weight vector, $o4 Vector (out)
    $o4.resize($o2.size())
    for i = 0, $o2.size() - 1 { $o4.x[i] = $o1.o($o2.x[i]).weight[$3] }
}
proc pynn_hpc_get_delay() { local i
    $o3.resize($o2.size())
    for i = 0, $o2.size() - 1 { $o3.x[i] = $o1.o($o2.x[i]).delay }
}
proc pynn_hpc_set_weight() { local i
    // $o1 List, $o2 Vector of positions, $3 index in the weight vector, $o4 Vector of values
    for i = 0, $o2.size() - 1 { $o1.o($o2.x[i]).weight[$3] = $o4.x[i] }
}
proc pynn_hpc_set_delay() { local i
    for i = 0, $o2.size() - 1 { $o1.o($o2.x[i]).delay = $o3.x[i] }
}
""")


def connect(netcons, pc, gids, target, weight, delay):
    """One NetCon from each gid in ``gids`` to ``target``, appended to ``netcons``."""
    connect_pairs(netcons, pc, gids, [target], np.zeros(len(gids)), weight, delay)


def connect_pairs(netcons, pc, gids, targets, positions, weight, delay):
    """One NetCon from each gid to ``targets[positions[k]]`` (a Python list of targets)."""
    target_list = h.List()
    for target in targets:
        target_list.append(target)
    h.connect_pairs_BulkNetCon(pc, h.Vector(np.asarray(gids, dtype=float)), target_list,
                               h.Vector(np.asarray(positions, dtype=float)), float(weight),
                               float(delay), netcons)


def _positions(netcons, positions):
    if positions is None:
        positions = np.arange(int(netcons.count()))
    return h.Vector(np.asarray(positions, dtype=float))


def get(netcons, name, positions=None):
    """``weight`` (weight[0]) or ``delay`` of the NetCons at ``positions`` (all if None)."""
    out = h.Vector()
    if name == "weight":
        h.pynn_hpc_get_weight(netcons, _positions(netcons, positions), 0, out)
    elif name == "delay":
        h.pynn_hpc_get_delay(netcons, _positions(netcons, positions), out)
    else:
        raise KeyError(name)
    return out.as_numpy().copy()


def set(netcons, name, values, positions=None):
    pos = _positions(netcons, positions)
    values = np.broadcast_to(np.asarray(values, dtype=float), (int(pos.size()),))
    if name == "weight":
        h.pynn_hpc_set_weight(netcons, pos, 0, h.Vector(values))
    elif name == "delay":
        h.pynn_hpc_set_delay(netcons, pos, h.Vector(values))
    else:
        raise KeyError(name)
