/*
 * sPyNNaker 7.4.1's leaky integrate-and-fire membrane (IF_curr_*), on raw bits.
 *
 * Transcribed from neural_modelling/src/neuron/models/neuron_model_lif_impl.h
 * (sPyNNaker: neuron_t, neuron_model_initialise, lif_neuron_closed_form,
 * neuron_model_state_update, neuron_model_has_spiked) and
 * threshold_types/threshold_type_static.h, with s1615.h's operations.
 * Parameters arrive as the S1615 words sPyNNaker's Python writes (nearest):
 *
 *   R       = kdivk(tau_m, c_m)                          MOhm
 *   exp_TC  = expk(-kdivk(ts, tau_m))                    s16.15 (15 fractional bits)
 *   T_refract = ceil(kdivk(tau_refrac, ts))              steps (lif_ceil_accum)
 *
 * and, in each step (neuron_impl_do_timestep_update):
 *
 *   if refract_timer <= 0:
 *       alpha = I R + V_rest                     (MULT_ROUND_NEAREST_ACCUM)
 *       V = alpha - exp_TC (alpha - V)           (MULT_ROUND_NEAREST_ACCUM)
 *   else refract_timer -= 1                      (V held)
 *   spike if V >= V_thresh: V = V_reset, refract_timer = T_refract
 *
 * with I = exc - inh + I_offset the synaptic current read at the START of the
 * step, held over the step: the closed form is exact for a constant current,
 * so the step's error is that of sampling the synaptic current on the grid.
 * The recorded V (neuron_recording) is the one before the update; the host
 * harness returns the one after it, as NEST's multimeter does.
 */
#ifndef PYNN_HPC_LIF_NEURON_H
#define PYNN_HPC_LIF_NEURON_H

#include "s1615.h"

//! neuron_t of neuron_model_lif_impl.h plus the static threshold
typedef struct lif_neuron_t {
    s1615_t V;              //!< V_membrane, mV
    s1615_t V_rest;         //!< mV
    s1615_t R;              //!< R_membrane, MOhm
    s1615_t exp_TC;         //!< exp(-ts / tau_m)
    s1615_t I_offset;       //!< nA
    int32_t refract_timer;  //!< steps left
    s1615_t V_reset;        //!< mV
    int32_t T_refract;      //!< steps
    s1615_t V_thresh;       //!< threshold_value, mV
} lif_neuron_t;

//! The argument whose exponential neuron_model_initialise takes: -kdivk(ts, tau_m)
static inline s1615_t lif_neuron_decay_argument(s1615_t ts, s1615_t tau_m) {
    return -s1615_kdivk(ts, tau_m);
}

//! lif_ceil_accum
static inline int32_t lif_ceil_s1615(s1615_t value) {
    int32_t integer = value >> 15;
    return (value & 0x7fff) > 0 ? integer + 1 : integer;
}

//! neuron_model_initialise (n_steps_per_timestep = 1); exp_TC = expk(lif_neuron_decay_argument)
static inline void lif_neuron_init(
        lif_neuron_t *n, s1615_t ts, s1615_t V_init, s1615_t V_rest, s1615_t c_m,
        s1615_t tau_m, s1615_t I_offset, s1615_t V_reset, s1615_t T_refract_ms,
        s1615_t V_thresh, s1615_t exp_TC) {
    n->V = V_init;
    n->V_rest = V_rest;
    n->R = s1615_kdivk(tau_m, c_m);
    n->exp_TC = exp_TC;
    n->I_offset = I_offset;
    n->refract_timer = 0;
    n->V_reset = V_reset;
    n->T_refract = lif_ceil_s1615(s1615_kdivk(T_refract_ms, ts));
    n->V_thresh = V_thresh;
}

//! neuron_model_state_update + threshold + neuron_model_has_spiked; returns 1 on a spike
static inline int lif_neuron_step(lif_neuron_t *n, s1615_t exc, s1615_t inh) {
    if (n->refract_timer <= 0) {
        s1615_t input = exc - inh + n->I_offset;
        s1615_t alpha = s1615_mul_round(input, n->R) + n->V_rest;
        n->V = alpha - s1615_mul_round(n->exp_TC, alpha - n->V);
    } else {
        n->refract_timer--;
    }
    if (n->V >= n->V_thresh) {
        n->V = n->V_reset;
        n->refract_timer = n->T_refract;
        return 1;
    }
    return 0;
}

#endif // PYNN_HPC_LIF_NEURON_H
