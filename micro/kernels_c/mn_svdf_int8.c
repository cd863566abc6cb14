/* SVDF int8 kernels (bit-exact with TFLM svdf_common.cc EvalIntegerSvdfReference<T>), T the type of the
 * time weights and activation state: int16_t (mn_svdf_int8_state_int16) or int8_t (..._state_int8).
 *
 * TFLM shifts the whole state buffer left by one element, writes every filter's newest value, computes
 * every filter's time product into a scratch buffer, then reduces the ranks into a second one. Here
 * each unit is finished before the next: its rank filters are shifted, fed and multiplied by their time
 * weights, and the sums requantized, with no scratch. The state bytes are the same after every invoke:
 * TFLM's whole-buffer shift moves the first value of filter f + 1 into the last slot of filter f, which
 * the feature product overwrites right after. The input and state zero points are folded into
 * feature_offset and unit_bias at compile time (integer sums: the same int32 results).
 *
 * TFLM quirks reproduced: the new state value is clamped to T's range BEFORE its zero point is added,
 * and the sum is stored with a wrapping conversion to T; the op's fused activation is ignored (the
 * integer reference never applies it; the output is clamped to int8 only). */
#include <string.h>

#include "mn_dot.h"
#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; these kernels' ABI is declared in micro/kernels/svdf.py */

#define MN_SVDF_KERNEL(NAME, T, DOT)                                                                       \
    void NAME(const mn_svdf_params_t *p, const int8_t *input, const int8_t *weights_feature,              \
              const T *weights_time, T *activation_state, int8_t *output)                                 \
    {                                                                                                      \
        const int32_t memory = p->memory;                                                                  \
        int32_t b, u, r;                                                                                   \
        for (b = 0; b < p->batches; ++b) {                                                                 \
            const int8_t *x = input + b * p->input_size;                                                   \
            T *state = activation_state + (int32_t)b * p->filters * memory;                                \
            for (u = 0; u < p->units; ++u) {                                                               \
                int32_t acc = p->unit_bias[u];                                                             \
                for (r = 0; r < p->rank; ++r) {                                                            \
                    const int32_t f = u * p->rank + r;                                                     \
                    T *s = state + f * memory;                                                             \
                    int32_t v = p->feature_offset[f] +                                                     \
                                mn_dot_s8(x, weights_feature + f * p->input_size, p->input_size);          \
                    memmove(s, s + 1, (size_t)(memory - 1) * sizeof(T));                                   \
                    v = mn_mul_by_qmult(v, p->feature_mult, p->feature_shift);                             \
                    v = MN_CLAMP(v, p->state_min, p->state_max);                                           \
                    s[memory - 1] = (T)(p->state_zero_point + v);                                          \
                    acc += DOT(weights_time + f * memory, s, memory);                                      \
                }                                                                                          \
                acc = mn_mul_by_qmult(acc, p->output_mult, p->output_shift) + p->output_zero_point;        \
                output[b * p->units + u] = (int8_t)MN_CLAMP(acc, -128, 127);                               \
            }                                                                                              \
        }                                                                                                  \
    }

MN_SVDF_KERNEL(mn_svdf_int8_state_int16, int16_t, mn_dot_s16)
MN_SVDF_KERNEL(mn_svdf_int8_state_int8, int8_t, mn_dot_s8)
