/* TRANSPOSE reference kernel for 1-, 2- and 4-byte elements (same output as TFLM
 * reference_ops::Transpose): the output is written in order, the input read through compile-time
 * strides (in elements). */
#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/transpose.py */

/* One copy of the loop nest per element type, so each moves whole elements. */
#define MN_TRANSPOSE_LOOPS(T)                                                                          \
    do {                                                                                                \
        const T *src = (const T *)input;                                                                \
        T *out = (T *)output;                                                                           \
        for (i0 = 0; i0 < d[0]; ++i0)                                                                   \
            for (i1 = 0; i1 < d[1]; ++i1)                                                               \
                for (i2 = 0; i2 < d[2]; ++i2)                                                           \
                    for (i3 = 0; i3 < d[3]; ++i3) {                                                     \
                        const T *in = src + i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3];             \
                        for (i4 = 0; i4 < d[4]; ++i4) {                                                 \
                            *out++ = *in;                                                               \
                            in += s[4];                                                                 \
                        }                                                                               \
                    }                                                                                   \
    } while (0)

void mn_transpose(const mn_transpose_params_t *p, const void *input, void *output)
{
    const int32_t *d = p->dims;
    const int32_t *s = p->in_strides;
    int32_t i0, i1, i2, i3, i4;

    if (p->elem_bytes == 4)
        MN_TRANSPOSE_LOOPS(int32_t);
    else if (p->elem_bytes == 2)
        MN_TRANSPOSE_LOOPS(int16_t);
    else
        MN_TRANSPOSE_LOOPS(int8_t);
}
