TITLE A projection's synapses onto the neurons of one thread, as a matrix (static or power-law STDP)

COMMENT
One instance per projection, MPI rank and NEURON thread holds every synapse of the
projection onto that thread's neurons, in rows by presynaptic neuron (as NEST's
connection tables or sPyNNaker's synaptic matrices): per synapse a target (int) and a
weight (double, nA), per row its presynaptic neuron.  Each presynaptic neuron reaches it
through ONE NetCon (weight[0] = row index >= 0, delay d), so NEURON makes a NetCon per
presynaptic neuron, not per synapse; the synapses of a row are then delivered here, in C:
each adds its weight to the target receptor's slot of weight arriving this step
(AlphaISynExact.mod), which the receptor folds into its current before anything uses it.
The receptors must be on this instance's thread (the projection checks it at every
initialisation).

Power-law STDP (plastic = 1, NEST's stdp_pl_synapse_hom; Morrison et al. 2007): all-to-all
pairs, all of the delay d dendritic.  Times are taken where the events arrive here: a
presynaptic spike t_pre at T = t_pre + d, a postsynaptic spike t_post at
T_post = t_post + 2 d (one more NetCon per target neuron, weight[0] = -1 - target,
delay 2 d).  Differences between arrival times are NEST's t_post + d - t_pre, so:

 * at each postsynaptic arrival T_post, for every synapse onto that neuron whose
   presynaptic neuron has fired, in turn:
       w <- w + A_plus w0^(1-mu) w^mu Kplus exp(-(T_post - t_last)/tau_plus)
   (NEST does these steps lazily at the next presynaptic spike, in the same order and
   from the same values);
 * at each presynaptic arrival T, for every synapse of the row:
       w <- max(0, w - A_minus w Kminus(T))
   with Kminus(T) = sum over the target's postsynaptic arrivals T_post < T (strictly) of
   exp(-(T - T_post)/tau_minus); the spike is then transmitted with the new w; then, for
   the row's presynaptic neuron (the same for all its synapses: one delay),
       Kplus <- Kplus exp(-(T - t_last)/tau_plus) + 1,   t_last <- T.

A pair at exactly zero time difference does nothing; w >= 0, no upper bound.

Reading the weights: NEST applies the potentiation lazily, so the weight it reports is the
weight as of the connection's last presynaptic spike.  The matrix keeps that weight too
(w_at_pre, set at every presynaptic arrival and by a same-time redo) and reports it, so
that both simulators report the same numbers; the weight used for transmission (w) is
the same as NEST's at every presynaptic spike.  Events of
the same time may come in any order (NEURON's bin queue does not order them).  NEST's order
at a time T where both arrive is: potentiation by the postsynaptic spike, depression,
transmission.  If the presynaptic spike came first, the postsynaptic arrival finds
t_last = T and redoes it in NEST's order: w_before = w / dep (dep = max(0, 1 - A_minus
Kminus(T)), the same at both arrivals), potentiation with the trace before T's spike
(Kplus - 1), depression again, and the difference of the weights added to the weight
already sent at T (exact: the alpha current is linear in its weights).

Memory per synapse: 12 B static (target, weight), 28 B plastic (and the weight at the last
presynaptic spike, and the target's list of its synapses: synapse and presynaptic index).
Units: nA, ms.

SpiNNaker's fixed-point rule (the spinnaker-emulated backend; off unless spinnaker_rule() is
called, and then the rule above is not used): a plastic matrix runs sPyNNaker 7.4.1's pair rule
around the power-law arithmetic in SpiNNaker's fixed point, the same C as the SpiNNaker
backend's binary and host replay (backends/spinnaker/c/host/pair_rule.h, which includes
c/power_law_rule.h): weights are 16-bit words at the receptor's LSB (kept here as nA, exact
multiples of the LSB 2^shift / 2^15 nA), updated only at presynaptic spikes, in integer steps.
Per row its last spike (step) and 4.11 trace; per target a history of its last 16 spikes, the
spike of the current step held back until every presynaptic spike of that step is done (as
sPyNNaker orders them), and a xorshift state for the stochastic write-back (seeded per target).
The postsynaptic NetCons then have delay d (not 2 d): a presynaptic spike at t_pre arrives at
t_pre + d, a postsynaptic one at t_post + d, each read back as its step.
ENDCOMMENT

