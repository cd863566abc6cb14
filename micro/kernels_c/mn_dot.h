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

#endif /* MN_DOT_H */
