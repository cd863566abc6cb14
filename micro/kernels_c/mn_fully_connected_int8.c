/* FULLY_CONNECTED int8 reference kernel (bit-exact with TFLM). */
#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/fully_connected.py */

#include "mn_dot.h"

void mn_fully_connected_int8(const mn_fully_connected_params_t *p, const int8_t *input,
                             const int8_t *filter, const int32_t *bias, int8_t *output)
{
    int32_t b, o, d;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_row = input + b * p->in_depth;
        int8_t *out_row = output + b * p->out_depth;
        for (o = 0; o < p->out_depth; ++o) {
            const int8_t *w = filter + o * p->in_depth;
            const int32_t c = p->per_channel ? o : 0;
            int32_t acc;
            if (p->folded_bias) {
                acc = p->folded_bias[o] + mn_dot_s8(in_row, w, p->in_depth);
            } else {
                acc = 0;
                for (d = 0; d < p->in_depth; ++d) {
                    acc += ((int32_t)w[d] + p->filter_offset) * ((int32_t)in_row[d] + p->input_offset);
                }
                if (bias) {
                    acc += bias[o];
                }
            }
            acc = mn_mul_by_qmult(acc, p->mult[c], p->shift[c]) + p->output_offset;
            out_row[o] = (int8_t)MN_CLAMP(acc, p->act_min, p->act_max);
        }
    }
}