NEURON {
    POINT_PROCESS SynapticMatrix
    RANGE plastic, tau_plus, tau_minus, A_plus, A_minus, mu, w0, probe, w_probe
    THREADSAFE
}

PARAMETER {
    plastic = 0                     : 1: power-law STDP (set before build)
    tau_plus = 20 (ms)
    tau_minus = 20 (ms)
    A_plus = 0.01                   : lambda
    A_minus = 0.01                  : lambda alpha
    mu = 0.4
    w0 = 0.001                      : reference weight of the power law (nA)
    eps = 1e-6 (ms)                 : times closer than this are the same time (NEST's stdp eps)
    probe = -1                      : a synapse whose reported weight w_probe shows after every event
}

ASSIGNED {
    handle
    w_probe
}

VERBATIM
#include <cmath>
#include <cstdint>
#include <vector>

extern std::vector<double> pynn_hpc_pending;        /* AlphaISynExact.mod */

#pragma push_macro("mu")          /* a RANGE name here, a field name there */
#undef mu
#include "host/pair_rule.h"       /* backends/spinnaker/c on the include path */
#pragma pop_macro("mu")

/* SpiNNaker's fixed-point rule (see COMMENT): present only when spinnaker_rule() was called */
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
    std::vector<double> kplus, t_last;      /* per row */
    std::vector<double> kminus, kminus_before, t_kminus;    /* per target */
    SpiNNakerRule* spinnaker = nullptr;     /* set by spinnaker_rule() */
};

static std::vector<SynapticMatrixData*> synaptic_matrices;

static SynapticMatrixData* matrix_of(double index) {
    return synaptic_matrices[(size_t) index];
}

static std::vector<double> vector_values(IvocVect* vec) {
    return std::vector<double>(vector_vec(vec), vector_vec(vec) + vector_capacity(vec));
}

static void spinnaker_reset(SpiNNakerRule* sp) {
    std::fill(sp->last_pre.begin(), sp->last_pre.end(), 0u);
    std::fill(sp->last_trace.begin(), sp->last_trace.end(), (int16_t) 0);
    std::fill(sp->history.begin(), sp->history.end(), pl_history_t{});
    std::fill(sp->held.begin(), sp->held.end(), (int64_t) -1);
    sp->random = sp->seed;
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
static void spinnaker_receive(SynapticMatrixData* m, double T, double code, double* pending) {
    SpiNNakerRule* sp = m->spinnaker;
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
        m->weight_at_pre[k] = wk;
        pending[m->slot[j]] += wk;
    }
    sp->last_trace[r] = pl_add_spike((uint32_t) now, sp->last_pre[r], sp->last_trace[r],
                                     &decay_plus);
    sp->last_pre[r] = (uint32_t) now;
}
ENDVERBATIM

CONSTRUCTOR {
VERBATIM
    handle = (double) synaptic_matrices.size();
    synaptic_matrices.push_back(new SynapticMatrixData());
ENDVERBATIM
}

DESTRUCTOR {
VERBATIM
    delete synaptic_matrices[(size_t) handle]->spinnaker;
    delete synaptic_matrices[(size_t) handle];
    synaptic_matrices[(size_t) handle] = nullptr;
ENDVERBATIM
}

INITIAL {
VERBATIM
    {
        SynapticMatrixData* m = matrix_of(handle);
        std::fill(m->kplus.begin(), m->kplus.end(), 0.0);
        std::fill(m->t_last.begin(), m->t_last.end(), -1e9);
        std::fill(m->kminus.begin(), m->kminus.end(), 0.0);
        std::fill(m->kminus_before.begin(), m->kminus_before.end(), 0.0);
        std::fill(m->t_kminus.begin(), m->t_kminus.end(), -1e9);
        if (m->spinnaker) {
            spinnaker_reset(m->spinnaker);
        }
    }
ENDVERBATIM
    show_probe()
}

