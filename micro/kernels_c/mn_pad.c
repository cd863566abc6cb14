/* PAD / PADV2 reference kernel, any element type (same output as TFLM reference_ops::Pad): the
 * lowering describes the tensors in bytes (innermost extents times the element size) and the pad value
 * as a byte. The output is written once, a whole innermost row at a time, in order. When the output overlaps the
 * input (in-place planning), each row's input data is moved first (memmove) and its padding
 * written after, rows in ascending order when the output starts before the input and in
 * descending order when it starts at or after it (forward / reverse contracts: micro/kernels/pad.py). */
#include <string.h>

#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/pad.py */

/* Overlapping output: rows in ascending (reverse == 0) or descending order, each row's data
 * moved (memmove) before its padding is written. */
static void mn_pad_overlap(const mn_pad_params_t *p, const int8_t *input, int pad, int8_t *output,
                           int reverse)
{
    const int32_t *od = p->out_dims;
    const int32_t *id = p->in_dims;
    const int32_t *lp = p->left_pad;
    const size_t row = (size_t)od[4];
    const size_t left = (size_t)lp[4];
    const size_t inner = (size_t)id[4];
    const size_t right = row - left - inner;
    const int32_t n_rows = od[0] * od[1] * od[2] * od[3];
    int32_t k;

    for (k = 0; k < n_rows; ++k) {
        const int32_t r = reverse ? n_rows - 1 - k : k;
        const int32_t w = r % od[3] - lp[3];
        const int32_t h = r / od[3] % od[2] - lp[2];
        const int32_t q = r / (od[3] * od[2]) % od[1] - lp[1];
        const int32_t b = r / (od[3] * od[2] * od[1]) - lp[0];
        int8_t *out = output + (size_t)r * row;
        if (b >= 0 && b < id[0] && q >= 0 && q < id[1] && h >= 0 && h < id[2] && w >= 0 && w < id[3]) {
            const int32_t in_row = ((b * id[1] + q) * id[2] + h) * id[3] + w;
            memmove(out + left, input + (size_t)in_row * inner, inner);
            memset(out, pad, left);
            memset(out + left + inner, pad, right);
        } else {
            memset(out, pad, row);
        }
    }
}

void mn_pad(const mn_pad_params_t *p, const void *input_bytes, const void *pad_value_byte, void *output_bytes)
{
    const int8_t *input = (const int8_t *)input_bytes;
    const int8_t *pad_value = (const int8_t *)pad_value_byte;
    int8_t *output = (int8_t *)output_bytes;
    const int32_t *od = p->out_dims;
    const int32_t *id = p->in_dims;
    const int32_t *lp = p->left_pad;
    const int pad = (int)(pad_value ? *pad_value : (int8_t)p->pad_value);
    const size_t row = (size_t)od[4];
    const size_t left = (size_t)lp[4];
    const size_t inner = (size_t)id[4];
    const size_t right = row - left - inner;
    const int8_t *in = input;
    int8_t *out = output;
    const uintptr_t in_lo = (uintptr_t)input, out_lo = (uintptr_t)output;
    const uintptr_t in_hi = in_lo + (uintptr_t)id[0] * id[1] * id[2] * id[3] * id[4];
    const uintptr_t out_hi = out_lo + (uintptr_t)od[0] * od[1] * od[2] * od[3] * od[4];
    int32_t b, q, h, w;

    if (out_lo < in_hi && in_lo < out_hi) {
#ifdef MN_NO_REVERSE_OVERLAP /* tests only: proves the descending order is needed */
        mn_pad_overlap(p, input, pad, output, 0);
#else
        /* Exactly in place (out == in) only the descending order can be safe: an output row
         * never lies below its input row, and the forward order would write the first output
         * row over input rows still to be read. */
        mn_pad_overlap(p, input, pad, output, out_lo >= in_lo);
#endif
        return;
    }
    for (b = 0; b < od[0]; ++b) {
        const int b_in = b >= lp[0] && b < lp[0] + id[0];
        for (q = 0; q < od[1]; ++q) {
            const int q_in = b_in && q >= lp[1] && q < lp[1] + id[1];
            for (h = 0; h < od[2]; ++h) {
                const int h_in = q_in && h >= lp[2] && h < lp[2] + id[2];
                for (w = 0; w < od[3]; ++w) {
                    if (h_in && w >= lp[3] && w < lp[3] + id[3]) {
                        memset(out, pad, left);
                        memcpy(out + left, in, inner);
                        memset(out + left + inner, pad, right);
                        in += inner;
                    } else {
                        memset(out, pad, row);
                    }
                    out += row;
                }
            }
        }
    }
}
