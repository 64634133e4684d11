/*
 * One plastic synapse as a SpiNNaker synapse core updates it, on the host.
 *
 * The weight arithmetic is ../power_law_rule.h, the same code the synapse
 * binary runs.  Around it, this file models what sPyNNaker 7.4.1 does for the
 * pair rule with the "MAD" synapse dynamics (synapse_dynamics_stdp_mad_impl.c,
 * timing_pair_impl.h, post_events.h), in integer time steps:
 *
 * - traces in 4.11 (STDP_FIXED_POINT 11), int16; a new spike decays the trace
 *   of the previous one, (trace * lut[dt]) >> 11 (SMULBB), and adds 1.0;
 * - decays from lookup tables floor(exp(-k dt / tau) 2^11), 0 past their end;
 * - per postsynaptic neuron a history of 16 events whose first slot is a
 *   placeholder at time 0; when it is full the oldest real event is dropped;
 * - at a presynaptic spike at step t with all delay D dendritic (axonal 0,
 *   backprop_delay true): the 16-bit weight is read into s16.15; every
 *   remembered postsynaptic event with t_last - D < t_post <= t - D
 *   potentiates with the previous presynaptic trace decayed to t_post + D;
 *   then, if any postsynaptic event was ever seen, the last one before the
 *   window's end depresses with its trace decayed to t (nothing when it falls
 *   exactly on t); the weight is written back once, then sent;
 * - postsynaptic events of step t are added after the presynaptic spikes of
 *   step t are processed (with D >= 1 they cannot be in those windows).
 *
 * Built as a shared library on first use (pynn_hpc.backends.spinnaker.fixedpoint).
 */
#include <stdint.h>
#include "../power_law_rule.h"

#define MAX_POST_SYNAPTIC_EVENTS 16

typedef struct {
    const int16_t *values;
    uint32_t size;
} lut_t;

static int32_t lut_decay(uint32_t dt, const lut_t *lut) {
    return dt < lut->size ? lut->values[dt] : 0;
}

//! STDP_FIXED_MUL_16X16: signed 16 x 16 multiply (SMULBB), shifted by 11
static int32_t mul_16x16(int32_t a, int32_t b) {
    return ((int32_t) (int16_t) a * (int32_t) (int16_t) b) >> PL_TRACE_FIXED_POINT;
}

static int16_t add_spike(uint32_t time, uint32_t last_time, int16_t last_trace,
                         const lut_t *lut) {
    int32_t decayed = mul_16x16(last_trace, lut_decay(time - last_time, lut));
    return (int16_t) (decayed + (1 << PL_TRACE_FIXED_POINT));
}

typedef struct {
    uint32_t count_minus_one;
    uint32_t times[MAX_POST_SYNAPTIC_EVENTS];
    int16_t traces[MAX_POST_SYNAPTIC_EVENTS];
} history_t;

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
    lut_t tau_plus = {lut_plus, n_plus}, tau_minus = {lut_minus, n_minus};
    uint32_t random_state = seed ? seed : 1;

    history_t h = {0, {0}, {0}};
    uint32_t stored = w_init;
    uint32_t last_pre_time = 0;
    int16_t last_pre_trace = 0;
    uint32_t dropped = 0;
    uint32_t i = 0, j = 0;

    while (i < n_pre || j < n_post) {
        if (i < n_pre && (j >= n_post || pre[i] <= post[j])) {
            uint32_t time = pre[i];
            int16_t new_pre_trace = add_spike(time, last_pre_time, last_pre_trace, &tau_plus);

            // post_events_get_window_delayed
            uint32_t begin = last_pre_time >= delay ? last_pre_time - delay : 0;
            uint32_t end = time >= delay ? time - delay : 0;
            uint32_t count = h.count_minus_one + 1;
            uint32_t k = count, end_k = count, next_k;
            do {
                if (k < count && h.times[k] > end) {
                    end_k = k;
                }
                next_k = k--;
            } while (h.times[k] > begin && k != 0);
            uint32_t prev_time = h.times[k];
            int16_t prev_trace = h.traces[k];
            int prev_valid = k != 0;
            // (k == count initially: times[count] is read by sPyNNaker too and
            //  may hold anything; it only matters when > end, here never used)

            pl_s1615 w = pl_weight_read(stored, shift);
            for (uint32_t e = next_k; e < end_k; e++) {
                uint32_t delayed_post = h.times[e] + delay;
                uint32_t since_pre = delayed_post - last_pre_time;
                if (since_pre > 0) {
                    int32_t r1 = mul_16x16(last_pre_trace, lut_decay(since_pre, &tau_plus));
                    w = pl_potentiate(w, r1, &params);
                }
                prev_time = h.times[e];
                prev_trace = h.traces[e];
                prev_valid = 1;
            }
            if (prev_valid) {
                uint32_t since_post = time - (prev_time + delay);
                if (since_post > 0 && time >= prev_time + delay) {
                    int32_t o1 = mul_16x16(prev_trace, lut_decay(since_post, &tau_minus));
                    w = pl_depress(w, o1, &params);
                }
            }
            stored = pl_weight_write(w, shift, rounding, &random_state);
            weights_out[i] = stored;
            last_pre_time = time;
            last_pre_trace = new_pre_trace;
            i++;
        } else {
            uint32_t time = post[j];
            uint32_t last = h.times[h.count_minus_one];
            int16_t trace = add_spike(time, last, h.traces[h.count_minus_one], &tau_minus);
            if (h.count_minus_one < MAX_POST_SYNAPTIC_EVENTS - 1) {
                h.count_minus_one++;
                h.times[h.count_minus_one] = time;
                h.traces[h.count_minus_one] = trace;
            } else {
                if (h.times[1] + delay > last_pre_time) {
                    dropped++;          // never seen by a presynaptic spike
                }
                for (uint32_t e = 2; e < MAX_POST_SYNAPTIC_EVENTS; e++) {
                    h.times[e - 1] = h.times[e];
                    h.traces[e - 1] = h.traces[e];
                }
                h.times[MAX_POST_SYNAPTIC_EVENTS - 1] = time;
                h.traces[MAX_POST_SYNAPTIC_EVENTS - 1] = trace;
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
