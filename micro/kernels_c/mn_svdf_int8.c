/* SVDF int8 kernels, portable set: the kernels are mn_svdf_body.h (bit-exact with TFLM svdf_common.cc
 * EvalIntegerSvdfReference<T>); here their dot products: mn_dot4_s8 / mn_dot_s8 for the feature filters, and
 * the time products fused with the memory shift (Arm DSP paths where __ARM_FEATURE_DSP is defined). */
#include <string.h>

#include "mn_dot.h"

/* Shift one filter's memory left by one (s[j] = s[j + 1]), store the newest value last, and return the
 * time product sum_j w[j] * s[j] over the shifted memory: one pass instead of a memmove and a dot. */
static int32_t shift_and_dot_s16(int16_t *s, const int16_t *w, int32_t memory, int16_t newest)
{
    int32_t acc = 0;
    int32_t j = 0;
#if defined(__ARM_FEATURE_DSP)
    /* Pairs: load s[j + 1], s[j + 2], store them at s[j], s[j + 1] (read before written), one SMLAD. */
    for (; j + 2 < memory; j += 2) {
        const uint32_t v = mn_ld32(s + j + 1);
        memcpy(s + j, &v, sizeof v);
        acc = __smlad((int16x2_t)v, (int16x2_t)mn_ld32(w + j), acc);
    }
#endif
    for (; j + 1 < memory; ++j) {
        s[j] = s[j + 1];
        acc += (int32_t)w[j] * s[j];
    }
    s[memory - 1] = newest;
    return acc + (int32_t)w[memory - 1] * newest;
}

static int32_t shift_and_dot_s8(int8_t *s, const int8_t *w, int32_t memory, int8_t newest)
{
    int32_t acc = 0;
    int32_t j;
    for (j = 0; j + 1 < memory; ++j) {
        s[j] = s[j + 1];
        acc += (int32_t)w[j] * s[j];
    }
    s[memory - 1] = newest;
    return acc + (int32_t)w[memory - 1] * newest;
}

#define MN_SVDF_DOT4 mn_dot4_s8
#define MN_SVDF_DOT mn_dot_s8
#define MN_SVDF_SHIFT_AND_DOT_S16 shift_and_dot_s16
#define MN_SVDF_SHIFT_AND_DOT_S8 shift_and_dot_s8
#include "mn_svdf_body.h"
