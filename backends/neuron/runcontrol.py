"""setup() and versions() for the NEURON backend.

Integration: fixed step ``timestep`` with Crank-Nicolson (``secondorder = 2``):
the leak then decays by (1 - a)/(1 + a) = exp(-h/tau_m) + O(a^3), a = h/(2 tau_m),
per step, and AlphaISynExact gives the current that makes the
step propagate the synaptic input exactly (see nmodl/alpha_exact.inc), so the
membrane follows NEST's exact integration of iaf_psc_alpha on the same grid.
CVode is refused: the synapses' step currents assume the fixed step.

Events go through NEURON's fixed-step bin queue (``CVode.queue_mode(1)``):
O(1) per event instead of a splay tree (measured 17 % faster on the network).
It delivers the events of a step in no particular order, which the synapses
allow for (see nmodl/SynapticMatrix.mod); times stay exact because every
spike and every delay lies on the grid.

setup() frees the cells of every earlier network in the process.  PyNN's does
not, and they went on being simulated with the next network (a 5 s test took
385 s late in the suite): a NEURON section holds its Python cell object and the
cell its section, a cycle Python's gc cannot see, and PyNN's Population keeps
its cells in a numpy object array, which gc does not traverse either.  The
earlier populations are PyNN's recorders' (every Population has one) and the
projections PyNN's list: each projection's attributes (NetCons, matrices) are
dropped, then each local cell's (point processes, NetCons, vectors), and its
section is deleted.  Objects of an earlier network are unusable after
setup(), as in PyNN.
"""
import neuron
import pyNN
import pyNN.neuron
from neuron import h, nrn
from pyNN.neuron import simulator
from pyNN.neuron.projections import _projections

SIMULATOR = "NEURON"
_run = {"seed": 1}


def versions():
    return {"simulator": SIMULATOR, "simulator_version": neuron.__version__,
            "pynn_version": pyNN.__version__}


def seed():
    """The seed given to setup(): names the Random123 streams of the Poisson drives."""
    return _run["seed"]


def setup(timestep, min_delay, max_delay, threads=1, rng_seed=1, **extra):
    """PyNN's setup on a fixed step with Crank-Nicolson; ``threads`` NEURON threads per process."""
    if extra.get("use_cvode"):
        raise ValueError("pynn_hpc's NEURON backend integrates on a fixed step (use_cvode=False)")
    if not (isinstance(threads, int) and threads > 0):
        raise ValueError(f"threads must be a whole number > 0 (got {threads})")
    populations = [recorder.population for recorder in simulator.state.recorders]
    projections = list(_projections)
    del _projections[:]          # PyNN would keep every earlier projection's NetCons alive
    rank = pyNN.neuron.setup(timestep=timestep, min_delay=min_delay, max_delay=max_delay,
                             **extra)
    _free(populations, projections)     # after PyNN's gid_clear, which needs the cells' sources
    simulator.h.secondorder = 2
    simulator.state.cvode.queue_mode(1, 0)     # fixed-step bin queue
    # threads made anew: a second network on threads otherwise kept the first one's thread
    # partition (get_partition listed deleted sections, and no thread had the new cells);
    # pc.partition() would reset it too, but made the simulation 20 % slower (measured)
    simulator.state.parallel_context.nthread(1)
    simulator.state.parallel_context.nthread(threads)
    _run["seed"] = int(rng_seed)
    return rank


def _free(populations, projections):
    """Delete the earlier network (module doc): the projections' NetCons and matrices (a NetCon
    watching a deleted section's cell would crash the next finitialize), then every local cell's
    attributes and its section."""
    for projection in projections:
        vars(projection).clear()
    for population in populations:
        for cell_id in population.all_cells:
            cell = vars(cell_id).get("_cell")    # (getattr: PyNN's ID looks up parameters)
            if isinstance(cell, nrn.Section):
                object.__getattribute__(cell, "__dict__").clear()   # (Section.__dict__ is NEURON's)
                h.delete_section(sec=cell)
