/*
 * sPyNNaker's fixed-point operations on raw bits, for the neuron-side numerics.
 *
 * SpiNNaker's `accum` is s16.15 in 32 bits (REAL, input_t, state_t in
 * sPyNNaker's maths-util.h / neuron-typedefs.h) and `unsigned long fract` is
 * u0.32 (UFRACT, decay_t in neuron/decay.h).  The host gcc has no fixed-point
 * types, so values are kept as their raw bits (int32_t / uint32_t; bitsk and
 * kbits are only reinterpretations) and every operation that sPyNNaker 7.4.1
 * applies is written out with its rounding:
 *
 *   S1615_MUL       `a * b` on two accums: the product shifted right by 15,
 *                   i.e. floored (what arm-none-eabi-gcc emits for the ARM968:
 *                   checked on qemu-arm, -12345 * 3 raw gives -2, not -1);
 *   s1615_mul_round MULT_ROUND_NEAREST_ACCUM (spinn_common round.h,
 *                   __stdfix_smul_k_round_nearest): half up, saturated;
 *   s1615_decay     decay_s1615 (neuron/decay.h): (x * d) >> 32 with d in u0.32;
 *   s1615_kdivk     kdivk (common/maths-util.h): (a << 15) / b, unsigned 64-bit
 *                   division, truncated (arguments here are positive).
 *
 * Plain C99 on integers: the same header compiles with the host gcc, with
 * arm-none-eabi-gcc, and inside an NMODL VERBATIM block.
 */
#ifndef PYNN_HPC_S1615_H
#define PYNN_HPC_S1615_H

#include <stdint.h>

//! an s16.15 value as its raw 32 bits (SpiNNaker: bitsk(accum))
typedef int32_t s1615_t;
//! a u0.32 value as its raw 32 bits (SpiNNaker: bitsulr(unsigned long fract))
typedef uint32_t u032_t;

#define S1615_ONE ((s1615_t) 1 << 15)

//! accum * accum as gcc compiles it for SpiNNaker: floor of the 64-bit product >> 15
#define S1615_MUL(a, b) ((s1615_t) (((int64_t) (a) * (int64_t) (b)) >> 15))

//! MULT_ROUND_NEAREST_ACCUM on two accums (round.h): round half up, saturate to 32 bits
static inline s1615_t s1615_mul_round(s1615_t a, s1615_t b) {
    int64_t p = (int64_t) a * (int64_t) b;
    int64_t r = (p >> 15) + ((p >> 14) & 1);
    if (r > INT32_MAX) {
        return INT32_MAX;
    }
    if (r < INT32_MIN) {
        return INT32_MIN;
    }
    return (s1615_t) r;
}

//! decay_s1615 (neuron/decay.h): x times d in u0.32, floored
static inline s1615_t s1615_decay(s1615_t x, u032_t d) {
    return (s1615_t) (((int64_t) x * (int64_t) d) >> 32);
}

//! kdivk (common/maths-util.h): (a << 15) / b as unsigned 64-bit, truncated
static inline s1615_t s1615_kdivk(s1615_t a, s1615_t b) {
    return (s1615_t) (uint32_t) ((((uint64_t) (int64_t) a) << 15) / (uint64_t) (int64_t) b);
}

//! kdivui (common/maths-util.h): accum / unsigned int, truncated
static inline s1615_t s1615_kdivui(s1615_t a, uint32_t b) {
    return (s1615_t) (uint32_t) ((uint64_t) (int64_t) a / (uint64_t) b);
}

#endif // PYNN_HPC_S1615_H
