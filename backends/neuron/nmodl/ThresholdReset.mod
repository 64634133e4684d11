TITLE Threshold, reset and refractory clamp of an integrate-and-fire section, checked in the step

COMMENT
What PyNN's ResetRefrac (pyNN/neuron/nmodl/refrac.mod) does, without its WATCH statement:
NEURON evaluates a WATCH condition through the instance's generic data handles once per
cell and step, which cost a quarter of the backend's simulation of the seed's network.  Here
the check is a plain comparison in the mechanism's loop over its instances at the end of
each step (AFTER SOLVE), on the potential the WATCH would test at the start of the next
step, on NEURON's fixed step only (as the backend):

 * v > vthresh at the end of a step, t, having been at or below it at the end of the step
   before (a crossing, as a WATCH: a cell that starts above the threshold fires only after
   it has gone below): a spike at t (net_event), v is set to vreset and clamped there by the
   conductance g_on;
 * the clamp ends (v set to vreset, g = 0) at the end of the step before the one whose
   midpoint is at or after t + trefrac (where ResetRefrac's self-event would be delivered).

The spike is sent where the WATCH sent it, before the next step delivers its events: under
MPI with threads the spike exchange runs inside that delivery, and a spike sent later in
the step would reach the other processes one exchange late.  The one difference: the
potential recorded at the spike's own time is vreset (as NEST records it), not the potential
that crossed the threshold.

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
    above                           : 1: v was above vthresh at the last check
}

INITIAL {
    g = 0
    t_release = -1e9
    above = v > vthresh             : (PyNN sets v before the INITIAL blocks)
}

AFTER SOLVE {
VERBATIM
    /* t is the end of the step, v (read above from the node) the potential there;
       NODEV(_nd) writes the node */
    if (g > 0 && t_release <= t + 0.5 * dt) {
        NODEV(_nd) = v = vreset;
        g = 0;
    }
    if (v <= vthresh) {
        above = 0;
    } else if (!above) {
        above = 1;
        NODEV(_nd) = vreset;
        g = g_on;
        t_release = t + trefrac;
        net_event(_ppvar[1].get<Point_process*>(), t);
    }
ENDVERBATIM
}

BREAKPOINT {
    i = g*(v - vreset)
}
