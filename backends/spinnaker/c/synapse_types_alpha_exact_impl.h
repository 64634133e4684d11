/*
 * PyNN's alpha current synapse, propagated exactly, as a synapse type of sPyNNaker 7.4.1
 * (neural_modelling/src/neuron/synapse_types/synapse_types.h): the synapse of the neuron
 * binaries IF_curr_alpha_exact.aplx and IF_curr_alpha_exact_neuron.aplx
 * (makefiles/IF_curr_alpha_exact*, Python side ../alpha_exact.py).  In place of sPyNNaker's
 * synapse_types_alpha_impl.h, which keeps only the last step's input (issue 9).
 *
 * The equations, the fixed-point formats and the arithmetic are alpha_exact_synapse.h's; this
 * file only maps sPyNNaker's interface onto its functions:
 *
 *   synapse_types_add_neuron_input       alpha_exact_add_input
 *   synapse_types_get_*_input            alpha_exact_current
 *   synapse_types_shape_input            alpha_exact_shape
 *   synapse_types_initialise, _save_state    copy the words (below)
 *
 * each on a receptor unpacked from its words (alpha_exact_unpack: alpha_exact_init, then the
 * state).
 *
 * Parameters as written by the host (SynapseTypeAlphaExact, per neuron, per receptor,
 * 6 words in this order):
 *
 *   current_lo, current_hi    I, s33.30 (nA x 2^30) as its low and high 32-bit words
 *   c_lo, c_hi                c, the same
 *   gain                      e ts / tau, s16.15 (alpha_exact_words)
 *   decay                     exp(-ts / tau), u0.32 (alpha_exact_words)
 *
 * The 64-bit state is two 32-bit words, not one int64_t, in SDRAM and in DTCM: sPyNNaker
 * reads the parameters in place at word-aligned addresses (&address[next] in
 * neuron_impl_standard.h, after the one-word n_steps_per_timestep) and allocates the state
 * with spin1_malloc, whose blocks are word-aligned only (sark_alloc.c), while a struct with
 * an int64_t is 8-byte aligned for the compiler, which then merges word pairs into LDRD/STRD
 * (arm-none-eabi-gcc 12, -march=armv5te -Ofast, seen in the disassembly): on the ARMv5TE
 * ARM968 an LDRD at an address that is not a multiple of 8 is UNPREDICTABLE.  So each call
 * unpacks a receptor into a local alpha_exact_synapse_t (8-aligned on the stack, or in
 * registers), calls alpha_exact_synapse.h on it and packs it back.  The words are written by
 * the host only: sPyNNaker's on-chip parameter generator passes every constant as s16.15,
 * which would cut the u0.32 decay to 15 bits (alpha_exact.py refuses generation).
 *
 * gain and decay are for one step of the time step ts: n_steps_per_timestep must be 1.
 */
#ifndef _SYNAPSE_TYPES_ALPHA_EXACT_IMPL_H_
#define _SYNAPSE_TYPES_ALPHA_EXACT_IMPL_H_

//! \brief Number of bits to encode the synapse type: ceil(log2(SYNAPSE_TYPE_COUNT))
#define SYNAPSE_TYPE_BITS 1
//! \brief Number of synapse types
#define SYNAPSE_TYPE_COUNT 2
//! Number of excitatory receptors
#define NUM_EXCITATORY_RECEPTORS 1
//! Number of inhibitory receptors
#define NUM_INHIBITORY_RECEPTORS 1

#include <debug.h>
#include <neuron/synapse_types/synapse_types.h>
#include "alpha_exact_synapse.h"

//! One receptor as the host writes it and as DTCM holds it: words only (header doc)
typedef struct alpha_exact_words_t {
    uint32_t current_lo;
    int32_t current_hi;
    uint32_t c_lo;
    int32_t c_hi;
    s1615_t gain;
    u032_t decay;
} alpha_exact_words_t;

struct synapse_types_params_t {
    alpha_exact_words_t exc;
    alpha_exact_words_t inh;
};

struct synapse_types_t {
    alpha_exact_words_t exc;        //!< Excitatory synaptic input
    alpha_exact_words_t inh;        //!< Inhibitory synaptic input
};

//! The supported synapse type indices
typedef enum {
    EXCITATORY,
    INHIBITORY,
} synapse_alpha_exact_input_buffer_regions;

