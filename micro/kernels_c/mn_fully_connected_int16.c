/* FULLY_CONNECTED 16x8 kernels: int16 activations, int8 weights, int64 or int32 bias (bit-exact with
 * TFLM reference_integer_ops::FullyConnected / FullyConnectedPerChannel for int16 input).
 *
 * TFLM facts reproduced: unlike int16 CONV_2D, the zero points are applied (input and output offsets;
 * 0 in converter-made models); the per-channel kernel ignores the filter offset; an int32 bias (or
 * none and the op's quantized_bias_type INT32) means a wrapping int32 accumulator and the
 * double-rounding int32 MultiplyByQuantizedMultiplier, otherwise int64 and the 64-bit one. */
#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; these kernels' ABI is declared in micro/kernels/fully_connected.py */

static void mn_fc16_run(const mn_fully_connected_int16_params_t *p, const int16_t *input, const int8_t *filter,
                        const int64_t *bias64, const int32_t *bias32, int acc32, int16_t *output)
{
    const int32_t foff = p->per_channel ? 0 : p->filter_offset;
    int32_t b, o, d;
    for (b = 0; b < p->batches; ++b) {
        const int16_t *x = input + b * p->in_depth;
        for (o = 0; o < p->out_depth; ++o) {
            const int8_t *w = filter + o * p->in_depth;
            const int32_t c = p->per_channel ? o : 0;
            int32_t v;
            if (acc32) {
                uint32_t acc = 0;
                for (d = 0; d < p->in_depth; ++d) {
                    acc += (uint32_t)(((int32_t)w[d] + foff) * ((int32_t)x[d] + p->input_offset));
                }
                if (bias32) {
                    acc += (uint32_t)bias32[o];
                }
                v = mn_mul_by_qmult((int32_t)acc, p->mult[c], p->shift[c]);
            } else {
                uint64_t acc = 0;
                for (d = 0; d < p->in_depth; ++d) {
                    acc += (uint64_t)(int64_t)(((int32_t)w[d] + foff) * ((int32_t)x[d] + p->input_offset));
                }
                if (bias64) {
                    acc += (uint64_t)bias64[o];
                }
                v = mn_mul_by_qmult_64((int64_t)acc, p->mult[c], p->shift[c]);
            }
            v += p->output_offset;
            output[b * p->out_depth + o] = (int16_t)MN_CLAMP(v, p->act_min, p->act_max);
        }
    }
}

void mn_fully_connected_int16(const mn_fully_connected_int16_params_t *p, const int16_t *input,
                              const int8_t *filter, const int64_t *bias, int16_t *output)
{
    mn_fc16_run(p, input, filter, bias, 0, 0, output);
}

void mn_fully_connected_int16_acc32(const mn_fully_connected_int16_params_t *p, const int16_t *input,
                                    const int8_t *filter, const int32_t *bias, int16_t *output)
{
    mn_fc16_run(p, input, filter, 0, bias, 1, output);
}
