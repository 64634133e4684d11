/* ../alpha_exact_synapse.h on 300,000 steps of random input on two receptors (the model's
 * words: dt 0.1 ms, tau_syn 0.3258 ms exc, 0.5 ms inh, as alpha_exact_words gives them; loads
 * of 0-7 JE and 0-3 JI per step, a burst of 200 JE every 10,007 steps): a checksum of every
 * step's currents and states that must be the same on the host and on the ARM968.  With
 * SYNAPSE_TYPE_SHIM (ARM only: it needs gcc's `accum`) the same steps also go through
 * ../synapse_types_alpha_exact_impl.h, sPyNNaker's interface, saved and reloaded every 1000
 * steps, and the steps whose bits differ from the header's are counted (must be 0).
 * check_alpha_exact_arm.sh builds and compares. */
#include <stdio.h>
#ifdef SYNAPSE_TYPE_SHIM
#include "synapse_types_alpha_exact_impl.h"     /* found through the script's shim folder */
#else
#include "../alpha_exact_synapse.h"
#endif

#define STEPS 300000
#define JE_RAW 1494         /* 45.6 pA in s16.15 */
#define JI_RAW 7471         /* 5 JE */

static uint32_t mix(uint32_t h, uint32_t x) { return (h ^ x) * 16777619u; }

int main(void) {
    alpha_exact_synapse_t e, i;
    alpha_exact_init(&e, 27338, 3159843563u);
    alpha_exact_init(&i, 17816, 3516378884u);
#ifdef SYNAPSE_TYPE_SHIM
    synapse_types_params_t params = {{0, 0, 0, 0, 27338, 3159843563u},
                                     {0, 0, 0, 0, 17816, 3516378884u}};
    synapse_types_t st;
    synapse_types_initialise(&st, &params, 1);
    uint32_t differing = 0;
#endif
    uint32_t rs = 12345, h = 2166136261u;
    for (uint32_t t = 0; t < STEPS; t++) {
        rs ^= rs << 13; rs ^= rs >> 17; rs ^= rs << 5;
        s1615_t ue = (s1615_t) ((rs & 7) * JE_RAW), ui = (s1615_t) (((rs >> 3) & 3) * JI_RAW);
        if (t % 10007 == 0) {
            ue += 200 * JE_RAW;                 /* a burst: I and c above 2^33 (high words) */
        }
        alpha_exact_add_input(&e, ue);
        alpha_exact_add_input(&i, ui);
        s1615_t ce = alpha_exact_current(&e), ci = alpha_exact_current(&i);
        alpha_exact_shape(&e);
        alpha_exact_shape(&i);
        h = mix(h, (uint32_t) ce); h = mix(h, (uint32_t) ci);
        h = mix(h, (uint32_t) e.current); h = mix(h, (uint32_t) (e.current >> 32));
        h = mix(h, (uint32_t) e.c); h = mix(h, (uint32_t) (e.c >> 32));
        h = mix(h, (uint32_t) i.current); h = mix(h, (uint32_t) i.c);
#ifdef SYNAPSE_TYPE_SHIM
        input_t xe[1], xi[1];
        synapse_types_add_neuron_input(EXCITATORY, &st, kbits(ue));
        synapse_types_add_neuron_input(INHIBITORY, &st, kbits(ui));
        s1615_t se = bitsk(synapse_types_get_excitatory_input(xe, &st)[0]);
        s1615_t si = bitsk(synapse_types_get_inhibitory_input(xi, &st)[0]);
        synapse_types_shape_input(&st);
        if (t % 1000 == 999) {
            synapse_types_save_state(&st, &params);
            synapse_types_initialise(&st, &params, 1);
        }
        alpha_exact_synapse_t se_state = alpha_exact_unpack(&st.exc);
        alpha_exact_synapse_t si_state = alpha_exact_unpack(&st.inh);
        if (se != ce || si != ci || se_state.current != e.current || se_state.c != e.c
                || si_state.current != i.current || si_state.c != i.c) {
            differing++;
        }
#endif
    }
    printf("%08lx %ld %ld\n", (unsigned long) h, (long) alpha_exact_current(&e),
           (long) alpha_exact_current(&i));
#ifdef SYNAPSE_TYPE_SHIM
    printf("%lu\n", (unsigned long) differing);
#endif
    return 0;
}
