/*
 * Power-law weight dependence for sPyNNaker 7.4.1's STDP "MAD" synapse dynamics
 * (binary synapses_stdp_mad_pair_power_law.aplx, with the pair timing rule).
 *
 * Potentiation A_plus w0^(1-mu) w^mu, multiplicative depression to w_min = 0;
 * equations in pynn_hpc/standardmodels.py's docstring.  The arithmetic lives in
 * power_law_rule.h (integers only, shared with the host replay); this header
 * only adapts it to sPyNNaker's weight-dependence interface (weight.h,
 * weight_one_term.h), modelled on weight_multiplicative_impl.h: the 16-bit
 * weight is read into s16.15 by the receptor's ring-buffer shift, updated for
 * every pair, and written back once per presynaptic spike with stochastic
 * rounding (PL_WRITE_ROUNDING; the docs' "Backends" page says why).
 */
#ifndef _WEIGHT_POWER_LAW_IMPL_H_
#define _WEIGHT_POWER_LAW_IMPL_H_

#include <neuron/plasticity/stdp/maths.h>
#include <neuron/plasticity/stdp/stdp_typedefs.h>
#include <neuron/synapse_row.h>
#include <debug.h>

#include "power_law_rule.h"

#ifndef PL_WRITE_ROUNDING
#define PL_WRITE_ROUNDING PL_ROUND_STOCHASTIC
#endif

//! The configuration of the rule per receptor: three words (power_law_rule.h)
typedef pl_params_t plasticity_weight_region_data_t;

//! The weight while one presynaptic spike updates it
typedef struct {
    pl_s1615 weight;        //!< s16.15 nA, as raw bits
    uint32_t weight_shift;  //!< the receptor's ring-buffer left shift
    const plasticity_weight_region_data_t *weight_region;
} weight_state_t;

#include <neuron/plasticity/stdp/weight_dependence/weight_one_term.h>

static inline weight_state_t weight_get_initial(
        weight_t weight, index_t synapse_type) {
    extern plasticity_weight_region_data_t *plasticity_weight_region_data;
    extern uint32_t *weight_shift;
    return (weight_state_t) {
        .weight = pl_weight_read(weight, weight_shift[synapse_type]),
        .weight_shift = weight_shift[synapse_type],
        .weight_region = &plasticity_weight_region_data[synapse_type]
    };
}

static inline weight_state_t weight_one_term_apply_depression(
        weight_state_t state, int32_t depression) {
    state.weight = pl_depress(state.weight, depression, state.weight_region);
    return state;
}

static inline weight_state_t weight_one_term_apply_potentiation(
        weight_state_t state, int32_t potentiation) {
    state.weight = pl_potentiate(state.weight, potentiation, state.weight_region);
    return state;
}

static inline weight_t weight_get_final(weight_state_t state) {
    extern uint32_t pl_random_state;
    return (weight_t) pl_weight_write(
            state.weight, state.weight_shift, PL_WRITE_ROUNDING, &pl_random_state);
}

static inline void weight_decay(weight_state_t *state, int32_t decay) {
    state->weight = (pl_s1615) (((int64_t) state->weight * decay) >> STDP_FIXED_POINT);
}

static inline accum weight_get_update(weight_state_t state) {
    return kbits(state.weight);
}

#endif  // _WEIGHT_POWER_LAW_IMPL_H_