PROCEDURE build() {
VERBATIM
    /* build(rows, targets, weights, slots): synapse k goes from row rows[k] (non-decreasing)
       to target targets[k] (< len(slots)) with weight weights[k] (or weights[0] for all) */
    {
        SynapticMatrixData* m = matrix_of(handle);
        IvocVect* rows_v = vector_arg(1);
        IvocVect* targets_v = vector_arg(2);
        IvocVect* weights_v = vector_arg(3);
        std::vector<double> slots = vector_values(vector_arg(4));
        int64_t n = vector_capacity(rows_v);
        double* rows = vector_vec(rows_v);
        double* targets = vector_vec(targets_v);
        double* weights = vector_vec(weights_v);
        int64_t n_weights = vector_capacity(weights_v);
        if (vector_capacity(targets_v) != n || (n_weights != n && n_weights != 1)) {
            hoc_execerror("SynapticMatrix.build: rows, targets and weights differ in length", 0);
        }
        if (n >= (int64_t) 1 << 32) {
            hoc_execerror("SynapticMatrix.build: more than 2^32 synapses in one matrix", 0);
        }
        int64_t n_rows = n ? (int64_t) rows[n - 1] + 1 : 0;
        m->row.assign(n_rows + 1, 0);
        m->target.resize(n);
        m->weight.resize(n);
        m->slot.resize(slots.size());
        for (size_t j = 0; j < slots.size(); ++j) {
            m->slot[j] = (int32_t) slots[j];
        }
        for (int64_t k = 0; k < n; ++k) {
            int64_t r = (int64_t) rows[k];
            if (r < 0 || (k > 0 && r < (int64_t) rows[k - 1])) {
                hoc_execerror("SynapticMatrix.build: rows must be non-negative and sorted", 0);
            }
            int64_t j = (int64_t) targets[k];
            if (j < 0 || j >= (int64_t) slots.size()) {
                hoc_execerror("SynapticMatrix.build: target outside the list of slots", 0);
            }
            m->row[r + 1] += 1;
            m->target[k] = (int32_t) j;
            m->weight[k] = weights[n_weights == 1 ? 0 : k];
        }
        for (int64_t r = 0; r < n_rows; ++r) {
            m->row[r + 1] += m->row[r];
        }
        m->is_plastic = plastic != 0;
        if (m->is_plastic) {
            size_t n_targets = slots.size();
            m->col.assign(n_targets + 1, 0);
            for (int64_t k = 0; k < n; ++k) {
                m->col[m->target[k] + 1] += 1;
            }
            for (size_t j = 0; j < n_targets; ++j) {
                m->col[j + 1] += m->col[j];
            }
            m->by_target.resize(n);
            m->pre_of.resize(n);
            m->weight_at_pre = m->weight;
            std::vector<int64_t> next(m->col.begin(), m->col.end() - 1);
            for (int64_t r = 0; r < n_rows; ++r) {
                for (int64_t k = m->row[r]; k < m->row[r + 1]; ++k) {
                    int64_t e = next[m->target[k]]++;
                    m->by_target[e] = (uint32_t) k;
                    m->pre_of[e] = (int32_t) r;
                }
            }
            m->kplus.assign(n_rows, 0.0);
            m->t_last.assign(n_rows, -1e9);
            m->kminus.assign(n_targets, 0.0);
            m->kminus_before.assign(n_targets, 0.0);
            m->t_kminus.assign(n_targets, -1e9);
        }
    }
ENDVERBATIM
}

