/* STRIDED_SLICE / SLICE reference kernel for any element type (same output as TFLM
 * reference_ops::StridedSlice and reference_ops::Slice): the output is written in order, the
 * input read through compile-time element steps (negative for reversed axes). */
#include <string.h>

#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/strided_slice.py */

/* Copy n elements of `size` bytes, `step` elements apart in the input, to consecutive outputs.
 * Tensors are aligned to their element size (arena buffers to 4 bytes, views at multiples of the
 * element size), so 2- and 4-byte elements move as integers of that size. */
static void mn_copy_run(const uint8_t *in, uint8_t *out, int32_t n, int32_t step, int32_t size)
{
    int32_t i;

    if (step == 1) {
        memcpy(out, in, (size_t)n * (size_t)size);
        return;
    }
    switch (size) {
    case 1:
        for (i = 0; i < n; ++i) {
            out[i] = in[(ptrdiff_t)i * step];
        }
        break;
    case 2: {
        const uint16_t *src = (const uint16_t *)(const void *)in;
        uint16_t *dst = (uint16_t *)(void *)out;
        for (i = 0; i < n; ++i) {
            dst[i] = src[(ptrdiff_t)i * step];
        }
        break;
    }
    case 4: {
        const uint32_t *src = (const uint32_t *)(const void *)in;
        uint32_t *dst = (uint32_t *)(void *)out;
        for (i = 0; i < n; ++i) {
            dst[i] = src[(ptrdiff_t)i * step];
        }
        break;
    }
    default:
        for (i = 0; i < n; ++i) {
            memcpy(out + (size_t)i * (size_t)size, in + (ptrdiff_t)i * step * size, (size_t)size);
        }
        break;
    }
}

void mn_strided_slice(const mn_strided_slice_params_t *p, const void *input, void *output)
{
    const int32_t *d = p->dims;
    const int32_t *s = p->steps;
    const int32_t size = p->elem_bytes;
    const uint8_t *in = (const uint8_t *)input + (ptrdiff_t)p->start * size;
    uint8_t *out = (uint8_t *)output;
    const size_t row = (size_t)d[4] * (size_t)size;
    int32_t i0, i1, i2, i3;

    for (i0 = 0; i0 < d[0]; ++i0) {
        for (i1 = 0; i1 < d[1]; ++i1) {
            for (i2 = 0; i2 < d[2]; ++i2) {
                for (i3 = 0; i3 < d[3]; ++i3) {
                    const ptrdiff_t at = (ptrdiff_t)i0 * s[0] + (ptrdiff_t)i1 * s[1] + (ptrdiff_t)i2 * s[2] +
                                         (ptrdiff_t)i3 * s[3];
                    mn_copy_run(in + at * size, out, d[4], s[4], size);
                    out += row;
                }
            }
        }
    }
}
