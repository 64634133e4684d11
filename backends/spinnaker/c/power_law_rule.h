/*
 * The power-law STDP weight arithmetic in SpiNNaker's fixed point, written once.
 *
 * The rule's equations are in pynn_hpc/standardmodels.py's docstring.  Here
 * they act on one weight held as s16.15 nA (SpiNNaker's `accum`; w_raw its 32
 * bits) with sPyNNaker's traces in 4.11 (STDP_FIXED_POINT 11): a potentiation
 * by the decayed presynaptic trace r1 adds 2^(mu log2(w_raw) + log2_c) r1 raw
 * units, log2_c holding A_plus w0^(1-mu) and the s16.15 scaling; a depression
 * by the decayed postsynaptic trace o1 removes A_minus w o1 (w >= 0); the
 * weight is written back to its 16-bit word once per presynaptic spike, at the
 * ring-buffer shift of its receptor, with a chosen rounding.
 *
 * Everything here is plain C99 on integers (int32 raw s16.15 bits, int64
 * intermediates, explicit shifts), so the SAME code runs in the SpiNNaker
 * synapse binary (weight_power_law_impl.h, arm-none-eabi-gcc), in the host
 * replay (host/replay.c, gcc) and can be included by other simulators'
 * mechanisms: values cross into sPyNNaker's `accum` only at its interface,
 * where kbits/bitsk reinterpret the same 32 bits.  No floating point, no libm,
 * no tables in memory beyond 16 constants.
 *
 * log2 and exp2 are computed bit by bit (squaring for log2, a product of
 * 2^(2^-i) constants for exp2) to 16 fractional bits; rounding of the
 * increments is to nearest, so the only deliberate rounding choice is the
 * one of the write-back (pl_weight_write).
 */
#ifndef PYNN_HPC_POWER_LAW_RULE_H
#define PYNN_HPC_POWER_LAW_RULE_H

#include <stdint.h>

//! s16.15 value as its raw 32 bits (SpiNNaker: bitsk(accum))
typedef int32_t pl_s1615;

//! Fractional bits of sPyNNaker's STDP traces (stdp_typedefs.h)
#define PL_TRACE_FIXED_POINT 11

//! Write-back rounding of the 16-bit weight
#define PL_ROUND_TRUNCATE   0   //!< floor, as sPyNNaker's multiplicative rule
#define PL_ROUND_NEAREST    1   //!< half up
#define PL_ROUND_STOCHASTIC 2   //!< spinn_common round.h's algorithm (add random bits, floor)

//! The rule's parameters for one receptor, in the order of the SDRAM words
typedef struct pl_params_t {
    int32_t a_minus;    //!< A_minus = lambda alpha, unsigned 0.31 (refused >= 1 on the host)
    int32_t mu;         //!< exponent mu, 2.30 (0 <= mu <= 1)
    int32_t log2_c;     //!< log2(A_plus) + (1 - mu) log2(w0 / nA) + 15 (1 - mu), s15.16
} pl_params_t;

