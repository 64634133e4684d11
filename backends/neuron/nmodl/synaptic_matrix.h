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
 * a rule reads the layout and may change weight and weight_at_pre (what get_weights reports).
 *
 * (In a .mod file this is included inside VERBATIM: NMODL turns the mechanism's RANGE names and
 * t, dt, v, id into macros there, so no name below may be one of them.)
 */
#ifndef PYNN_HPC_SYNAPTIC_MATRIX_H
#define PYNN_HPC_SYNAPTIC_MATRIX_H

#include <cstdint>
#include <vector>

/* per receptor slot: weight (nA) arriving in the current step (defined in AlphaISynExact.mod) */
extern std::vector<double> pynn_hpc_pending;

struct SynapticMatrixRule;

/* One projection's synapses onto one thread's neurons (SynapticMatrix.mod) */
struct SynapticMatrixData {
    bool is_plastic = false;                /* fixed by build() */
    std::vector<int64_t> row;               /* row r: synapses row[r] .. row[r+1]-1 */
    std::vector<int32_t> target;            /* per synapse: target (index into slot) */
    std::vector<double> weight;             /* per synapse (nA) */
    std::vector<int32_t> slot;              /* per target: its receptor's slot */
    /* plastic only */
    std::vector<int64_t> col;               /* target j: entries col[j] .. col[j+1]-1 */
    std::vector<uint32_t> by_target;        /* per entry: the synapse */
    std::vector<int32_t> pre_of;            /* per entry: its row */
    std::vector<double> weight_at_pre;      /* per synapse: w at its last presynaptic spike */
    std::vector<double> kplus, t_last;      /* per row (the matrix's own rule) */
    std::vector<double> kminus, kminus_before, t_kminus;    /* per target (the same) */
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
