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

Another plastic rule (another library's, through synaptic_matrix.h, the C interface this file
implements): attached to a built plastic matrix, it receives every event instead of the rule
above, transmission included, and is reset at every initialisation; rule_attached() says
whether one is.
ENDCOMMENT

NEURON {
    POINT_PROCESS SynapticMatrix
    RANGE plastic, tau_plus, tau_minus, A_plus, A_minus, mu, w0, probe, w_probe, handle
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
    handle          : read-only: this matrix's index, what synaptic_matrix.h's functions take
    w_probe
}

VERBATIM
#include <cmath>
#include <cstdint>
#include <vector>

#include "synaptic_matrix.h"       /* this directory, on the include path */

static std::vector<SynapticMatrixData*> synaptic_matrices;

static SynapticMatrixData* matrix_of(double index) {
    return synaptic_matrices[(size_t) index];
}

extern "C" SynapticMatrixData* pynn_hpc_synaptic_matrix(double index) {
    return index >= 0 && index < (double) synaptic_matrices.size()
        ? synaptic_matrices[(size_t) index] : nullptr;
}

static void release_rule(SynapticMatrixData* m) {
    if (m->rule && m->rule->release) {
        m->rule->release(m->rule_state);
    }
    m->rule = nullptr;
    m->rule_state = nullptr;
}

extern "C" int pynn_hpc_synaptic_matrix_attach(SynapticMatrixData* m,
                                               const SynapticMatrixRule* rule, void* state) {
    if (!m || !m->is_plastic) {
        return -1;
    }
    release_rule(m);
    m->rule = rule;
    m->rule_state = state;
    return 0;
}

static std::vector<double> vector_values(IvocVect* vec) {
    return std::vector<double>(vector_vec(vec), vector_vec(vec) + vector_capacity(vec));
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
    release_rule(synaptic_matrices[(size_t) handle]);
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
        if (m->rule && m->rule->reset) {
            m->rule->reset(m, m->rule_state);
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

FUNCTION rule_attached() {
VERBATIM
    _lrule_attached = matrix_of(handle)->rule ? 1.0 : 0.0;
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
    if (m->rule) {
        m->rule->receive(m, m->rule_state, T, _args[0], pending);
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
