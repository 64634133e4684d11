TITLE Threshold, reset and refractory clamp of an integrate-and-fire section, checked in the step

COMMENT
What PyNN's ResetRefrac (pyNN/neuron/nmodl/refrac.mod) does, without its WATCH statement:
NEURON evaluates a WATCH condition through the instance's generic data handles once per
cell and step, which cost a quarter of the backend's simulation of the seed's network.  Here
the check is a plain comparison in the mechanism's loop over its instances, at the same
point of the step (before anything is integrated, on the potential at the start of the
step), with the same result, on NEURON's fixed step only (as the backend):

 * v > vthresh at the start of a step beginning at t0 (on the grid: k dt), having been at or below it at the
   start of the step before (a crossing; as a WATCH, which is first evaluated at the first
   step: a cell that starts above the threshold fires only after it has gone below): a
   spike at t0 (net_event), v is set to vreset and clamped there by the conductance g_on;
 * the clamp ends (v set to vreset, g = 0) at the first step whose midpoint is at or after
   t0 + trefrac (when ResetRefrac's self-event would be delivered).

Nothing happens when NEURON computes the currents outside a step (at t = 0 in
finitialize, and at the start of a run under MPI with threads), where t is on the grid, not
a step's midpoint.

Units: mV, nA, uS, ms.
ENDCOMMENT

NEURON {
    POINT_PROCESS ThresholdReset
    RANGE vreset, trefrac, vspike, vthresh
    NONSPECIFIC_CURRENT i
    THREADSAFE
}

UNITS {
    (mV) = (millivolt)
    (nA) = (nanoamp)
    (uS) = (microsiemens)
}

PARAMETER {
    vthresh = -50 (mV)              : spike threshold
    vreset = -60 (mV)               : reset potential after a spike
    vspike = 40 (mV)                : (PyNN's name; the spike itself is not drawn)
    trefrac = 1 (ms)
    g_on = 1e12 (uS)                : the clamp during the refractory period
}

ASSIGNED {
    v (mV)
    i (nA)
    g (uS)
    t_release (ms)
    above                           : 1: v was above vthresh at the last check (-1: not yet)
}

INITIAL {
    g = 0
    t_release = -1e9
    above = -1
}

VERBATIM
#include <cmath>
ENDVERBATIM

BEFORE BREAKPOINT {
VERBATIM
    /* In a step, t is the step's midpoint here; v, read above from the node, is still the
       potential at the start of the step; NODEV(_nd) writes the node.  NEURON also computes
       the currents outside a step (at t = 0 in finitialize, and between the runs of a
       ParallelContext with threads and MPI): t is then on the grid, and nothing happens. */
    double steps = t / dt;
    if (std::fabs(steps - std::floor(steps) - 0.5) > 1e-6) {
        return;
    }
    if (above < 0) {
        above = v > vthresh;                    /* the first step: no crossing yet */
        return;
    }
    if (g > 0 && t_release <= t) {
        NODEV(_nd) = v = vreset;
        g = 0;
    }
    if (v <= vthresh) {
        above = 0;
    } else if (!above) {
        /* on the grid: a thread's t is a sum of half steps, reset at each spike exchange
           under MPI, so t - dt/2 differs between layouts in the last bits */
        double t0 = std::nearbyint(t / dt - 0.5) * dt;
        above = 1;
        NODEV(_nd) = vreset;
        g = g_on;
        t_release = t0 + trefrac;
        /* net_event refuses a time before the thread's t: the spike is sent from t0 */
        double t_mid = t;
        t = t0;
        net_event(_ppvar[1].get<Point_process*>(), t0);
        t = t_mid;
    }
ENDVERBATIM
}

BREAKPOINT {
    i = g*(v - vreset)
}
