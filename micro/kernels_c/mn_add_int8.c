/* ADD int8 reference kernel (bit-exact with TFLM reference_integer_ops::Add and
 * BroadcastAdd6DSlow). Broadcasting is resolved at compile time into dims/strides. */
#include "mn_fixedpoint.h"
#include "mn_kernels.h"

static inline int8_t mn_add_one(const mn_add_params_t *p, int32_t x, int32_t y)
{
    const int32_t a = mn_mul_by_qmult_lt1((x + p->input1_offset) * ((int32_t)1 << p->left_shift),
                                          p->input1_mult, p->input1_shift);
    const int32_t b = mn_mul_by_qmult_lt1((y + p->input2_offset) * ((int32_t)1 << p->left_shift),
                                          p->input2_mult, p->input2_shift);
    const int32_t raw = mn_mul_by_qmult_lt1(a + b, p->output_mult, p->output_shift) + p->output_offset;
    return (int8_t)MN_CLAMP(raw, p->act_min, p->act_max);
}

void mn_add_int8(const mn_add_params_t *p, const int8_t *input1, const int8_t *input2,
                 int8_t *output)
{
    const int32_t *d = p->dims;
    const int32_t *s1 = p->in1_strides;
    const int32_t *s2 = p->in2_strides;
    int32_t i0, i1, i2, i3, i4, i5;
    int8_t *out = output;

    if (!p->broadcast) {
        for (i5 = 0; i5 < p->flat_size; ++i5) {
            output[i5] = mn_add_one(p, input1[i5], input2[i5]);
        }
        return;
    }
    for (i0 = 0; i0 < d[0]; ++i0) {
        for (i1 = 0; i1 < d[1]; ++i1) {
            for (i2 = 0; i2 < d[2]; ++i2) {
                for (i3 = 0; i3 < d[3]; ++i3) {
                    for (i4 = 0; i4 < d[4]; ++i4) {
                        const int8_t *a = input1 + i0 * s1[0] + i1 * s1[1] + i2 * s1[2] + i3 * s1[3] +
                                          i4 * s1[4];
                        const int8_t *b = input2 + i0 * s2[0] + i1 * s2[1] + i2 * s2[2] + i3 * s2[3] +
                                          i4 * s2[4];
                        for (i5 = 0; i5 < d[5]; ++i5) {
                            *out++ = mn_add_one(p, *a, *b);
                            a += s1[5];
                            b += s2[5];
                        }
                    }
                }
            }
        }
    }
}
