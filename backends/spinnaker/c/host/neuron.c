/*
 * One IF_curr_alpha neuron as a SpiNNaker neuron core updates it, on the host.
 *
 * The arithmetic is ../alpha_synapse.h and ../lif_neuron.h (sPyNNaker 7.4.1's
 * synapse_types_alpha_impl.h and neuron_model_lif_impl.h on raw s16.15 bits);
 * this file only runs the time steps of neuron_impl_standard.h's
 * neuron_impl_do_timestep_update for one neuron (n_steps_per_timestep = 1):
 *
 *   ring buffer of step t: stored 16-bit units summed per receptor, saturated
 *   at 0xffff (synapses.c), added as units << shift (neuron_transfer,
 *   synapse_row_convert_weight_to_input) when > 0;
 *   current = exc - inh read; membrane update; threshold; alpha shaping.
 *
 * The two exponentials the initialisation needs come from libm here,
 * floor(exp(x) 2^15) for expk and floor(exp(x) 2^32) for expulr: spinn_common
 * 7.4.1's stdfix-exp.c, built for the ARM968 and run on qemu-arm, gives the
 * same expk word at the membrane's argument (32442) and an expulr word 1004
 * units of 2^-32 (3e-7) lower at the synapse's (3159861950).
 *
 * With `exact_alpha` non-zero both receptors are ../alpha_exact_synapse.h instead (the
 * correction: PyNN's alpha current propagated exactly in fixed point), in the same places.
 *
 * With `current` non-NULL the synapses are bypassed and the membrane gets that
 * current (raw s16.15 nA per step): the membrane update alone, for comparing
 * it with exact integration.  Built as a shared library on first use
 * (pynn_hpc.backends.spinnaker.neuron_numerics).
 */
#include <math.h>
#include <stdint.h>
#include "../alpha_synapse.h"
#define ALPHA_EXACT_HOST_WORDS
#include "../alpha_exact_synapse.h"
#include "../lif_neuron.h"

//! parameter words, S1615 as sPyNNaker writes them (round to nearest)
enum { W_TS, W_V_INIT, W_V_REST, W_C_M, W_TAU_M, W_I_OFFSET, W_V_RESET, W_T_REFRACT,
       W_V_THRESH, W_TAU_SYN_E, W_TAU_SYN_I, N_WORDS };

static s1615_t host_expk(s1615_t x) {
    return (s1615_t) floor(exp(x / 32768.0) * 32768.0);
}

static u032_t host_expulr(s1615_t x) {
    double v = floor(exp(x / 32768.0) * 4294967296.0);
    return v >= 4294967295.0 ? 0xffffffffu : (u032_t) v;
}

//! the constants the initialisation derives (R, exp_TC, T_refract, init and decay per receptor)
void nn_constants(const int32_t *w, int32_t *out) {
    lif_neuron_t n;
    alpha_synapse_t e, i;
    lif_neuron_init(&n, w[W_TS], w[W_V_INIT], w[W_V_REST], w[W_C_M], w[W_TAU_M], w[W_I_OFFSET],
                    w[W_V_RESET], w[W_T_REFRACT], w[W_V_THRESH],
                    host_expk(lif_neuron_decay_argument(w[W_TS], w[W_TAU_M])));
    alpha_synapse_init(&e, w[W_TS], w[W_TAU_SYN_E],
                       host_expulr(alpha_synapse_decay_argument(w[W_TS], w[W_TAU_SYN_E])));
    alpha_synapse_init(&i, w[W_TS], w[W_TAU_SYN_I],
                       host_expulr(alpha_synapse_decay_argument(w[W_TS], w[W_TAU_SYN_I])));
    out[0] = n.R; out[1] = n.exp_TC; out[2] = n.T_refract;
    out[3] = e.init; out[4] = (int32_t) e.decay; out[5] = i.init; out[6] = (int32_t) i.decay;
}

/*
 * Run n_steps.  exc_units/inh_units: stored weight units arriving in each step
 * (summed over the step's spikes; saturated at 0xffff here), shifts: the
 * receptors' ring-buffer left shifts; exact_alpha: 0 sPyNNaker's synapse, 1 the exact
 * one.  Outputs per step: V after the update
 * (raw s16.15 mV), the current the update used (exc - inh, raw nA), 1 on a spike.
 * Returns 0, or -1 on bad arguments.
 */
int nn_run(uint32_t n_steps, const uint32_t *exc_units, const uint32_t *inh_units,
           uint32_t exc_shift, uint32_t inh_shift, const int32_t *w, const int32_t *current,
           int32_t *v_out, int32_t *i_out, uint8_t *spike_out, uint32_t exact_alpha) {
    if (exc_shift > 16 || inh_shift > 16 || w[W_TS] <= 0 || w[W_TAU_M] <= 0 || w[W_C_M] <= 0
            || w[W_TAU_SYN_E] <= 0 || w[W_TAU_SYN_I] <= 0) {
        return -1;
    }
    lif_neuron_t n;
    alpha_synapse_t e, i;
    lif_neuron_init(&n, w[W_TS], w[W_V_INIT], w[W_V_REST], w[W_C_M], w[W_TAU_M], w[W_I_OFFSET],
                    w[W_V_RESET], w[W_T_REFRACT], w[W_V_THRESH],
                    host_expk(lif_neuron_decay_argument(w[W_TS], w[W_TAU_M])));
    alpha_synapse_init(&e, w[W_TS], w[W_TAU_SYN_E],
                       host_expulr(alpha_synapse_decay_argument(w[W_TS], w[W_TAU_SYN_E])));
    alpha_synapse_init(&i, w[W_TS], w[W_TAU_SYN_I],
                       host_expulr(alpha_synapse_decay_argument(w[W_TS], w[W_TAU_SYN_I])));
    alpha_exact_synapse_t xe, xi;
    s1615_t gain;
    u032_t decay;
    alpha_exact_words(w[W_TS], w[W_TAU_SYN_E], &gain, &decay);
    alpha_exact_init(&xe, gain, decay);
    alpha_exact_words(w[W_TS], w[W_TAU_SYN_I], &gain, &decay);
    alpha_exact_init(&xi, gain, decay);
    for (uint32_t t = 0; t < n_steps; t++) {
        s1615_t exc, inh;
        if (current) {
            exc = current[t];
            inh = 0;
        } else {
            uint32_t ue = exc_units[t] > 0xffff ? 0xffff : exc_units[t];
            uint32_t ui = inh_units[t] > 0xffff ? 0xffff : inh_units[t];
            if (exact_alpha) {
                alpha_exact_add_input(&xe, (s1615_t) (ue << exc_shift));
                alpha_exact_add_input(&xi, (s1615_t) (ui << inh_shift));
                exc = alpha_exact_current(&xe);
                inh = alpha_exact_current(&xi);
            } else {
                if (ue > 0) {
                    alpha_synapse_add_input(&e, (s1615_t) (ue << exc_shift));
                }
                if (ui > 0) {
                    alpha_synapse_add_input(&i, (s1615_t) (ui << inh_shift));
                }
                exc = alpha_synapse_current(&e);
                inh = alpha_synapse_current(&i);
            }
        }
        i_out[t] = exc - inh;
        spike_out[t] = (uint8_t) lif_neuron_step(&n, exc, inh);
        v_out[t] = n.V;
        if (exact_alpha) {
            alpha_exact_shape(&xe);
            alpha_exact_shape(&xi);
        } else {
            alpha_synapse_shape(&e);
            alpha_synapse_shape(&i);
        }
    }
    return 0;
}
