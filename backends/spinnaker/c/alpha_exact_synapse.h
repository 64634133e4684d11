/*
 * An exact alpha-shaped current synapse in SpiNNaker's fixed point (s33.30 state, s16.15
 * current): the correction a SpiNNaker port of this model needs (a synapse type to build in
 * place of sPyNNaker 7.4.1's alpha synapse).
 *
 * PyNN's and NEST's alpha current (IF_curr_alpha, iaf_psc_alpha) for a spike of weight w
 * (nA) at t = 0 is  I(t) = w (t / tau) exp(1 - t / tau)  (peak w at t = tau).  Its two-
 * variable state (I, and c = dt x the slope's exponential part) propagates exactly over a
 * step dt with P = exp(-dt / tau):
 *
 *   a spike of w:  c += w e dt / tau                      (add_input)
 *   read:          current = I                            (the step's current)
 *   step:          I = P (I + c);  c = P c                (shape)
 *
 * so an input at step n gives I(k dt) at step n + k, for any number of inputs in any steps:
 * the state is linear in the input and every step's input is kept (sPyNNaker's alpha
 * synapse, c/alpha_synapse.h, keeps only the last step's and rescales at each input: exact
 * for isolated inputs alone).  This is NEST's propagation of iaf_psc_alpha (y1 = c / dt,
 * y2 = I) and the exact double recursion of SpiNNakerLIFAlpha.mod's spinnaker_alpha = 0.
 *
 * Fixed point: gain = e dt / tau in s16.15 and P in u0.32 are words the host computes once
 * (sPyNNaker's Python on a board; alpha_exact_words below here), in double from the S1615
 * words of dt and tau, to nearest: their only error is that of those words (dt / tau
 * +3.4e-5 at 0.1 ms and 0.3258 ms).  The state I, c is held in 64 bits with 30 fractional
 * bits (s33.30), so that input x gain (s16.15 x s16.15) is added exactly: a step's input is a
 * whole number of LSBs and the same weight recurs, so rounding that product to s16.15 would
 * bias the current (-8e-5 of it at JE: measured).  P x (64-bit) rounds to nearest; the
 * current is read as s16.15, to nearest.  Against the exact recursion in double, and against
 * NEST's iaf_psc_alpha: tests/test_spinnaker_cell.py, tests/test_spinnaker_numerics.py.  The
 * interface is sPyNNaker's synapse type (synapse_types_add_neuron_input,
 * synapse_types_get_*_input, synapse_types_shape_input, called in that order in each step by
 * neuron_impl_standard.h), one receptor per state; inputs are magnitudes (>= 0), as
 * sPyNNaker's ring buffers hold them.
 *
 * Integers only in a step; alpha_exact_words (libm) only where ALPHA_EXACT_HOST_WORDS is
 * defined before the include (the host harness and the NEURON mechanism).
 */
#ifndef PYNN_HPC_ALPHA_EXACT_SYNAPSE_H
#define PYNN_HPC_ALPHA_EXACT_SYNAPSE_H

#include "s1615.h"

//! one receptor's state (nA x 2^30) and constants
typedef struct alpha_exact_synapse_t {
    int64_t current;    //!< I
    int64_t c;          //!< dt x the slope's exponential part
    s1615_t gain;       //!< e dt / tau
    u032_t decay;       //!< P = exp(-dt / tau), u0.32
} alpha_exact_synapse_t;

//! P x x for x >= 0 in s33.30 (< 2^63), to nearest: two 32 x 32-bit products
static inline int64_t alpha_exact_decay(int64_t x, u032_t d) {
    uint64_t u = (uint64_t) x;
    return (int64_t) ((u >> 32) * d + (((u & 0xffffffffu) * d + ((uint64_t) 1 << 31)) >> 32));
}

//! gain = e ts / tau and decay = exp(-ts / tau) (u0.32) as the host computes them (header doc)
static inline void alpha_exact_init(alpha_exact_synapse_t *s, s1615_t gain, u032_t decay) {
    s->current = 0;
    s->c = 0;
    s->gain = gain;
    s->decay = decay;
}

#ifdef ALPHA_EXACT_HOST_WORDS
#include <math.h>
//! the two words from the S1615 words of the time step and tau, to nearest
static inline void alpha_exact_words(s1615_t ts, s1615_t tau, s1615_t *gain, u032_t *decay) {
    double x = (double) ts / (double) tau;
    double d = nearbyint(exp(-x) * 4294967296.0);
    *gain = (s1615_t) nearbyint(2.718281828459045 * x * 32768.0);     // e: M_E is not C99
    *decay = d >= 4294967295.0 ? 0xffffffffu : (u032_t) d;
}
#endif

//! synapse_types_add_neuron_input: the step's summed input (nA, raw s16.15, >= 0), exactly
static inline void alpha_exact_add_input(alpha_exact_synapse_t *s, s1615_t input) {
    s->c += (int64_t) input * (int64_t) s->gain;
}

//! synapse_types_get_excitatory_input / _inhibitory_input: I as s16.15 (nA, raw), to nearest
static inline s1615_t alpha_exact_current(const alpha_exact_synapse_t *s) {
    return (s1615_t) ((s->current + (1 << 14)) >> 15);
}

//! synapse_types_shape_input, at the end of the neuron's step
static inline void alpha_exact_shape(alpha_exact_synapse_t *s) {
    s->current = alpha_exact_decay(s->current + s->c, s->decay);
    s->c = alpha_exact_decay(s->c, s->decay);
}

#endif // PYNN_HPC_ALPHA_EXACT_SYNAPSE_H