PROCEDURE spinnaker_rule() {
VERBATIM
    /* spinnaker_rule(settings, words, lut_plus, lut_minus, seeds): SpiNNaker's fixed-point
       rule from now on (after build, plastic only; see COMMENT).  settings: timestep (ms),
       delay (steps >= 1), ring-buffer shift (0..16), rounding (power_law_rule.h PL_ROUND_*);
       words: the rule's 3 parameter words (fixedpoint.parameter_words); the decay tables of
       tau_plus and tau_minus (fixedpoint.exp_lut); seeds: per target, non-zero.  The weights
       must already be multiples of the LSB, below 2^16 of it. */
    {
        SynapticMatrixData* m = matrix_of(handle);
        std::vector<double> settings = vector_values(vector_arg(1));
        std::vector<double> words = vector_values(vector_arg(2));
        std::vector<double> lut_plus = vector_values(vector_arg(3));
        std::vector<double> lut_minus = vector_values(vector_arg(4));
        std::vector<double> seeds = vector_values(vector_arg(5));
        if (!m->is_plastic || settings.size() != 4 || words.size() != 3 ||
                seeds.size() != m->slot.size() || settings[1] < 1 || settings[2] < 0 ||
                settings[2] > 16) {
            hoc_execerror("SynapticMatrix.spinnaker_rule: a built plastic matrix, 4 settings "
                          "(delay >= 1 step, shift 0..16), 3 words and a seed per target", 0);
        }
        SpiNNakerRule* sp = m->spinnaker ? m->spinnaker : new SpiNNakerRule();
        m->spinnaker = sp;
        sp->timestep = settings[0];
        sp->delay = (uint32_t) settings[1];
        sp->shift = (uint32_t) settings[2];
        sp->rounding = (uint32_t) settings[3];
        sp->lsb = std::ldexp(1.0, (int) sp->shift - 15);
        sp->params = pl_params_t{(int32_t) (uint32_t) words[0], (int32_t) (uint32_t) words[1],
                                 (int32_t) (uint32_t) words[2]};
        sp->lut_plus.assign(lut_plus.begin(), lut_plus.end());
        sp->lut_minus.assign(lut_minus.begin(), lut_minus.end());
        size_t n_rows = m->row.size() - 1, n_targets = m->slot.size();
        sp->last_pre.assign(n_rows, 0u);
        sp->last_trace.assign(n_rows, 0);
        sp->history.assign(n_targets, pl_history_t{});
        sp->held.assign(n_targets, -1);
        sp->seed.resize(n_targets);
        for (size_t j = 0; j < n_targets; ++j) {
            sp->seed[j] = seeds[j] >= 1 ? (uint32_t) seeds[j] : 1u;
        }
        spinnaker_reset(sp);
    }
ENDVERBATIM
}

FUNCTION count() {
VERBATIM
    _lcount = (double) matrix_of(handle)->weight.size();
ENDVERBATIM
}

PROCEDURE get_rows() {
VERBATIM
    /* get_rows(out): row offsets, row r's synapses are row[r] .. row[r+1]-1 in build order
       (with get_targets, what the projection reads its connections from) */
    {
        SynapticMatrixData* m = matrix_of(handle);
        IvocVect* out = vector_arg(1);
        vector_resize(out, (int) m->row.size());
        std::copy(m->row.begin(), m->row.end(), vector_vec(out));
    }
ENDVERBATIM
}

PROCEDURE get_targets() {
VERBATIM
    /* get_targets(out, begin, end): the targets of synapses begin .. end-1 */
    {
        SynapticMatrixData* m = matrix_of(handle);
        IvocVect* out = vector_arg(1);
        int64_t begin = (int64_t) *getarg(2), end = (int64_t) *getarg(3);
        if (begin < 0 || end < begin || end > (int64_t) m->target.size()) {
            hoc_execerror("SynapticMatrix.get_targets: range outside the matrix", 0);
        }
        vector_resize(out, (int) (end - begin));
        std::copy(m->target.begin() + begin, m->target.begin() + end, vector_vec(out));
    }
ENDVERBATIM
}

PROCEDURE get_weights() {
VERBATIM
    /* get_weights(out): every weight, in the order of build (plastic: as of the last
       presynaptic spike, as NEST reports them) */
    {
        SynapticMatrixData* m = matrix_of(handle);
        const std::vector<double>& w = m->is_plastic ? m->weight_at_pre : m->weight;
        IvocVect* out = vector_arg(1);
        vector_resize(out, (int) w.size());
        std::copy(w.begin(), w.end(), vector_vec(out));
    }
ENDVERBATIM
}

