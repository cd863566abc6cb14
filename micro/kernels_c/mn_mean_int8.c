/* MEAN int8 reference kernel (bit-exact with TFLM reduce_common.cc EvalIntegerMean,
 * i.e. reference_ops::QuantizedMeanOrSum with compute_sum = false). */
#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/mean.py */

#define MN_MEAN_MAX_DIMS 8

void mn_mean_int8(const mn_mean_params_t *p, const int8_t *input, int8_t *output, void *scratch)
{
    int32_t *sums = (int32_t *)scratch;
    int32_t idx[MN_MEAN_MAX_DIMS];
    int32_t i, d, in_size = 1, out_off = 0;
    for (i = 0; i < p->out_size; ++i) {
        sums[i] = 0;
    }
    for (d = 0; d < p->num_dims; ++d) {
        idx[d] = 0;
        in_size *= p->dims[d];
    }
    /* Walk the input in memory order; an odometer tracks the output offset. */
    for (i = 0; i < in_size; ++i) {
        sums[out_off] = mn_add_wrap(sums[out_off], (int32_t)input[i]);
        for (d = p->num_dims - 1; d >= 0; --d) {
            out_off += p->out_strides[d];
            if (++idx[d] < p->dims[d]) {
                break;
            }
            out_off -= p->out_strides[d] * p->dims[d];
            idx[d] = 0;
        }
    }
    for (i = 0; i < p->out_size; ++i) {
        const int32_t shifted =
            (int32_t)((int64_t)sums[i] - (int64_t)p->input_zp * (int64_t)p->count);
        const int32_t v = mn_mul_by_qmult(shifted, p->mult, p->shift) + p->output_zp;
        output[i] = (int8_t)MN_CLAMP(v, -128, 127);
    }
}
