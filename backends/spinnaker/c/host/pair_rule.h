/*
 * sPyNNaker 7.4.1's pair rule with the "MAD" synapse dynamics around the power-law weight
 * arithmetic (../power_law_rule.h), for one synapse at a time, in integer time steps.
 *
 * Written once for every host model of a SpiNNaker synapse core: the replay of one synapse
 * (replay.c) and the spinnaker-emulated backend's rule on NEURON's synaptic matrices
 * (backends/spinnaker_emulated/nmodl/SpiNNakerPairRule.mod).  What it models
 * (synapse_dynamics_stdp_mad_impl.c, timing_pair_impl.h, post_events.h):
 *
 * - traces in 4.11 (STDP_FIXED_POINT 11), int16; a new spike decays the trace of the previous
 *   one, (trace * lut[steps]) >> 11 (SMULBB), and adds 1.0;
 * - decays from lookup tables floor(exp(-k dt / tau) 2^11), 0 past their end;
 * - per postsynaptic neuron a history of 16 events whose first slot is a placeholder at time
 *   0; when it is full the oldest real event is dropped;
 * - at a presynaptic spike at step `now` with all delay D dendritic (axonal 0, backprop_delay
 *   true): the 16-bit weight is read into s16.15; every remembered postsynaptic event with
 *   last_pre - D < t_post <= now - D potentiates with the previous presynaptic trace decayed
 *   to t_post + D; then, if any postsynaptic event was ever seen, the last one before the
 *   window's end depresses with its trace decayed to `now` (nothing when it falls exactly on
 *   `now`); the weight is written back once, then sent;
 * - postsynaptic events of step `now` are added after the presynaptic spikes of step `now`.
 *
 * Names avoid those NEURON's NMODL translator turns into macros (t, dt, v, id, count, ...).
 */
#ifndef PYNN_HPC_PAIR_RULE_H
#define PYNN_HPC_PAIR_RULE_H

#include <stdint.h>
#include "../power_law_rule.h"

#define PL_MAX_POST_SYNAPTIC_EVENTS 16

//! A decay table: values[k] = floor(exp(-k dt / tau) 2^11)
typedef struct pl_lut_t {
    const int16_t *values;
    uint32_t size;
} pl_lut_t;

//! The history of one postsynaptic neuron (post_events.h); zero it to start
typedef struct pl_history_t {
    uint32_t last;                              //!< index of the newest event (0: none)
    uint32_t times[PL_MAX_POST_SYNAPTIC_EVENTS];
    int16_t traces[PL_MAX_POST_SYNAPTIC_EVENTS];
} pl_history_t;

static inline int32_t pl_lut_decay(uint32_t steps, const pl_lut_t *lut) {
    return steps < lut->size ? lut->values[steps] : 0;
}

//! STDP_FIXED_MUL_16X16: signed 16 x 16 multiply (SMULBB), shifted by 11
static inline int32_t pl_mul_16x16(int32_t a, int32_t b) {
    return ((int32_t) (int16_t) a * (int32_t) (int16_t) b) >> PL_TRACE_FIXED_POINT;
}

//! The trace after a spike at `now`, the previous spike at `before` having left `trace`
static inline int16_t pl_add_spike(uint32_t now, uint32_t before, int16_t trace,
                                   const pl_lut_t *lut) {
    int32_t decayed = pl_mul_16x16(trace, pl_lut_decay(now - before, lut));
    return (int16_t) (decayed + (1 << PL_TRACE_FIXED_POINT));
}

//! \brief A postsynaptic event at `now` (after every presynaptic spike of `now`).
//! Returns 1 if the history was full and its oldest real event (then in *dropped_time) dropped.
static inline uint32_t pl_history_add(pl_history_t *hist, uint32_t now, const pl_lut_t *lut_minus,
                                      uint32_t *dropped_time) {
    int16_t trace = pl_add_spike(now, hist->times[hist->last], hist->traces[hist->last],
                                 lut_minus);
    if (hist->last < PL_MAX_POST_SYNAPTIC_EVENTS - 1) {
        hist->last++;
        hist->times[hist->last] = now;
        hist->traces[hist->last] = trace;
        return 0;
    }
    *dropped_time = hist->times[1];
    for (uint32_t e = 2; e < PL_MAX_POST_SYNAPTIC_EVENTS; e++) {
        hist->times[e - 1] = hist->times[e];
        hist->traces[e - 1] = hist->traces[e];
    }
    hist->times[PL_MAX_POST_SYNAPTIC_EVENTS - 1] = now;
    hist->traces[PL_MAX_POST_SYNAPTIC_EVENTS - 1] = trace;
    return 1;
}

//! \brief The stored 16-bit weight after a presynaptic spike at `now` (delay `delay` steps,
//! all dendritic), the row's previous spike having been at `last_pre` with trace `last_trace`
//! (0 and 0 before the first).  The caller then updates the row's trace with pl_add_spike.
static inline uint32_t pl_pre_spike(
        const pl_history_t *hist, uint32_t stored, uint32_t now, uint32_t last_pre,
        int16_t last_trace, uint32_t delay, uint32_t shift, const pl_params_t *params,
        const pl_lut_t *lut_plus, const pl_lut_t *lut_minus, uint32_t rounding,
        uint32_t *random_state) {
    // post_events_get_window_delayed
    uint32_t begin = last_pre >= delay ? last_pre - delay : 0;
    uint32_t end = now >= delay ? now - delay : 0;
    uint32_t n_events = hist->last + 1;
    uint32_t k = n_events, end_k = n_events, next_k;
    do {
        if (k < n_events && hist->times[k] > end) {
            end_k = k;
        }
        next_k = k--;
    } while (hist->times[k] > begin && k != 0);
    uint32_t prev_time = hist->times[k];
    int16_t prev_trace = hist->traces[k];
    int prev_valid = k != 0;

    pl_s1615 w = pl_weight_read(stored, shift);
    for (uint32_t e = next_k; e < end_k; e++) {
        uint32_t delayed_post = hist->times[e] + delay;
        uint32_t since_pre = delayed_post - last_pre;
        if (since_pre > 0) {
            int32_t r1 = pl_mul_16x16(last_trace, pl_lut_decay(since_pre, lut_plus));
            w = pl_potentiate(w, r1, params);
        }
        prev_time = hist->times[e];
        prev_trace = hist->traces[e];
        prev_valid = 1;
    }
    if (prev_valid) {
        uint32_t since_post = now - (prev_time + delay);
        if (since_post > 0 && now >= prev_time + delay) {
            int32_t o1 = pl_mul_16x16(prev_trace, pl_lut_decay(since_post, lut_minus));
            w = pl_depress(w, o1, params);
        }
    }
    return pl_weight_write(w, shift, rounding, random_state);
}

#endif // PYNN_HPC_PAIR_RULE_H
