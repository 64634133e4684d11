/*
 * One plastic synapse as a SpiNNaker synapse core updates it, on the host.
 *
 * The weight arithmetic is ../power_law_rule.h, the same code the synapse
 * binary runs.  Around it, pair_rule.h models what sPyNNaker 7.4.1 does for the
 * pair rule with the "MAD" synapse dynamics (synapse_dynamics_stdp_mad_impl.c,
 * timing_pair_impl.h, post_events.h), in integer time steps (the same code runs
 * in the spinnaker-emulated backend's synaptic matrix on NEURON).
 *
 * Built as a shared library on first use (pynn_hpc.backends.spinnaker.fixedpoint).
 */
#include <stdint.h>
#include "pair_rule.h"

/*
 * Replay.  Times are in steps, increasing; delay >= 1 step.  Returns 0, or -1
 * on bad arguments.  weights_out[i]: the 16-bit weight written back at
 * presynaptic spike i.  stats_out[0]: postsynaptic events dropped from the
 * history before any presynaptic spike had used them.
 */
int pl_replay(const uint32_t *pre, uint32_t n_pre,
              const uint32_t *post, uint32_t n_post,
              uint32_t delay, uint32_t w_init, uint32_t shift,
              const int32_t *param_words,
              const int16_t *lut_plus, uint32_t n_plus,
              const int16_t *lut_minus, uint32_t n_minus,
              uint32_t rounding, uint32_t seed,
              uint32_t *weights_out, uint32_t *stats_out) {
    if (delay < 1 || shift > 16 || w_init > 0xffff) {
        return -1;
    }
    pl_params_t params = {param_words[0], param_words[1], param_words[2]};
    pl_lut_t tau_plus = {lut_plus, n_plus}, tau_minus = {lut_minus, n_minus};
    uint32_t random_state = seed ? seed : 1;

    pl_history_t h = {0, {0}, {0}};
    uint32_t stored = w_init;
    uint32_t last_pre_time = 0;
    int16_t last_pre_trace = 0;
    uint32_t dropped = 0;
    uint32_t i = 0, j = 0;

    while (i < n_pre || j < n_post) {
        if (i < n_pre && (j >= n_post || pre[i] <= post[j])) {
            uint32_t time = pre[i];
            stored = pl_pre_spike(&h, stored, time, last_pre_time, last_pre_trace, delay, shift,
                                  &params, &tau_plus, &tau_minus, rounding, &random_state);
            weights_out[i] = stored;
            last_pre_trace = pl_add_spike(time, last_pre_time, last_pre_trace, &tau_plus);
            last_pre_time = time;
            i++;
        } else {
            uint32_t dropped_time;
            if (pl_history_add(&h, post[j], &tau_minus, &dropped_time) &&
                    dropped_time + delay > last_pre_time) {
                dropped++;          // never seen by a presynaptic spike
            }
            j++;
        }
    }
    stats_out[0] = dropped;
    return 0;
}

//! One potentiation of raw s16.15 weight w by trace r1 (4.11), for tests from Python
int32_t pl_host_potentiate(int32_t w, int32_t r1, const int32_t *param_words) {
    pl_params_t params = {param_words[0], param_words[1], param_words[2]};
    return pl_potentiate(w, r1, &params);
}

//! One depression of raw s16.15 weight w by trace o1 (4.11), for tests from Python
int32_t pl_host_depress(int32_t w, int32_t o1, const int32_t *param_words) {
    pl_params_t params = {param_words[0], param_words[1], param_words[2]};
    return pl_depress(w, o1, &params);
}
