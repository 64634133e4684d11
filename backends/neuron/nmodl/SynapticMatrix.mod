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

Power-law STDP (plastic = 1, NEST's stdp_pl_synapse_hom; Morrison et al. 2007), in NEST's
scheme: all-to-all pairs, all of the delay d dendritic, a synapse updated only when its
presynaptic spike arrives.  Times are taken where pre- and postsynaptic spikes meet: a
presynaptic spike t_pre at T = t_pre + d, a postsynaptic one t_post at T_post = t_post + 2 d.
Differences between them are NEST's t_post + d - t_pre.  The postsynaptic spikes reach the
matrix through one more NetCon per target neuron (weight[0] = -1 - target, delay d, RANGE
`delay` = d): a spike t_post is kept in its target's history at t_post + d, before any
presynaptic arrival that it meets (T_post <= T means t_post + d <= T - d), whatever the order
of the events of one step.  Per target the history holds T_post and

    Kminus <- Kminus exp(-(T_post - T_post,previous)/tau_minus) + 1.

At each presynaptic arrival T of row r (last arrival T_last, trace Kplus), for every
synapse of the row, in NEST's order:

 * potentiation by each spike of the target with T_last < T_post <= T (NEST's get_history,
   with its stdp eps), oldest first:
       w <- w + A_plus w0^(1-mu) w^mu Kplus exp(-(T_post - T_last)/tau_plus)
 * depression by the target's trace just before T (postsynaptic spikes with
   T_post < T - eps; NEST's get_K_value), computed once per target and arrival time:
       w <- max(0, w - A_minus w Kminus(T))
 * transmission of w;

and then, once for the row (one delay: the same for all its synapses),
       Kplus <- Kplus exp(-(T - T_last)/tau_plus) + 1,   T_last <- T.

A pair at exactly zero time difference does nothing; w >= 0, no upper bound.  The weight
kept is the weight as of the last presynaptic spike, the one NEST reports.  A history keeps
the spikes that a row which has fired may still need (from the oldest T_last on).

Cost per synapse event: the row's synapses are read in order; the target's trace is one
exp per target and arrival time; each pair is one log and one exp (w^mu and the decay of
Kplus in one exp: the same value to a few units in the last place).  Memory: 12 B per
synapse (target, weight), static or plastic; per row 16 B, per target its recent spikes.
Units: nA, ms.

Another plastic rule (another library's, through synaptic_matrix.h, the C interface this file
implements): attached to a built plastic matrix, it receives every event instead of the rule
above, transmission included, and is reset at every initialisation; rule_attached() says
whether one is.
ENDCOMMENT

NEURON {
    POINT_PROCESS SynapticMatrix
    RANGE plastic, tau_plus, tau_minus, A_plus, A_minus, mu, w0, delay, probe, w_probe, handle
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
    delay = 1 (ms)                  : d, of the rows' and the postsynaptic spikes' NetCons
    eps = 1e-6 (ms)                 : times closer than this are the same time (NEST's stdp eps)
    probe = -1                      : a synapse whose reported weight w_probe shows after every event
}

ASSIGNED {
    handle          : read-only: this matrix's index, what synaptic_matrix.h's functions take
    w_probe
}

VERBATIM
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
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

/* synapses added to a matrix (add_pairs, add_draws) and not yet built, per handle */
struct Staged {
    std::vector<int32_t> row, target;
    std::vector<double> weight;             /* per synapse, or empty while all have `same` */
    double same = 0.0;
    bool any = false;
    int32_t rows = 0, targets = 0;          /* 1 + the largest row and target added */

    /* the synapses added since `before` all have weight w */
    void same_weight(double w, size_t before) {
        if (weight.empty() && (!any || w == same)) {
            same = w;
            any = true;
            return;
        }
        each_weight(before);
        weight.resize(row.size(), w);
    }
    /* from here on, one weight per synapse (the `before` earlier ones have `same`) */
    void each_weight(size_t before) {
        if (weight.empty()) {
            weight.assign(before, same);
        }
        any = true;
    }
};

static std::vector<Staged> staged;

static Staged& staged_of(double index) {
    return staged[(size_t) index];
}

/* a Vector of target numbers per postsynaptic neuron (-1: not this matrix's) */
struct LocalOf {
    const double* of;
    int64_t size;
    explicit LocalOf(IvocVect* vec) : of(vector_vec(vec)), size(vector_capacity(vec)) {}
    int32_t target(double post, const char* procedure) const {
        if (!(post >= 0 && post < (double) size)) {
            hoc_execerror("SynapticMatrix: a postsynaptic index outside local_of in", procedure);
        }
        return (int32_t) of[(int64_t) post];
    }
};
ENDVERBATIM

CONSTRUCTOR {
VERBATIM
    handle = (double) synaptic_matrices.size();
    synaptic_matrices.push_back(new SynapticMatrixData());
    staged.emplace_back();
ENDVERBATIM
}

DESTRUCTOR {
VERBATIM
    release_rule(synaptic_matrices[(size_t) handle]);
    delete synaptic_matrices[(size_t) handle];
    synaptic_matrices[(size_t) handle] = nullptr;
    staged[(size_t) handle] = Staged();
ENDVERBATIM
}

INITIAL {
VERBATIM
    {
        SynapticMatrixData* m = matrix_of(handle);
        std::fill(m->kplus.begin(), m->kplus.end(), 0.0);
        std::fill(m->t_last.begin(), m->t_last.end(), -1e9);
        std::fill(m->post.begin(), m->post.end(), PostHistory());
        m->t_horizon = m->t_refresh = -1e300;
        m->arrived.clear();
        if (m->rule && m->rule->reset) {
            m->rule->reset(m, m->rule_state);
        }
    }
ENDVERBATIM
    show_probe()
}

PROCEDURE expect() {
VERBATIM
    /* expect(n): n synapses are about to be added (room for them: no copies while adding) */
    {
        Staged& s = staged_of(handle);
        size_t n = (size_t) *getarg(1);
        s.row.reserve(n);
        s.target.reserve(n);
    }
ENDVERBATIM
}

PROCEDURE add_pairs() {
VERBATIM
    /* add_pairs(rows, posts, local_of, weights): synapse k from row rows[k] to the
       postsynaptic neuron posts[k], kept if it is one of this matrix's targets
       (local_of[posts[k]] >= 0: its target number), with weight weights[k] (or weights[0]
       for all); build() then puts them in rows */
    {
        Staged& s = staged_of(handle);
        IvocVect* rows_v = vector_arg(1);
        IvocVect* posts_v = vector_arg(2);
        IvocVect* weights_v = vector_arg(4);
        int64_t n = vector_capacity(rows_v);
        int64_t n_weights = vector_capacity(weights_v);
        if (vector_capacity(posts_v) != n || (n_weights != n && n_weights != 1)) {
            hoc_execerror("SynapticMatrix.add_pairs: rows, posts and weights differ in length", 0);
        }
        LocalOf local_of(vector_arg(3));
        const double* rows = vector_vec(rows_v);
        const double* posts = vector_vec(posts_v);
        const double* weights = vector_vec(weights_v);
        size_t before = s.row.size();
        std::vector<int64_t> kept;
        for (int64_t k = 0; k < n; ++k) {
            int32_t j = local_of.target(posts[k], "add_pairs");
            if (j < 0) {
                continue;
            }
            if (!(rows[k] >= 0 && rows[k] < 2147483647.0)) {
                hoc_execerror("SynapticMatrix.add_pairs: a row outside 0 .. 2^31-1", 0);
            }
            s.row.push_back((int32_t) rows[k]);
            s.target.push_back(j);
            s.rows = std::max(s.rows, (int32_t) rows[k] + 1);
            s.targets = std::max(s.targets, j + 1);
            if (n_weights > 1) {
                kept.push_back(k);
            }
        }
        if (n_weights == 1) {
            s.same_weight(weights[0], before);
        } else {
            s.each_weight(before);
            for (int64_t k : kept) {
                s.weight.push_back(weights[k]);
            }
        }
    }
ENDVERBATIM
}

PROCEDURE add_draws() {
VERBATIM
    /* add_draws(u, n_u, first_post, n, n_pre, own, local_of, weight): the presynaptic
       indices that pynn_hpc.backends.projections.indices_of gives for the uniforms
       u[0 .. n_u-1] (n per postsynaptic neuron, from first_post on), for this matrix's
       targets (local_of >= 0), all with `weight`: floor(u (n_pre - excluded)), at most
       n_pre - excluded - 1, + 1 where excluded (own[j] >= 0, its index in pre) and
       >= own[j].  The same doubles and operations as numpy's, so the same indices. */
    {
        Staged& s = staged_of(handle);
        IvocVect* u_v = vector_arg(1);
        int64_t n_u = (int64_t) *getarg(2);
        int64_t first = (int64_t) *getarg(3);
        int64_t n = (int64_t) *getarg(4);
        double n_pre = *getarg(5);
        IvocVect* own_v = vector_arg(6);
        LocalOf local_of(vector_arg(7));
        double weight = *getarg(8);
        if (n <= 0 || n_u < 0 || n_u % n || n_u > vector_capacity(u_v) ||
            first < 0 || first + n_u / n > vector_capacity(own_v) ||
            first + n_u / n > local_of.size || n_pre < 1 || n_pre >= 2147483647.0) {
            hoc_execerror("SynapticMatrix.add_draws: arguments outside the vectors", 0);
        }
        const double* u = vector_vec(u_v);
        const double* own = vector_vec(own_v);
        size_t before = s.row.size();
        for (int64_t p = 0; p < n_u / n; ++p) {
            int64_t post = first + p;
            int32_t j = local_of.target((double) post, "add_draws");
            if (j < 0) {
                continue;
            }
            s.targets = std::max(s.targets, j + 1);
            bool excluded = own[post] >= 0;
            int64_t self = (int64_t) own[post];
            double high = n_pre - (excluded ? 1.0 : 0.0);
            int32_t last = (int32_t) high - 1;
            const double* up = u + p * n;
            for (int64_t k = 0; k < n; ++k) {
                int32_t row = (int32_t) (up[k] * high);
                row = std::min(row, last);
                row += (excluded && row >= self) ? 1 : 0;
                s.row.push_back(row);
                s.target.push_back(j);
            }
        }
        if (s.row.size() > before) {
            s.rows = std::max(s.rows, (int32_t) n_pre);     /* (rows 0 .. n_pre-1 at most) */
        }
        s.same_weight(weight, before);
    }
ENDVERBATIM
}

PROCEDURE build() {
VERBATIM
    /* build(slots): the synapses added so far, kept by row (a counting sort, O(n); in the
       order added within a row); the targets' receptor slots */
    {
        SynapticMatrixData* m = matrix_of(handle);
        Staged& s = staged_of(handle);
        std::vector<double> slots = vector_values(vector_arg(1));
        int64_t n = (int64_t) s.row.size();
        if (n >= (int64_t) 1 << 32) {
            hoc_execerror("SynapticMatrix.build: more than 2^32 synapses in one matrix", 0);
        }
        int32_t n_rows = s.rows;
        if (s.targets > (int64_t) slots.size()) {
            hoc_execerror("SynapticMatrix.build: a target outside the list of slots", 0);
        }
        m->row.assign(n_rows + 1, 0);
        for (int32_t r : s.row) {
            m->row[r + 1] += 1;
        }
        for (int32_t r = 0; r < n_rows; ++r) {
            m->row[r + 1] += m->row[r];
        }
        m->target.resize(n);
        m->slot.resize(slots.size());
        for (size_t j = 0; j < slots.size(); ++j) {
            m->slot[j] = (int32_t) slots[j];
        }
        std::vector<int64_t> next(m->row.begin(), m->row.end() - 1);
        const int32_t* rows = s.row.data();
        const int32_t* targets = s.target.data();
        int32_t* target = m->target.data();
        for (int64_t k = 0; k < n; ++k) {
            target[next[rows[k]]++] = targets[k];
        }
        if (s.weight.empty()) {
            m->weight.assign(n, s.same);
        } else {
            m->weight.resize(n);
            std::vector<int64_t> at(m->row.begin(), m->row.end() - 1);
            for (int64_t k = 0; k < n; ++k) {
                m->weight[at[rows[k]]++] = s.weight[k];
            }
        }
        s = Staged();                        /* (frees what was staged) */
        m->is_plastic = plastic != 0;
        if (m->is_plastic) {
            m->kplus.assign(n_rows, 0.0);
            m->t_last.assign(n_rows, -1e9);
            m->post.assign(slots.size(), PostHistory());
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
    deliver()
VERBATIM
    /* get_weights(out): every weight, in the order of build (plastic: as of the last
       presynaptic spike, as NEST reports them) */
    {
        SynapticMatrixData* m = matrix_of(handle);
        const std::vector<double>& w = m->weight;
        IvocVect* out = vector_arg(1);
        vector_resize(out, (int) w.size());
        std::copy(w.begin(), w.end(), vector_vec(out));
    }
ENDVERBATIM
}

PROCEDURE set_weights() {
    deliver()
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
            w_probe = m->weight[(size_t) probe];
        }
    }
ENDVERBATIM
}

BEFORE BREAKPOINT {
    deliver()
}

PROCEDURE deliver() {
VERBATIM
    /* the presynaptic spikes that arrived since the last call (this step's, as NET_RECEIVE
       queued them), in the order of their time and row: the weights each target receives
       are then added in one order whatever the order of the events (MPI, threads) */
    SynapticMatrixData* m = matrix_of(handle);
    if (!m->arrived.empty()) {
        double* pending = pynn_hpc_pending.data();
        std::sort(m->arrived.begin(), m->arrived.end());
        for (const std::pair<double, int64_t>& a : m->arrived) {
            double T = a.first;
            int64_t r = a.second;
            int64_t begin = m->row[r], end = m->row[r + 1];
            if (!m->is_plastic) {
                for (int64_t k = begin; k < end; ++k) {
                    pending[m->slot[m->target[k]]] += m->weight[k];
                }
            } else {
                double kp = m->kplus[r], t_last = m->t_last[r];
                /* lam w^mu Kplus exp(minus_dt/tau_plus) as one exp:
                   lam Kplus exp(mu log w + minus_dt/tau_plus) */
                double lam_kp = A_plus * pow(w0, 1 - mu) * kp, tau_plus_inv = 1 / tau_plus;
                for (int64_t k = begin; k < end; ++k) {
                    int32_t j = m->target[k];
                    PostHistory& ph = m->post[j];
                    const PostSpike* s = ph.spikes.data();
                    if (ph.t_k != T) {
                        /* once per target and time: the spikes met by T, and Kminus before T */
                        size_t hi = ph.spikes.size();
                        while (hi > ph.first && s[hi - 1].meets >= T + eps) {
                            --hi;               /* kept already, but meets later arrivals */
                        }
                        size_t i = hi;
                        while (i > ph.first && T - s[i - 1].meets <= eps) {
                            --i;
                        }
                        ph.k = i > ph.first
                            ? s[i - 1].kminus * exp((s[i - 1].meets - T) / tau_minus) : 0.0;
                        ph.met = (uint32_t) hi;
                        ph.t_k = T;
                    }
                    double wk = m->weight[k];
                    if (kp > 0) {
                        size_t lo = ph.met;
                        while (lo > ph.first && s[lo - 1].meets >= t_last + eps) {
                            --lo;
                        }
                        for (size_t i = lo; i < ph.met; ++i) {
                            double minus_dt = t_last - s[i].meets;
                            if (minus_dt != 0) {
                                wk = wk + lam_kp * exp(mu * log(wk) + minus_dt * tau_plus_inv);
                            }
                        }
                    }
                    wk = wk - A_minus * wk * ph.k;
                    if (wk < 0) {
                        wk = 0;
                    }
                    m->weight[k] = wk;
                    pending[m->slot[j]] += wk;
                }
                m->kplus[r] = kp * exp((t_last - T) / tau_plus) + 1;
                m->t_last[r] = T;
            }
        }
        m->arrived.clear();
    }
ENDVERBATIM
    show_probe()
}

NET_RECEIVE(w) {
VERBATIM
    SynapticMatrixData* m = matrix_of(handle);
    double T = t;
    if (m->rule) {
        m->rule->receive(m, m->rule_state, T, _args[0], pynn_hpc_pending.data());
    } else if (_args[0] >= 0) {
        /* a presynaptic spike of row r, arriving at T: delivered with the step's others */
        m->arrived.push_back(std::make_pair(T, (int64_t) _args[0]));
    } else if (m->is_plastic) {
        /* a postsynaptic spike of target j, fired at T - d: it meets arrivals at T + d */
        int64_t j = (int64_t) (-_args[0]) - 1;
        PostHistory& ph = m->post[j];
        double t_post = T + delay;
        double km = 1;
        if (!ph.spikes.empty()) {
            const PostSpike& last = ph.spikes.back();
            km = last.kminus * exp((last.meets - t_post) / tau_minus) + 1;
        }
        if (T >= m->t_refresh) {
            /* the oldest last arrival of the rows that have fired; stale is safe (earlier) */
            double oldest = T;
            for (size_t r = 0; r < m->t_last.size(); ++r) {
                if (m->kplus[r] > 0 && m->t_last[r] < oldest) {
                    oldest = m->t_last[r];
                }
            }
            m->t_horizon = oldest;
            m->t_refresh = T + 50 * tau_plus;
        }
        /* a spike no row needs: a later one is before every future arrival, and each row
           that has fired arrived last after it */
        while (ph.first + 1 < ph.spikes.size() &&
               ph.spikes[ph.first + 1].meets < m->t_horizon - 2 * eps) {
            ++ph.first;
        }
        if (ph.first > 32 && 2 * ph.first > ph.spikes.size()) {
            ph.spikes.erase(ph.spikes.begin(), ph.spikes.begin() + ph.first);
            ph.first = 0;
            ph.t_k = -1e300;                /* met counted the erased spikes */
        }
        ph.spikes.push_back(PostSpike{t_post, km});
    }
ENDVERBATIM
    show_probe()                    : (an attached rule changes weights here)
}
