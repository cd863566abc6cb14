/* The body of the SVDF int8 kernels (bit-exact with TFLM svdf_common.cc EvalIntegerSvdfReference<T>), T the
 * type of the time weights and activation state: int16_t (mn_svdf_int8_state_int16) or int8_t
 * (..._state_int8).
 *
 * TFLM shifts the whole state buffer left by one element, writes every filter's newest value, computes
 * every filter's time product into a scratch buffer, then reduces the ranks into a second one. Here
 * each filter is shifted, fed and multiplied by its time weights in one pass, and each unit requantized
 * as soon as its rank filters are summed, with no scratch. The state bytes are the same after every invoke:
 * TFLM's whole-buffer shift moves the first value of filter f + 1 into the last slot of filter f, which
 * the feature product overwrites right after. The input and state zero points are folded into
 * feature_offset and unit_bias at compile time (integer sums: the same int32 results).
 *
 * TFLM quirks reproduced: the new state value is clamped to T's range BEFORE its zero point is added,
 * and the sum is stored with a wrapping conversion to T; the op's fused activation is ignored (the
 * integer reference never applies it; the output is clamped to int8 only).
 *
 * One copy of the logic for every kernel set: the includer defines MN_SVDF_DOT4 and MN_SVDF_DOT (the feature
 * filters' dot products with the contracts of mn_dot4_s8 and mn_dot_s8, micro/kernels_c/mn_dot.h) and
 * MN_SVDF_SHIFT_AND_DOT_S16 / _S8 (shift one filter's memory, store its newest value, return the time product
 * as a wrapping int32), then includes this header once: mn_svdf_int8.c (portable) and mn_svdf_int8_hifi4.c. */
#ifndef MN_SVDF_BODY_H
#define MN_SVDF_BODY_H

#if !defined(MN_SVDF_DOT4) || !defined(MN_SVDF_DOT) || !defined(MN_SVDF_SHIFT_AND_DOT_S16) || \
    !defined(MN_SVDF_SHIFT_AND_DOT_S8)
#error "define the SVDF dot product hooks before including mn_svdf_body.h"
#endif

#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; these kernels' ABI is declared in micro/kernels/svdf.py */

/* Filters in groups of four share the input (mn_dot4_s8); unit u owns filters u * rank .. u * rank + rank - 1
 * and is requantized once its last filter is done. */
#define MN_SVDF_KERNEL(NAME, T, SHIFT_AND_DOT)                                                             \
    void NAME(const mn_svdf_params_t *p, const int8_t *input, const int8_t *weights_feature,              \
              const T *weights_time, T *activation_state, int8_t *output)                                 \
    {                                                                                                      \
        const int32_t memory = p->memory, size = p->input_size, filters = p->filters;                      \
        int32_t b, f, k;                                                                                   \
        for (b = 0; b < p->batches; ++b) {                                                                 \
            const int8_t *x = input + b * size;                                                            \
            T *state = activation_state + (int32_t)b * filters * memory;                                   \
            int8_t *out = output + b * p->units;                                                           \
            int32_t acc = 0, r = 0, u = 0;                                                                 \
            for (f = 0; f < filters; f += 4) {                                                             \
                const int8_t *w = weights_feature + f * size;                                              \
                const int32_t group = MN_MIN(4, filters - f);                                              \
                int32_t dots[4];                                                                           \
                if (group == 4) {                                                                          \
                    MN_SVDF_DOT4(x, w, w + size, w + 2 * size, w + 3 * size, size, dots);                    \
                } else {                                                                                   \
                    for (k = 0; k < group; ++k) {                                                          \
                        dots[k] = MN_SVDF_DOT(x, w + k * size, size);                                        \
                    }                                                                                      \
                }                                                                                          \
                for (k = 0; k < group; ++k) {                                                              \
                    const int32_t fk = f + k;                                                              \
                    int32_t v = mn_mul_by_qmult(p->feature_offset[fk] + dots[k], p->feature_mult,           \
                                                p->feature_shift);                                         \
                    v = MN_CLAMP(v, p->state_min, p->state_max);                                           \
                    if (r == 0) {                                                                          \
                        acc = p->unit_bias[u];                                                             \
                    }                                                                                      \
                    acc += SHIFT_AND_DOT(state + fk * memory, weights_time + fk * memory, memory,          \
                                         (T)(p->state_zero_point + v));                                    \
                    if (++r == p->rank) {                                                                  \
                        acc = mn_mul_by_qmult(acc, p->output_mult, p->output_shift) + p->output_zero_point; \
                        out[u++] = (int8_t)MN_CLAMP(acc, -128, 127);                                       \
                        r = 0;                                                                             \
                    }                                                                                      \
                }                                                                                          \
            }                                                                                              \
        }                                                                                                  \
    }

MN_SVDF_KERNEL(mn_svdf_int8_state_int16, int16_t, MN_SVDF_SHIFT_AND_DOT_S16)
MN_SVDF_KERNEL(mn_svdf_int8_state_int8, int8_t, MN_SVDF_SHIFT_AND_DOT_S8)

#endif /* MN_SVDF_BODY_H */
