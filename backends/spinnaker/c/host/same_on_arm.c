/* The shared arithmetic (../power_law_rule.h) on 200,000 random inputs: a checksum that must be
 * the same on the host and on the ARM968 (check_arm.sh builds both and compares). */
#include <stdio.h>
#include "../power_law_rule.h"
int main(void) {
    pl_params_t p = {11016591, 429496730, -19752};
    uint32_t rs = 12345, h = 2166136261u;
    for (uint32_t i = 0; i < 200000; i++) {
        uint32_t r = pl_random(&rs);
        int32_t w = (int32_t) (r >> 8);               /* up to 2^24 raw = 512 nA */
        int32_t t = (int32_t) (r & 0x7fff);
        int32_t a = pl_potentiate(w, t, &p), b = pl_depress(w, t, &p);
        uint32_t c = pl_weight_write(a, 3, PL_ROUND_STOCHASTIC, &rs);
        h = (h ^ (uint32_t) a) * 16777619u; h = (h ^ (uint32_t) b) * 16777619u; h = (h ^ c) * 16777619u;
    }
    printf("%08lx %ld %ld\n", (unsigned long) h, (long) pl_potentiate(1495, 2048, &p),
           (long) pl_depress(1495, 2048, &p));
    return 0;
}
