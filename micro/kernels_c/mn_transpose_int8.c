/* TRANSPOSE int8 reference kernel (same output as TFLM reference_ops::Transpose): the
 * output is written in order, the input read through compile-time strides. */
#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/transpose.py */

void mn_transpose_int8(const mn_transpose_params_t *p, const int8_t *input, int8_t *output)
{
    const int32_t *d = p->dims;
    const int32_t *s = p->in_strides;
    int32_t i0, i1, i2, i3, i4;
    int8_t *out = output;

    for (i0 = 0; i0 < d[0]; ++i0) {
        for (i1 = 0; i1 < d[1]; ++i1) {
            for (i2 = 0; i2 < d[2]; ++i2) {
                for (i3 = 0; i3 < d[3]; ++i3) {
                    const int8_t *in = input + i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3];
                    for (i4 = 0; i4 < d[4]; ++i4) {
                        *out++ = *in;
                        in += s[4];
                    }
                }
            }
        }
    }
}
