/* micro kernels: plain dot products of int8 and int16 vectors (wrapping int32 sums), with an Arm DSP
 * path (two SMLADs per 4 int8 products, one per 2 int16 products) where __ARM_FEATURE_DSP is defined.
 * Used by the recurrent kernels (SVDF, LSTM), whose zero-point corrections are folded into constants at
 * compile time, so their inner loops are these dot products. */
#ifndef MN_DOT_H
#define MN_DOT_H

#include <stdint.h>

#include "mn_dsp.h"

/* sum a[i] * b[i], i < n, int8 x int8. */
static inline int32_t mn_dot_s8(const int8_t *a, const int8_t *b, int32_t n)
{
    int32_t acc = 0;
    int32_t i = 0;
#if defined(__ARM_FEATURE_DSP)
    for (; i + 4 <= n; i += 4) {
        const uint32_t x = mn_ld32(a + i);
        const uint32_t w = mn_ld32(b + i);
        acc = __smlad(__sxtb16((int8x4_t)x), __sxtb16((int8x4_t)w), acc);
        acc = __smlad(mn_sxtb16_ror8(x), mn_sxtb16_ror8(w), acc);
    }
#endif
    for (; i < n; ++i) {
        acc += (int32_t)a[i] * (int32_t)b[i];
    }
    return acc;
}

/* sum a[i] * b[i], i < n, int16 x int16 (each product fits int32; the sum wraps as TFLM's int32). */
static inline int32_t mn_dot_s16(const int16_t *a, const int16_t *b, int32_t n)
{
    int32_t acc = 0;
    int32_t i = 0;
#if defined(__ARM_FEATURE_DSP)
    for (; i + 2 <= n; i += 2) {
        acc = __smlad((int16x2_t)mn_ld32(a + i), (int16x2_t)mn_ld32(b + i), acc);
    }
#endif
    for (; i < n; ++i) {
        acc += (int32_t)a[i] * (int32_t)b[i];
    }
    return acc;
}

/* out[r] = sum a[i] * w_r[i], i < n, for four rows w0..w3 against one vector: the vector is loaded and
 * widened once for the four (on Cortex-M4, 16 products in 23 instructions instead of 32). */
static inline void mn_dot4_s8(const int8_t *a, const int8_t *w0, const int8_t *w1, const int8_t *w2,
                              const int8_t *w3, int32_t n, int32_t *out)
{
    int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int32_t i = 0;
#if defined(__ARM_FEATURE_DSP)
    for (; i + 4 <= n; i += 4) {
        const uint32_t x = mn_ld32(a + i);
        const int16x2_t even = __sxtb16((int8x4_t)x);
        const int16x2_t odd = mn_sxtb16_ror8(x);
        uint32_t w = mn_ld32(w0 + i);
        s0 = __smlad(even, __sxtb16((int8x4_t)w), s0);
        s0 = __smlad(odd, mn_sxtb16_ror8(w), s0);
        w = mn_ld32(w1 + i);
        s1 = __smlad(even, __sxtb16((int8x4_t)w), s1);
        s1 = __smlad(odd, mn_sxtb16_ror8(w), s1);
        w = mn_ld32(w2 + i);
        s2 = __smlad(even, __sxtb16((int8x4_t)w), s2);
        s2 = __smlad(odd, mn_sxtb16_ror8(w), s2);
        w = mn_ld32(w3 + i);
        s3 = __smlad(even, __sxtb16((int8x4_t)w), s3);
        s3 = __smlad(odd, mn_sxtb16_ror8(w), s3);
    }
#endif
    for (; i < n; ++i) {
        const int32_t v = a[i];
        s0 += v * w0[i];
        s1 += v * w1[i];
        s2 += v * w2[i];
        s3 += v * w3[i];
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
}

#endif /* MN_DOT_H */
