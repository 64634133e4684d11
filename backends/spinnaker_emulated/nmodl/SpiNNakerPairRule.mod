TITLE sPyNNaker 7.4.1's pair rule around the power law in fixed point, as a SynapticMatrix's rule

COMMENT
A plastic SynapticMatrix of the NEURON backend (backends/neuron/nmodl/SynapticMatrix.mod) runs
this rule instead of its own once attach() has attached it, through the backend's rule hook
(backends/neuron/nmodl/synaptic_matrix.h).  An instance of this point process only hosts
attach(): the rule's state belongs to the matrix, which releases it.

The rule is the same C as the SpiNNaker backend's binary and host replay
(backends/spinnaker/c/host/pair_rule.h, which includes c/power_law_rule.h): weights are 16-bit
words at the receptor's LSB (kept in the matrix as nA, exact multiples of the LSB
2^shift / 2^15 nA), updated only at presynaptic spikes, in integer steps.  Per row its last
spike (step) and 4.11 trace; per target a history of its last 16 spikes, the spike of the
current step held back until every presynaptic spike of that step is done (as sPyNNaker orders
them), and a xorshift state for the stochastic write-back (seeded per target).  The
postsynaptic NetCons have delay d (as for the matrix's own rule): a presynaptic spike at t_pre
arrives at t_pre + d, a postsynaptic one at t_post + d, each read back as its step.
ENDCOMMENT

NEURON {
    POINT_PROCESS SpiNNakerPairRule
    THREADSAFE
}

VERBATIM
#include <cmath>
#include <cstdint>
#include <vector>

#include "synaptic_matrix.h"      /* backends/neuron/nmodl on the include path */
#include "host/pair_rule.h"       /* backends/spinnaker/c on the include path */

struct SpiNNakerRule {
    double timestep;                        /* ms */
    double lsb;                             /* nA per stored unit: 2^shift / 2^15 */
    uint32_t delay, shift, rounding;        /* delay in steps */
    pl_params_t params;
    std::vector<int16_t> lut_plus, lut_minus;
    std::vector<uint32_t> last_pre;         /* per row: step of its last spike */
    std::vector<int16_t> last_trace;        /* per row: its trace then (4.11) */
    std::vector<pl_history_t> history;      /* per target */
    std::vector<int64_t> held;              /* per target: step of a spike not yet in history */
    std::vector<uint32_t> seed, random;     /* per target: stochastic rounding's generator */
};

static void spinnaker_reset(SynapticMatrixData*, void* state) {
    SpiNNakerRule* sp = (SpiNNakerRule*) state;
    std::fill(sp->last_pre.begin(), sp->last_pre.end(), 0u);
    std::fill(sp->last_trace.begin(), sp->last_trace.end(), (int16_t) 0);
    std::fill(sp->history.begin(), sp->history.end(), pl_history_t{});
    std::fill(sp->held.begin(), sp->held.end(), (int64_t) -1);
    sp->random = sp->seed;
}

static void spinnaker_free(void* state) {
    delete (SpiNNakerRule*) state;
}

/* a target's spike held back from its history goes in once a later step has begun */
static void spinnaker_release(SpiNNakerRule* sp, int64_t j, int64_t now) {
    if (sp->held[j] >= 0 && sp->held[j] < now) {
        const pl_lut_t decay_minus = {sp->lut_minus.data(), (uint32_t) sp->lut_minus.size()};
        uint32_t dropped;
        pl_history_add(&sp->history[j], (uint32_t) sp->held[j], &decay_minus, &dropped);
        sp->held[j] = -1;
    }
}

/* an event arriving at T: a presynaptic spike of row `code` >= 0 (sent at T - d), or a
   spike of target -1 - code (fired at T - d, its NetCon having delay d) */
static void spinnaker_receive(SynapticMatrixData* m, void* state, double T, double code,
                              double* pending) {
    SpiNNakerRule* sp = (SpiNNakerRule*) state;
    int64_t now = (int64_t) std::llround(T / sp->timestep) - (int64_t) sp->delay;
    if (code < 0) {
        int64_t j = (int64_t) (-code) - 1;
        spinnaker_release(sp, j, now);
        sp->held[j] = now;
        return;
    }
    int64_t r = (int64_t) code;
    const pl_lut_t decay_plus = {sp->lut_plus.data(), (uint32_t) sp->lut_plus.size()};
    const pl_lut_t decay_minus = {sp->lut_minus.data(), (uint32_t) sp->lut_minus.size()};
    for (int64_t k = m->row[r]; k < m->row[r + 1]; ++k) {
        int32_t j = m->target[k];
        spinnaker_release(sp, j, now);
        uint32_t stored = (uint32_t) std::llround(m->weight[k] / sp->lsb);
        stored = pl_pre_spike(&sp->history[j], stored, (uint32_t) now, sp->last_pre[r],
                              sp->last_trace[r], sp->delay, sp->shift, &sp->params, &decay_plus,
                              &decay_minus, sp->rounding, &sp->random[j]);
        double wk = stored * sp->lsb;
        m->weight[k] = wk;
        pending[m->slot[j]] += wk;
    }
    sp->last_trace[r] = pl_add_spike((uint32_t) now, sp->last_pre[r], sp->last_trace[r],
                                     &decay_plus);
    sp->last_pre[r] = (uint32_t) now;
}

static const SynapticMatrixRule spinnaker_pair_rule = {spinnaker_receive, spinnaker_reset,
                                                       spinnaker_free};
ENDVERBATIM

PROCEDURE attach() {
VERBATIM
    /* attach(matrix, settings, words, lut_plus, lut_minus, seeds): the rule for the SynapticMatrix
       whose handle is `matrix`, from now on (after build, plastic only; see COMMENT).  settings:
       timestep (ms), delay (steps >= 1), ring-buffer shift (0..16), rounding (power_law_rule.h
       PL_ROUND_*); words: the rule's 3 parameter words (fixedpoint.parameter_words); the decay
       tables of tau_plus and tau_minus (fixedpoint.exp_lut); seeds: per target, non-zero.  The
       weights must already be multiples of the LSB, below 2^16 of it. */
    {
        SynapticMatrixData* m = pynn_hpc_synaptic_matrix(*getarg(1));
        IvocVect* vectors[5];
        for (int a = 0; a < 5; ++a) {
            vectors[a] = vector_arg(a + 2);
        }
        const double* settings = vector_vec(vectors[0]);
        const double* words = vector_vec(vectors[1]);
        const double* seeds = vector_vec(vectors[4]);
        if (!m || !m->is_plastic || vector_capacity(vectors[0]) != 4 ||
                vector_capacity(vectors[1]) != 3 ||
                (size_t) vector_capacity(vectors[4]) != m->slot.size() || settings[1] < 1 ||
                settings[2] < 0 || settings[2] > 16) {
            hoc_execerror("SpiNNakerPairRule.attach: a built plastic matrix, 4 settings "
                          "(delay >= 1 step, shift 0..16), 3 words and a seed per target", 0);
        }
        SpiNNakerRule* sp = new SpiNNakerRule();
        sp->timestep = settings[0];
        sp->delay = (uint32_t) settings[1];
        sp->shift = (uint32_t) settings[2];
        sp->rounding = (uint32_t) settings[3];
        sp->lsb = std::ldexp(1.0, (int) sp->shift - 15);
        sp->params = pl_params_t{(int32_t) (uint32_t) words[0], (int32_t) (uint32_t) words[1],
                                 (int32_t) (uint32_t) words[2]};
        sp->lut_plus.assign(vector_vec(vectors[2]), vector_vec(vectors[2]) +
                            vector_capacity(vectors[2]));
        sp->lut_minus.assign(vector_vec(vectors[3]), vector_vec(vectors[3]) +
                             vector_capacity(vectors[3]));
        size_t n_rows = m->row.size() - 1, n_targets = m->slot.size();
        sp->last_pre.assign(n_rows, 0u);
        sp->last_trace.assign(n_rows, 0);
        sp->history.assign(n_targets, pl_history_t{});
        sp->held.assign(n_targets, -1);
        sp->seed.resize(n_targets);
        for (size_t j = 0; j < n_targets; ++j) {
            sp->seed[j] = seeds[j] >= 1 ? (uint32_t) seeds[j] : 1u;
        }
        spinnaker_reset(m, sp);
        pynn_hpc_synaptic_matrix_attach(m, &spinnaker_pair_rule, sp);
    }
ENDVERBATIM
}
