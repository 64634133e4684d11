/* alpha_exact_words of ../alpha_exact_synapse.h, for the host: what the Python side of
 * IF_curr_alpha_exact (../../alpha_exact.py) must write, checked in
 * tests/test_spinnaker_alpha_exact.py.  Built with hostbuild.py (-lm). */
#define ALPHA_EXACT_HOST_WORDS
#include "../alpha_exact_synapse.h"

void ae_words(int32_t ts, int32_t tau, int32_t *gain, uint32_t *decay) {
    alpha_exact_words(ts, tau, gain, decay);
}
