TITLE Alpha-shaped synaptic current, integrated exactly, with an optional Poisson drive

COMMENT
Current-based alpha synapse for pynn_hpc's IF_curr_alpha on NEURON (replaces
PyNN's alphaisyn.mod, which keeps at most 1000 queued events and drops the rest).

    I_syn(t) = sum_k w_k e (t - t_k)/tau exp(-(t - t_k)/tau)

held in two state variables (see alpha_exact.inc): each event only adds to D,
so the cost and the result do not depend on the input rate.

Poisson drive (optional): every step, n ~ Poisson(drive_rate h) spikes of
weight drive_weight arrive at the end of the step (as NEST's poisson_generator
spikes on the grid), between drive_start and drive_stop, drawn from the
instance's own Random123 stream (set with drive_stream.set_ids(...), restarted
at every initialisation), so a train depends on its ids only, not on the
MPI distribution.

Network input: a SynapticMatrix (SynapticMatrix.mod) adds the weights of the spikes
arriving at this synapse in a step to its slot (``slot``, given by claim_slot()) in a
table of the process (a slot is written and read on its synapse's thread only); the synapse folds it into D at the
start of its current computation, after all events of the step, and empties it.
Direct NetCons work as well (NET_RECEIVE).

Units: nA, ms, Hz (drive_rate).
ENDCOMMENT

NEURON {
    POINT_PROCESS AlphaISynExact
    RANGE tau, tau_m, i, I, D
    RANGE drive_rate, drive_weight, drive_start, drive_stop, slot
    NONSPECIFIC_CURRENT i
    RANDOM drive_stream
    THREADSAFE
}

UNITS {
    (nA) = (nanoamp)
}

PARAMETER {
    tau = 0.5 (ms) <1e-9, 1e9>      : synaptic time constant
    tau_m = 10 (ms) <1e-9, 1e9>     : membrane time constant of the cell (exact step response)
    drive_rate = 0 (/s)             : Poisson drive, spikes per second
    drive_weight = 0 (nA)
    drive_start = 0 (ms)
    drive_stop = 1e12 (ms)
    slot = -1                       : this synapse's entry in the table of arriving weights
}

VERBATIM
#include <cmath>
#include <vector>
/* weight (nA) arriving in the current step at each slot (written by SynapticMatrix.mod);
   slots are only added while building the network */
std::vector<double> pynn_hpc_pending;

/* per thread: the distribution function of the first drive mean it meets (poisson_count) */
struct PoissonSums {
    double mean = -1;
    std::vector<double> cdf;
};
static thread_local PoissonSums poisson_sums;
ENDVERBATIM

ASSIGNED {
    i (nA)
    I (nA)
    D (nA/ms)
    p_I (1/ms)
    p_D
    decay
    h_step (ms)
    dt (ms)
}

INCLUDE "alpha_exact.inc"

INITIAL {
    I = 0
    D = 0
    propagators()
    random_setseq(drive_stream, 0)     : every run draws the same train (set_ids alone does not)
VERBATIM
    if (slot >= 0) {
        pynn_hpc_pending[(size_t) slot] = 0;
    }
ENDVERBATIM
}

BREAKPOINT {
    SOLVE advance
    receive()
    i = -(p_I*I + p_D*D)
}

PROCEDURE receive() {
    : the weights that arrived in this step (nrn_cur runs this twice: the second finds 0)
VERBATIM
    if (slot >= 0) {
        double& arrived = pynn_hpc_pending[(size_t) slot];
        if (arrived != 0) {
            D = D + arrived * M_E / tau;
            arrived = 0;
        }
    }
ENDVERBATIM
}

PROCEDURE claim_slot() {
    : a new slot in the table of arriving weights, for SynapticMatrix
VERBATIM
    if (slot < 0) {
        slot = (double) pynn_hpc_pending.size();
        pynn_hpc_pending.push_back(0.0);
    }
ENDVERBATIM
}

PROCEDURE advance() {
    LOCAL n
    propagate()
    if (drive_rate > 0 && t > drive_start && t <= drive_stop) {
        n = poisson_count(drive_rate*h_step*0.001)
VERBATIM
        D = D + _ln * drive_weight * M_E / tau;     /* M_E: exp(1), without a call per step */
ENDVERBATIM
    }
}

FUNCTION poisson_count(mean) {
    : Poisson count with this mean: inversion of the distribution function with one
    : uniform draw, in chunks of 100 so that exp(-mean) never underflows.  The distribution
    : function is summed as p_k = p_(k-1) mean/k; for the first mean a thread meets, the sums
    : are kept (the same numbers, so the same counts) and searched without a division.
VERBATIM
    double count = 0, rest = _lmean;
    while (rest > 0) {
        double m = rest > 100 ? 100 : rest;
        rest -= m;
        double u = nrnran123_uniform(drive_stream);
        PoissonSums& sums = poisson_sums;
        if (sums.mean < 0) {
            sums.mean = m;
            double p = exp(-m), s = p;
            sums.cdf.assign(1, s);
            for (int k = 1; p > 0; ++k) {
                p = p * m / k;
                s = s + p;
                sums.cdf.push_back(s);      /* the last: where p is 0 and the search stops */
            }
        }
        int k = 0;
        if (sums.mean == m) {
            int last = (int) sums.cdf.size() - 1;
            while (k < last && u > sums.cdf[k]) {
                ++k;
            }
        } else {
            double p = exp(-m), s = p;
            while (u > s && p > 0) {
                k = k + 1;
                p = p * m / k;
                s = s + p;
            }
        }
        count += k;
    }
    _lpoisson_count = count;
ENDVERBATIM
}

NET_RECEIVE(w (nA)) {
VERBATIM
    D = D + _args[0] * M_E / tau;
ENDVERBATIM
}
