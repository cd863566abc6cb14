/* micro kernels: fixed-point helpers shared by every int8/int16 kernel.
 *
 * These reproduce TFLite's reference arithmetic exactly (gemmlowp's
 * SaturatingRoundingDoublingHighMul and RoundingDivideByPOT, and TFLM's
 * double-rounding MultiplyByQuantizedMultiplier). Signed right shifts are
 * arithmetic on every compiler micro supports (gcc, clang, xt-clang).
 */
#ifndef MN_FIXEDPOINT_H
#define MN_FIXEDPOINT_H

#include <stdint.h>
#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h> /* __ssat */
#endif

#define MN_MIN(a, b) ((a) < (b) ? (a) : (b))
#define MN_MAX(a, b) ((a) > (b) ? (a) : (b))
#define MN_CLAMP(x, lo, hi) MN_MIN(MN_MAX((x), (lo)), (hi))

/* gemmlowp SaturatingRoundingDoublingHighMul: round(a * b / 2^31), saturating. */
static inline int32_t mn_srdhm(int32_t a, int32_t b)
{
    int64_t ab;
    int32_t nudge;
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    ab = (int64_t)a * (int64_t)b;
    nudge = ab >= 0 ? ((int32_t)1 << 30) : (1 - ((int32_t)1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* gemmlowp RoundingDivideByPOT: x / 2^exponent, rounding half away from zero. */
static inline int32_t mn_rdbpot(int32_t x, int exponent)
{
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * 2^s with two's-complement wrap (as TFLite's `x * (1 << s)` on every target). */
static inline int32_t mn_shl_wrap(int32_t x, int s)
{
    return (int32_t)((uint32_t)x << s);
}

/* TFLM MultiplyByQuantizedMultiplier (double rounding): x * mult * 2^(shift-31). */
static inline int32_t mn_mul_by_qmult(int32_t x, int32_t mult, int32_t shift)
{
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    return mn_rdbpot(mn_srdhm(mn_shl_wrap(x, left), mult), right);
}

/* TFLite MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0). */
static inline int32_t mn_mul_by_qmult_lt1(int32_t x, int32_t mult, int32_t shift)
{
    return mn_rdbpot(mn_srdhm(x, mult), -shift);
}

/* TFLite MultiplyByQuantizedMultiplier for int64 accumulators (16x8 kernels):
 * the multiplier is reduced to 16 bits and rounded once; the result is truncated to int32 as
 * TFLM's `int32_t result = x >> total_shift`. shift in [-31, 14] (TFLM asserts < 8). The product
 * wraps modulo 2^64 (unsigned arithmetic: no undefined behaviour on huge int64 biases). */
static inline int32_t mn_mul_by_qmult_64(int64_t x, int32_t mult, int32_t shift)
{
    const int32_t reduced = (mult < INT32_C(0x7FFF0000)) ? ((mult + ((int32_t)1 << 15)) >> 16) : 0x7FFF;
    const int total_shift = 15 - shift;
    const uint64_t round = (uint64_t)1 << (total_shift - 1);
    const uint64_t scaled = (uint64_t)x * (uint64_t)(int64_t)reduced + round;
    return (int32_t)((int64_t)scaled >> total_shift);
}

/* ==== gemmlowp fixed-point math (added with SOFTMAX; reusable) ====
 * Raw int32 values of gemmlowp FixedPoint<int32_t, k>: real = raw / 2^(31-k).
 * These follow TFLM's fixedpoint.h (a copy of gemmlowp/fixedpoint.h) step by
 * step, so results are bit-identical. */

/* Count leading zeros of a 32-bit value (32 for 0). */
static inline int mn_clz32(uint32_t x)
{
    int n = 0;
    if (x == 0) {
        return 32;
    }
    while ((x & 0x80000000u) == 0) {
        x <<= 1;
        ++n;
    }
    return n;
}

/* gemmlowp SaturatingRoundingMultiplyByPOT<exponent> for exponent > 0:
 * x * 2^exponent, saturated to int32 (exponent in [1, 31)). */
static inline int32_t mn_sat_shl(int32_t x, int exponent)
{
    const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return mn_shl_wrap(x, exponent);
}

/* gemmlowp RoundingHalfSum: (a + b) / 2 rounded half away from zero. */
static inline int32_t mn_rounding_half_sum(int32_t a, int32_t b)
{
    const int64_t sum = (int64_t)a + (int64_t)b;
    const int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

/* Wrapping int32 add/sub (gemmlowp's plain FixedPoint +/-; never overflows on
 * the paths below, wrapping only keeps C free of undefined behaviour). */
static inline int32_t mn_add_wrap(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static inline int32_t mn_sub_wrap(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

/* exp(a) for a in [-1/4, 0): Q0.31 in, Q0.31 out. */
static inline int32_t mn_fp_exp_on_interval_neg_quarter_0(int32_t a)
{
    const int32_t constant_term = 1895147668;     /* exp(-1/8) */
    const int32_t constant_1_over_3 = 715827883;  /* 1/3 */
    const int32_t x = mn_add_wrap(a, (int32_t)1 << 28); /* a + 1/8 */
    const int32_t x2 = mn_srdhm(x, x);
    const int32_t x3 = mn_srdhm(x2, x);
    const int32_t x4 = mn_srdhm(x2, x2);
    const int32_t x4_over_4 = mn_rdbpot(x4, 2);
    const int32_t poly = mn_rdbpot(
        mn_add_wrap(mn_srdhm(mn_add_wrap(x4_over_4, x3), constant_1_over_3), x2), 1);
    return mn_add_wrap(constant_term, mn_srdhm(constant_term, mn_add_wrap(x, poly)));
}

/* gemmlowp exp_on_negative_values: a is FixedPoint<int32_t, integer_bits>
 * (a <= 0), result is exp(a) in Q0.31. integer_bits in [0, 30]. */
static inline int32_t mn_fp_exp_on_negative_values(int32_t a, int integer_bits)
{
    static const int32_t barrel_mult[7] = {
        1672461947, /* exp(-1/4) */
        1302514674, /* exp(-1/2) */
        790015084,  /* exp(-1)   */
        290630308,  /* exp(-2)   */
        39332535,   /* exp(-4)   */
        720401,     /* exp(-8)   */
        242         /* exp(-16)  */
    };
    const int frac_bits = 31 - integer_bits;
    const int32_t one_quarter = (int32_t)1 << (frac_bits - 2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_quarter_minus_one_quarter = mn_sub_wrap(a & mask, one_quarter);
    int32_t rescaled = a_mod_quarter_minus_one_quarter;
    int32_t result, remainder;
    int e;
    if (integer_bits > 0) {
        rescaled = mn_sat_shl(rescaled, integer_bits); /* Rescale<0> */
    }
    result = mn_fp_exp_on_interval_neg_quarter_0(rescaled);
    remainder = mn_sub_wrap(a_mod_quarter_minus_one_quarter, a);
    for (e = -2; e <= 4; ++e) {
        if (integer_bits > e) {
            const int shift = frac_bits + e;
            if (remainder & ((int32_t)1 << shift)) {
                result = mn_srdhm(result, barrel_mult[e + 2]);
            }
        }
    }
    if (integer_bits > 5) {
        const int32_t clamp = -((int32_t)1 << (36 - integer_bits)); /* -32.0 */
        if (a < clamp) {
            result = 0;
        }
    }
    if (a == 0) {
        result = INT32_MAX; /* One() in Q0.31 */
    }
    return result;
}

/* gemmlowp one_over_one_plus_x_for_x_in_0_1: Q0.31 in [0, 1) -> 1/(1+a) in Q0.31,
 * by three Newton-Raphson steps in Q2.29. */
static inline int32_t mn_fp_one_over_one_plus_x_for_x_in_0_1(int32_t a)
{
    const int32_t half_denominator = mn_rounding_half_sum(a, INT32_MAX);
    const int32_t constant_48_over_17 = 1515870810;      /* Q2.29 */
    const int32_t constant_neg_32_over_17 = -1010580540; /* Q2.29 */
    const int32_t one_q2 = (int32_t)1 << 29;
    int32_t x = mn_add_wrap(constant_48_over_17, mn_srdhm(half_denominator, constant_neg_32_over_17));
    int i;
    for (i = 0; i < 3; ++i) {
        const int32_t half_denominator_times_x = mn_srdhm(half_denominator, x);
        const int32_t one_minus = mn_sub_wrap(one_q2, half_denominator_times_x);
        x = mn_add_wrap(x, mn_sat_shl(mn_srdhm(x, one_minus), 2)); /* Rescale<2> of Q4 */
    }
    return mn_sat_shl(x, 1); /* Rescale<0>(ExactMulByPot<-1>(x)) */
}

/* TFLite GetReciprocal: x > 0 in Q(x_integer_digits); returns 1/x as Q0.31 scaled
 * by 2^-num_bits_over_unit. */
static inline int32_t mn_get_reciprocal(int32_t x, int x_integer_digits, int *num_bits_over_unit)
{
    const int headroom_plus_one = mn_clz32((uint32_t)x);
    const int32_t shifted_sum_minus_one =
        (int32_t)(((uint32_t)x << headroom_plus_one) - ((uint32_t)1 << 31));
    *num_bits_over_unit = x_integer_digits - headroom_plus_one;
    return mn_fp_one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
}
/* ==== end gemmlowp fixed-point math ==== */



#if defined(__GNUC__) || defined(__clang__)
#define MN_RESTRICT __restrict__
#else
#define MN_RESTRICT
#endif

/* One output pixel's row of n channels: out[c] = clamp(requant(acc[c]) + zp, lo, hi), where requant
 * is TFLM's MultiplyByQuantizedMultiplier (double rounding) with mult[c] / shift[c]. With
 * rq_round/rq_scale given (every shift <= 0, r = -shift) it runs on the magnitude |x|, sign restored:
 *   h = floor((|x| * mult + 2^30 - [x < 0]) / 2^31) + rnd    (SaturatingRoundingDoublingHighMul,
 *                                   plus rnd = r > 0 ? 2^(r-1) : 0, RoundingDivideByPOT's nudge)
 *   |result| = floor(h * scale / 2^31), scale = 2^(31 - r)   (= floor(h / 2^r))
 * Both roundings are half away from zero, hence symmetric; mult >= 0 never saturates.
 * Written as loops of 32x32->64 unsigned products with constant shifts only, which compilers
 * vectorize (SSE2 pmuludq); tmp holds the n intermediate h. Shared by the convolution kernels. */
static inline void mn_requant_row_int8(const int32_t *MN_RESTRICT acc, const int32_t *MN_RESTRICT mult,
                                       const int32_t *MN_RESTRICT shift, const int32_t *MN_RESTRICT rnd,
                                       const int32_t *MN_RESTRICT scale, int32_t zp, int32_t lo, int32_t hi,
                                       int32_t n, uint32_t *MN_RESTRICT tmp, int8_t *MN_RESTRICT out)
{
    int32_t c;
#if defined(__ARM_FEATURE_DSP)
    /* Cortex-M4/M7/M33: one pass, no tmp. Both floors fold into one: |result| = floor(y / 2^(31+r))
     * with y = |x| * mult + 2^30 - [x < 0] + rnd * 2^31. Doubled, 2y = |x| * (2 * mult) + (rnd * 2^32 +
     * 2^31 - 2 [x < 0]) (< 2^64 as mult < 2^31, |x| <= 2^31, rnd <= 2^30), one UMLAL, and the
     * magnitude is its high word >> r. Full int8 range clamps with SSAT. */
    (void)tmp;
    (void)scale;
    if (rnd) {
        if (lo == -128 && hi == 127) {
            for (c = 0; c < n; ++c) {
                const int32_t x = acc[c];
                const uint32_t neg = (uint32_t)(x >> 31);
                const uint32_t ax = ((uint32_t)x ^ neg) - neg;
                const uint64_t y = (uint64_t)ax * ((uint32_t)mult[c] << 1) +
                                   (((uint64_t)(uint32_t)rnd[c] << 32) | (0x80000000u - (neg & 2u)));
                const uint32_t mag = (uint32_t)(y >> 32) >> (-shift[c]);
                int32_t v = (int32_t)((mag ^ neg) - neg) + zp;
                v = __ssat(v, 8);
                out[c] = (int8_t)v;
            }
        } else {
            for (c = 0; c < n; ++c) {
                const int32_t x = acc[c];
                const uint32_t neg = (uint32_t)(x >> 31);
                const uint32_t ax = ((uint32_t)x ^ neg) - neg;
                const uint64_t y = (uint64_t)ax * ((uint32_t)mult[c] << 1) +
                                   (((uint64_t)(uint32_t)rnd[c] << 32) | (0x80000000u - (neg & 2u)));
                const uint32_t mag = (uint32_t)(y >> 32) >> (-shift[c]);
                int32_t v = (int32_t)((mag ^ neg) - neg) + zp;
                v = v < lo ? lo : v;
                v = v > hi ? hi : v;
                out[c] = (int8_t)v;
            }
        }
    } else {
        for (c = 0; c < n; ++c) {
            const int32_t v = mn_mul_by_qmult(acc[c], mult[c], shift[c]) + zp;
            out[c] = (int8_t)MN_CLAMP(v, lo, hi);
        }
    }
#else
    if (rnd) {
        for (c = 0; c < n; ++c) {
            const int32_t x = acc[c];
            const uint32_t neg = (uint32_t)(x >> 31);
            const uint32_t ax = ((uint32_t)x ^ neg) - neg;
            const uint64_t y = (uint64_t)ax * (uint32_t)mult[c] + ((uint64_t)(uint32_t)rnd[c] << 31) +
                               (((uint32_t)1 << 30) - (neg & 1u));
            tmp[c] = (uint32_t)(y >> 31);
        }
        for (c = 0; c < n; ++c) {
            const int32_t x = acc[c];
            const uint32_t neg = (uint32_t)(x >> 31);
            const uint32_t mag = (uint32_t)(((uint64_t)tmp[c] * (uint32_t)scale[c]) >> 31);
            int32_t v = (int32_t)((mag ^ neg) - neg) + zp;
            v = v < lo ? lo : v;
            v = v > hi ? hi : v;
            out[c] = (int8_t)v;
        }
    } else {
        for (c = 0; c < n; ++c) {
            const int32_t v = mn_mul_by_qmult(acc[c], mult[c], shift[c]) + zp;
            out[c] = (int8_t)MN_CLAMP(v, lo, hi);
        }
    }
#endif
}

#endif /* MN_FIXEDPOINT_H */