//! \brief A small xorshift generator; its state must be non-zero.
static inline uint32_t pl_random(uint32_t *state) {
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

//! 2^(2^-i) for i = 1..16, unsigned 1.31, rounded to nearest
static const uint32_t PL_EXP2_BITS[16] = {
    0xb504f334u, 0x9837f052u, 0x8b95c1e4u, 0x85aac368u,
    0x82cd8699u, 0x8164d1f4u, 0x80b1ed50u, 0x8058d7d3u,
    0x802c6437u, 0x8016302fu, 0x800b179du, 0x80058bafu,
    0x8002c5d0u, 0x800162e6u, 0x8000b173u, 0x800058b9u,
};

//! \brief log2(x) of an integer x > 0, s15.16, rounded down
static inline int32_t pl_log2_q16(uint32_t x) {
    int32_t n = 31 - __builtin_clz(x);
    uint64_t m = ((uint64_t) x) << (31 - n);        // 1.31 in [1, 2)
    int32_t frac = 0;
    for (int32_t bit = 15; bit >= 0; bit--) {
        m = (m * m) >> 31;                           // square: [1, 4)
        if (m >= ((uint64_t) 1 << 32)) {
            frac |= 1 << bit;
            m >>= 1;
        }
    }
    return (n << 16) | frac;
}

//! \brief 2^e for e in s15.16, as an unsigned value with 16 fractional bits
//! (e must be < 47 - 16; the caller clamps)
static inline uint64_t pl_exp2_q16(int32_t e) {
    int32_t n = e >> 16;                             // floor
    uint32_t f = (uint32_t) e & 0xffffu;
    uint64_t m = (uint64_t) 1 << 31;                 // 1.0 in 1.31
    for (int32_t i = 0; i < 16; i++) {
        if (f & (0x8000u >> i)) {
            m = (m * PL_EXP2_BITS[i] + ((uint64_t) 1 << 30)) >> 31;
        }
    }
    // value = m 2^(n - 31); with 16 fractional bits: m 2^(n - 15)
    if (n >= 15) {
        return m << (n - 15);
    }
    if (15 - n >= 48) {
        return 0;
    }
    return (m + ((uint64_t) 1 << (14 - n))) >> (15 - n);
}

//! \brief The weight after one potentiation by the decayed presynaptic trace r1 (4.11)
static inline pl_s1615 pl_potentiate(
        pl_s1615 w, int32_t r1, const pl_params_t *p) {
    if (r1 <= 0) {
        return w;
    }
    int64_t e;                                       // log2 of the increment in raw s16.15 units at r1 = 1
    if (w <= 0) {
        if (p->mu != 0) {
            return w;                                // 0^mu = 0
        }
        e = p->log2_c;
    } else {
        int64_t l = pl_log2_q16((uint32_t) w);
        e = ((p->mu * l + ((int64_t) 1 << 29)) >> 30) + p->log2_c;
    }
    if (e > (30 << 16)) {
        e = 30 << 16;                                // increments beyond 2^15 nA: clamp (never reached)
    }
    uint64_t inc = pl_exp2_q16((int32_t) e) * (uint64_t) r1;   // 16 + 11 fractional bits
    inc = (inc + ((uint64_t) 1 << 26)) >> 27;
    int64_t out = (int64_t) w + (int64_t) inc;
    return out > INT32_MAX ? INT32_MAX : (pl_s1615) out;
}

//! \brief The weight after one depression by the decayed postsynaptic trace o1 (4.11), >= 0
static inline pl_s1615 pl_depress(
        pl_s1615 w, int32_t o1, const pl_params_t *p) {
    if (o1 <= 0 || w <= 0) {
        return w;
    }
    int64_t scale = ((int64_t) w * p->a_minus) >> 16;                // s16.15 with 15 more bits
    int64_t dec = (scale * o1 + ((int64_t) 1 << 25)) >> 26;          // s16.15
    int64_t out = (int64_t) w - dec;
    return out < 0 ? 0 : (pl_s1615) out;
}

//! \brief A stored 16-bit weight (LSB 2^shift raw s16.15 units) read as s16.15
static inline pl_s1615 pl_weight_read(uint32_t stored, uint32_t shift) {
    return (pl_s1615) (stored << shift);
}

//! \brief The s16.15 weight written back to 16 bits at `shift`, rounded, saturated
static inline uint32_t pl_weight_write(
        pl_s1615 w, uint32_t shift, uint32_t rounding, uint32_t *random_state) {
    if (w <= 0) {
        return 0;
    }
    int64_t x = w;
    if (shift > 0) {
        if (rounding == PL_ROUND_NEAREST) {
            x += (int64_t) 1 << (shift - 1);
        } else if (rounding == PL_ROUND_STOCHASTIC) {
            x += pl_random(random_state) >> (32 - shift);
        }
    }
    x >>= shift;
    return x > 0xffff ? 0xffffu : (uint32_t) x;
}

#endif // PYNN_HPC_POWER_LAW_RULE_H
