/*
 * sPyNNaker 7.4.1's alpha-shaped current synapse (IF_curr_alpha), one receptor, on raw bits.
 *
 * Transcribed from neural_modelling/src/neuron/synapse_types/synapse_types_alpha_impl.h
 * (sPyNNaker, state alpha_state_t, functions get_alpha_state, add_input_alpha,
 * alpha_shaping, synapse_types_get_excitatory_input), with the fixed-point
 * operations of s1615.h.  Per receptor the state is
 *
 *   lin   (input_t)  the linear term,        starts at exc_response = 0
 *   exp   (input_t)  the exponential term,   starts at exc_exp_response = 0
 *   q     (input_t)  the LAST step's input,  starts at 0
 *   init  = kdivk(ts, tau * tau)             dt / tau^2
 *   decay = expulr(-kdivk(ts, tau))          exp(-dt / tau), u0.32
 *
 * and the current is lin * exp.  In a time step (neuron_impl_standard.h,
 * neuron_impl_do_timestep_update, after neuron.c's neuron_transfer has added
 * the ring buffer's sum of that step, converted by
 * synapse_row_convert_weight_to_input: stored units << ring-buffer shift):
 *
 *   if input > 0:  q = input;  exp = decay(exp) + 1;
 *                  lin = (lin + input init) (1 - 1 / exp)        (add_input_alpha)
 *   current = lin exp                                              (read by the neuron)
 *   lin += q init;  exp = decay(exp)                               (alpha_shaping)
 *
 * For one isolated input w this is w (t / tau^2) exp(-t / tau) at t = k dt:
 * an alpha current of unit area per nA of weight (peak w / (e tau), where
 * PyNN's and NEST's alpha current peaks at w).  q keeps only the latest
 * step's input and keeps adding it to lin in every later step; 1 - 1/exp
 * rescales the old lin at each new input: exact only while inputs are
 * isolated (analysed in pynn_hpc.backends.spinnaker.neuron_numerics).
 *
 * Integers only (s1615.h); the two constants that need an exponential are
 * computed by the caller (spinn_common's expulr on SpiNNaker, libm on the host).
 */
#ifndef PYNN_HPC_ALPHA_SYNAPSE_H
#define PYNN_HPC_ALPHA_SYNAPSE_H

#include "s1615.h"

//! alpha_state_t of synapse_types_alpha_impl.h
typedef struct alpha_synapse_t {
    s1615_t lin;        //!< lin_buff
    s1615_t exp;        //!< exp_buff
    s1615_t init;       //!< dt_divided_by_tau_sqr
    u032_t decay;       //!< decay (UFRACT)
    s1615_t q;          //!< q_buff
} alpha_synapse_t;

//! The argument whose exponential get_alpha_state takes: -kdivk(ts, tau)
static inline s1615_t alpha_synapse_decay_argument(s1615_t ts, s1615_t tau) {
    return -s1615_kdivk(ts, tau);
}

//! get_alpha_state: ts and tau as the S1615 words sPyNNaker writes, decay = expulr(argument)
static inline void alpha_synapse_init(alpha_synapse_t *s, s1615_t ts, s1615_t tau, u032_t decay) {
    s->lin = 0;
    s->exp = 0;
    s->q = 0;
    s->init = s1615_kdivk(ts, S1615_MUL(tau, tau));
    s->decay = decay;
}

//! add_input_alpha, called by synapse_types_add_neuron_input only when input > 0
static inline void alpha_synapse_add_input(alpha_synapse_t *s, s1615_t input) {
    if (input <= 0) {
        return;
    }
    s->q = input;
    s->exp = s1615_decay(s->exp, s->decay) + S1615_ONE;
    s1615_t exp_temp = S1615_ONE - s1615_kdivk(S1615_ONE, s->exp);
    s->lin = S1615_MUL(s->lin + S1615_MUL(input, s->init), exp_temp);
}

//! synapse_types_get_excitatory_input / _inhibitory_input: lin_buff * exp_buff (nA)
static inline s1615_t alpha_synapse_current(const alpha_synapse_t *s) {
    return S1615_MUL(s->lin, s->exp);
}

//! alpha_shaping (synapse_types_shape_input), at the end of the neuron's step
static inline void alpha_synapse_shape(alpha_synapse_t *s) {
    s->lin = s->lin + S1615_MUL(s->q, s->init);
    s->exp = s1615_decay(s->exp, s->decay);
}

#endif // PYNN_HPC_ALPHA_SYNAPSE_H
