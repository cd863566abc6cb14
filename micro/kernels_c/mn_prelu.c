/* PRELU kernels, int8 and int16 input with int8 alpha (bit-exact with TFLM
 * reference_ops::BroadcastPrelu4DSlow). Broadcasting is resolved at compile time into dims/strides. */
#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; these kernels' ABI is declared in micro/kernels/prelu.py */

static inline int32_t mn_prelu_one(const mn_prelu_params_t *p, int32_t x, int32_t a)
{
    const int32_t v = x + p->input_offset;
    const int32_t out = v >= 0 ? mn_mul_by_qmult(v, p->output_mult_1, p->output_shift_1)
                               : mn_mul_by_qmult(v * (a + p->alpha_offset), p->output_mult_2, p->output_shift_2);
    return out + p->output_offset;
}

#define MN_PRELU_KERNEL(func, in_t, lo, hi)                                                              \
    void func(const mn_prelu_params_t *p, const in_t *input, const int8_t *alpha, in_t *output)        \
    {                                                                                                  \
        const int32_t *d = p->dims;                                                                    \
        const int32_t *si = p->input_strides;                                                          \
        const int32_t *sa = p->alpha_strides;                                                          \
        int32_t i0, i1, i2, i3, i4, i5;                                                                \
        in_t *out = output;                                                                            \
        if (!p->broadcast) {                                                                           \
            for (i5 = 0; i5 < p->size; ++i5) {                                                         \
                output[i5] = (in_t)MN_CLAMP(mn_prelu_one(p, input[i5], alpha[i5]), lo, hi);            \
            }                                                                                          \
            return;                                                                                    \
        }                                                                                              \
        for (i0 = 0; i0 < d[0]; ++i0) {                                                                \
            for (i1 = 0; i1 < d[1]; ++i1) {                                                            \
                for (i2 = 0; i2 < d[2]; ++i2) {                                                        \
                    for (i3 = 0; i3 < d[3]; ++i3) {                                                    \
                        for (i4 = 0; i4 < d[4]; ++i4) {                                                \
                            const in_t *x = input + i0 * si[0] + i1 * si[1] + i2 * si[2] + i3 * si[3] + \
                                            i4 * si[4];                                                \
                            const int8_t *a = alpha + i0 * sa[0] + i1 * sa[1] + i2 * sa[2] +           \
                                              i3 * sa[3] + i4 * sa[4];                                 \
                            for (i5 = 0; i5 < d[5]; ++i5) {                                            \
                                *out++ = (in_t)MN_CLAMP(mn_prelu_one(p, *x, *a), lo, hi);              \
                                x += si[5];                                                            \
                                a += sa[5];                                                            \
                            }                                                                          \
                        }                                                                              \
                    }                                                                                  \
                }                                                                                      \
            }                                                                                          \
        }                                                                                              \
    }

MN_PRELU_KERNEL(mn_prelu_int8, int8_t, -128, 127)
MN_PRELU_KERNEL(mn_prelu_int16, int16_t, -32768, 32767)