//! the receptor as alpha_exact_synapse.h holds it
static inline alpha_exact_synapse_t alpha_exact_unpack(const alpha_exact_words_t *w) {
    alpha_exact_synapse_t s;
    alpha_exact_init(&s, w->gain, w->decay);
    s.current = (int64_t) (((uint64_t) (uint32_t) w->current_hi << 32) | w->current_lo);
    s.c = (int64_t) (((uint64_t) (uint32_t) w->c_hi << 32) | w->c_lo);
    return s;
}

//! the state back into words (gain and decay do not change)
static inline void alpha_exact_pack(const alpha_exact_synapse_t *s, alpha_exact_words_t *w) {
    w->current_lo = (uint32_t) s->current;
    w->current_hi = (int32_t) (s->current >> 32);
    w->c_lo = (uint32_t) s->c;
    w->c_hi = (int32_t) (s->c >> 32);
}

static inline void alpha_exact_receptor_add(alpha_exact_words_t *w, input_t input) {
    alpha_exact_synapse_t s = alpha_exact_unpack(w);
    alpha_exact_add_input(&s, bitsk(input));
    alpha_exact_pack(&s, w);
}

static inline void alpha_exact_receptor_shape(alpha_exact_words_t *w) {
    alpha_exact_synapse_t s = alpha_exact_unpack(w);
    alpha_exact_shape(&s);
    alpha_exact_pack(&s, w);
}

static inline input_t alpha_exact_receptor_current(const alpha_exact_words_t *w) {
    alpha_exact_synapse_t s = alpha_exact_unpack(w);
    return kbits(alpha_exact_current(&s));
}

static inline void synapse_types_initialise(synapse_types_t *state,
        synapse_types_params_t *params, uint32_t n_steps_per_timestep) {
    if (n_steps_per_timestep != 1) {
        log_error("IF_curr_alpha_exact: the synapse words are for one step per time step, "
                "got n_steps_per_timestep = %u", (unsigned int) n_steps_per_timestep);
        rt_error(RTE_SWERR);
    }
    state->exc = params->exc;
    state->inh = params->inh;
}

static inline void synapse_types_save_state(synapse_types_t *state,
        synapse_types_params_t *params) {
    params->exc = state->exc;
    params->inh = state->inh;
}

//! \brief I, c propagated over one step (neuron_impl_standard calls it after the neuron update)
static inline void synapse_types_shape_input(synapse_types_t *parameters) {
    alpha_exact_receptor_shape(&parameters->exc);
    alpha_exact_receptor_shape(&parameters->inh);
}

//! \brief this step's summed input of a receptor (a magnitude, nA, from the ring buffer)
static inline void synapse_types_add_neuron_input(
        index_t synapse_type_index, synapse_types_t *parameters, input_t input) {
    switch (synapse_type_index) {
    case EXCITATORY:
        alpha_exact_receptor_add(&parameters->exc, input);
        break;
    case INHIBITORY:
        alpha_exact_receptor_add(&parameters->inh, input);
        break;
    }
}

static inline input_t *synapse_types_get_excitatory_input(
        input_t *excitatory_response, synapse_types_t *parameters) {
    excitatory_response[0] = alpha_exact_receptor_current(&parameters->exc);
    return &excitatory_response[0];
}

static inline input_t *synapse_types_get_inhibitory_input(
        input_t *inhibitory_response, synapse_types_t *parameters) {
    inhibitory_response[0] = alpha_exact_receptor_current(&parameters->inh);
    return &inhibitory_response[0];
}

static inline const char *synapse_types_get_type_char(index_t synapse_type_index) {
    switch (synapse_type_index) {
    case EXCITATORY:
        return "X";
    case INHIBITORY:
        return "I";
    default:
        log_debug("did not recognise synapse type %i", synapse_type_index);
        return "?";
    }
}

static inline void synapse_types_print_input(synapse_types_t *parameters) {
    log_debug("%12.6k - %12.6k",
            alpha_exact_receptor_current(&parameters->exc),
            alpha_exact_receptor_current(&parameters->inh));
}

static inline void synapse_types_print_parameters(synapse_types_t *parameters) {
    log_debug("exc: gain = %11.4k, decay = %u / 2^32\n",
            kbits(parameters->exc.gain), parameters->exc.decay);
    log_debug("inh: gain = %11.4k, decay = %u / 2^32\n",
            kbits(parameters->inh.gain), parameters->inh.decay);
}

#endif // _SYNAPSE_TYPES_ALPHA_EXACT_IMPL_H_
