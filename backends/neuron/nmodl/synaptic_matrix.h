/* synaptic_matrix.h: the C++ interface of the NEURON backend's synaptic delivery, for mechanisms
 * of other libraries (compiled and loaded by pynn_hpc.backends.neuron.mechanisms.load_folder,
 * with this directory on their include path).
 *
 * The backend's library is put in the global symbol scope before such a library is loaded, so
 * the symbols declared here resolve to the backend's own: one table of receptor slots and one
 * list of matrices per process.
 *
 * Receptors: a synapse that a SynapticMatrix delivers to claims a slot (pynn_hpc_pending.
 * push_back(0), while the network is built); the matrices add the weights (nA) arriving in a
 * step to its slot; the receptor reads and empties it once per step (AlphaISynExact.mod).
 *
 * Rules: a library attaches a plastic rule to a built plastic matrix.  From then on the matrix
 * hands every event to the rule's receive() instead of running its own rule (NEST's power law),
 * transmission included; reset() is called at every initialisation, release() once, when the
 * matrix is deleted or another rule is attached.  The matrix's data below stay the matrix's:
 * a rule reads the layout and may change weight (what get_weights reports).
 *
 * (In a .mod file this is included inside VERBATIM: NMODL turns the mechanism's RANGE names and
 * t, dt, v, id into macros there, so no name below may be one of them.)
 */
#ifndef PYNN_HPC_SYNAPTIC_MATRIX_H
#define PYNN_HPC_SYNAPTIC_MATRIX_H

#include <cstdint>
#include <utility>
#include <vector>

/* per receptor slot: weight (nA) arriving in the current step (defined in AlphaISynExact.mod) */
extern std::vector<double> pynn_hpc_pending;

struct SynapticMatrixRule;

/* a postsynaptic spike as the matrix's own rule keeps it: its time where it meets presynaptic
   arrivals (t_post + 2 d, ms) and the target's Kminus right after it */
struct PostSpike {
    double meets;                           /* t_post + 2 d (ms) */
    double kminus;
};

/* a target's spikes since the oldest last presynaptic arrival of any row that has fired
   (spikes[first ..]); at the arrival time t_k (computed once per target and time): its Kminus
   k and how many of its spikes have been met (spikes[.. met]) */
struct PostHistory {
    std::vector<PostSpike> spikes;
    uint32_t first = 0, met = 0;
    double t_k = -1e300, k = 0.0;
};

/* One projection's synapses onto one thread's neurons (SynapticMatrix.mod) */
struct SynapticMatrixData {
    bool is_plastic = false;                /* fixed by build() */
    std::vector<int64_t> row;               /* row r: synapses row[r] .. row[r+1]-1 */
    std::vector<int32_t> target;            /* per synapse: target (index into slot) */
    std::vector<double> weight;             /* per synapse (nA; plastic: as of its last
                                               presynaptic spike, as NEST reports it) */
    std::vector<int32_t> slot;              /* per target: its receptor's slot */
    /* plastic only, the matrix's own rule */
    std::vector<double> kplus, t_last;      /* per row: Kplus and the time of its last arrival */
    std::vector<PostHistory> post;          /* per target */
    double t_horizon = -1e300;              /* no row that has fired arrived last before this */
    double t_refresh = -1e300;              /* when t_horizon is next computed */
    /* presynaptic spikes (time, row) received and not yet delivered (the matrix's own rule
       and static matrices: delivered in time and row order once per step) */
    std::vector<std::pair<double, int64_t>> arrived;
    /* an attached rule (pynn_hpc_synaptic_matrix_attach) and its state, or null */
    const SynapticMatrixRule* rule = nullptr;
    void* rule_state = nullptr;
};

struct SynapticMatrixRule {
    /* an event arriving at `when` (ms): a presynaptic spike of row `code` >= 0, or a spike of
       target -1 - `code`; adds what it transmits to pending[m->slot[target]] */
    void (*receive)(SynapticMatrixData* m, void* state, double when, double code,
                    double* pending);
    void (*reset)(SynapticMatrixData* m, void* state);      /* at every initialisation */
    void (*release)(void* state);                           /* the state is no longer used */
};

/* the matrix whose `handle` (a RANGE variable of SynapticMatrix) is given, or null */
extern "C" SynapticMatrixData* pynn_hpc_synaptic_matrix(double index);

/* attach `rule` with `state` to the built plastic matrix `m` (releasing a rule attached before);
   0 on success; -1 if m is null or not plastic (nothing attached, `state` stays the caller's) */
extern "C" int pynn_hpc_synaptic_matrix_attach(SynapticMatrixData* m,
                                               const SynapticMatrixRule* rule, void* state);

#endif