PROCEDURE set_weights() {
VERBATIM
    /* set_weights(positions, values): weight[positions[k]] = values[k] */
    {
        SynapticMatrixData* m = matrix_of(handle);
        IvocVect* pos_v = vector_arg(1);
        IvocVect* val_v = vector_arg(2);
        int n = vector_capacity(pos_v);
        if (vector_capacity(val_v) != n) {
            hoc_execerror("SynapticMatrix.set_weights: positions and values differ in length", 0);
        }
        double* pos = vector_vec(pos_v);
        double* val = vector_vec(val_v);
        for (int k = 0; k < n; ++k) {
            size_t p = (size_t) pos[k];
            if (pos[k] < 0 || p >= m->weight.size()) {
                hoc_execerror("SynapticMatrix.set_weights: position outside the matrix", 0);
            }
            m->weight[p] = val[k];
            if (m->is_plastic) {
                m->weight_at_pre[p] = val[k];
            }
        }
    }
ENDVERBATIM
    show_probe()
}

PROCEDURE show_probe() {
VERBATIM
    {
        SynapticMatrixData* m = matrix_of(handle);
        if (probe >= 0 && (size_t) probe < m->weight.size()) {
            w_probe = (m->is_plastic ? m->weight_at_pre : m->weight)[(size_t) probe];
        }
    }
ENDVERBATIM
}

NET_RECEIVE(w) {
VERBATIM
    SynapticMatrixData* m = matrix_of(handle);
    double T = t;
    double* pending = pynn_hpc_pending.data();
    if (m->spinnaker) {
        spinnaker_receive(m, T, _args[0], pending);
    } else if (_args[0] >= 0) {
        /* a presynaptic spike of row r, arriving at T */
        int64_t r = (int64_t) _args[0];
        int64_t begin = m->row[r], end = m->row[r + 1];
        if (!m->is_plastic) {
            for (int64_t k = begin; k < end; ++k) {
                pending[m->slot[m->target[k]]] += m->weight[k];
            }
        } else {
            for (int64_t k = begin; k < end; ++k) {
                int32_t j = m->target[k];
                double km = (T - m->t_kminus[j] > eps)
                    ? m->kminus[j] * exp(-(T - m->t_kminus[j]) / tau_minus)
                    : m->kminus_before[j];
                double wk = m->weight[k];
                wk = wk - A_minus * wk * km;
                if (wk < 0) {
                    wk = 0;
                }
                m->weight[k] = wk;
                m->weight_at_pre[k] = wk;
                pending[m->slot[j]] += wk;
            }
            m->kplus[r] = m->kplus[r] * exp(-(T - m->t_last[r]) / tau_plus) + 1;
            m->t_last[r] = T;
        }
    } else if (m->is_plastic) {
        /* a postsynaptic spike of target j, arriving at T */
        int64_t j = (int64_t) (-_args[0]) - 1;
        m->kminus_before[j] = m->kminus[j] * exp(-(T - m->t_kminus[j]) / tau_minus);
        m->kminus[j] = m->kminus_before[j] + 1;
        m->t_kminus[j] = T;
        double lam = A_plus * pow(w0, 1 - mu);
        double dep = 1 - A_minus * m->kminus_before[j];
        if (dep < 0) {
            dep = 0;
        }
        for (int64_t e = m->col[j]; e < m->col[j + 1]; ++e) {
            int32_t r = m->pre_of[e];
            double kp = m->kplus[r];
            if (kp <= 0) {
                continue;                   /* its presynaptic neuron has not fired */
            }
            double& wk = m->weight[m->by_target[e]];
            if (T - m->t_last[r] > eps) {
                wk = wk + lam * pow(wk, mu) * kp * exp(-(T - m->t_last[r]) / tau_plus);
            } else if (dep > 0) {
                /* its presynaptic spike of this same time came first: redo in NEST's order */
                double w_before = wk / dep;
                double w_new = (w_before + lam * pow(w_before, mu) * (kp - 1)) * dep;
                pending[m->slot[j]] += w_new - wk;
                wk = w_new;
                m->weight_at_pre[m->by_target[e]] = w_new;
            }
        }
    }
    if (probe >= 0 && (size_t) probe < m->weight.size()) {
        w_probe = (m->is_plastic ? m->weight_at_pre : m->weight)[(size_t) probe];
    }
ENDVERBATIM
}
