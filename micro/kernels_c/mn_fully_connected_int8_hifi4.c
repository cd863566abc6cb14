/* FULLY_CONNECTED int8, HiFi 4 variant of mn_fully_connected_int8.c (the same ABI,
 * micro/kernels/fully_connected.py; bit-exact with TFLM reference FullyConnected / FullyConnectedPerChannel).
 *
 * Per batch row, the outputs in tiles of MN_HF_TILE and the inputs in chunks of MN_HF_CHUNK: a chunk of the
 * input row is widened once to int16 on the stack (x + input_offset, or raw x with the compile-time folded
 * bias), then every output of the tile runs mn_hifi4_dot_s16_s8 over it (aligned F-form weight loads after a
 * head that aligns the weight row, unaligned 16-bit input loads, quad multiply-accumulates into a 64-bit
 * accumulator per output, a tail one lane at a time). A filter zero point (only non-constant filters have
 * one) adds filter_offset * sum(x + input_offset) per chunk. The exact sum wraps to TFLM's int32, takes the
 * bias and is requantized by TFLM's double-rounding MultiplyByQuantizedMultiplier (mn_hifi4_mul_by_qmult).
 * Stack: MN_HF_CHUNK + 4 int16 and MN_HF_TILE 64-bit accumulators (about 1 KB). */
#include "mn_fixedpoint.h"
#include "mn_hifi4.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/fully_connected.py */

#define MN_HF_CHUNK 256 /* inputs widened at a time */
#define MN_HF_TILE 32   /* outputs accumulated at a time */

void mn_fully_connected_int8(const mn_fully_connected_params_t *p, const int8_t *input, const int8_t *filter,
                             const int32_t *bias, int8_t *output)
{
    const int32_t in_depth = p->in_depth, out_depth = p->out_depth;
    const int32_t x_offset = p->folded_bias ? 0 : p->input_offset;
    /* 8-byte aligned, and 4 entries of slack: the unaligned load may read ahead on a core */
    int64_t xs64[(MN_HF_CHUNK + 4) / 4];
    int16_t *const xs = (int16_t *)xs64;
    ae_int64 acc[MN_HF_TILE];
    int32_t b, o0, k0, j, i;

    for (i = MN_HF_CHUNK; i < MN_HF_CHUNK + 4; ++i) {
        xs[i] = 0;
    }
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_row = input + b * in_depth;
        int8_t *out_row = output + b * out_depth;
        for (o0 = 0; o0 < out_depth; o0 += MN_HF_TILE) {
            const int32_t n_out = MN_MIN(MN_HF_TILE, out_depth - o0);
            uint32_t row_sum = 0u; /* sum(x + input_offset) of the row, wrapping as TFLM's int32 */
            for (j = 0; j < n_out; ++j) {
                acc[j] = AE_ZERO64();
            }
            for (k0 = 0; k0 < in_depth; k0 += MN_HF_CHUNK) {
                const int32_t n = MN_MIN(MN_HF_CHUNK, in_depth - k0);
                for (i = 0; i < n; ++i) {
                    xs[i] = (int16_t)(in_row[k0 + i] + x_offset);
                    row_sum += (uint32_t)(int32_t)xs[i];
                }
                for (j = 0; j < n_out; ++j) {
                    acc[j] = mn_hifi4_dot_s16_s8(acc[j], xs, filter + (o0 + j) * in_depth + k0, n);
                }
            }
            for (j = 0; j < n_out; ++j) {
                const int32_t o = o0 + j;
                const int32_t c = p->per_channel ? o : 0;
                uint32_t s = (uint32_t)mn_hifi4_acc32(acc[j]);
                int32_t v;
                if (p->folded_bias) {
                    s += (uint32_t)p->folded_bias[o];
                } else {
                    s += (uint32_t)p->filter_offset * row_sum;
                    if (bias) {
                        s += (uint32_t)bias[o];
                    }
                }
                v = mn_hifi4_mul_by_qmult((int32_t)s, p->mult[c], p->shift[c]) + p->output_offset;
                out_row[o] = (int8_t)MN_CLAMP(v, p->act_min, p->act_max);
            }
        }
    }
}
