/* FULLY_CONNECTED int8 reference kernel (bit-exact with TFLM). */
#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/fully_connected.py */

#include "mn_dsp.h"

static int32_t dot_int8(const int8_t *a, const int8_t *b, int32_t n)
{
    int32_t acc = 0;
    int32_t i = 0;
#if defined(__ARM_FEATURE_DSP)
    /* Arm DSP extension: 4 products per step as two SMLADs over the sign-extended even and odd
     * bytes (the same wrapping int32 sum as the loop below), then the remaining n % 4. */
    for (; i + 4 <= n; i += 4) {
        const uint32_t x = mn_ld32(a + i);
        const uint32_t w = mn_ld32(b + i);
        acc = __smlad(__sxtb16((int8x4_t)x), __sxtb16((int8x4_t)w), acc);
        acc = __smlad(mn_sxtb16_ror8(x), mn_sxtb16_ror8(w), acc);
    }
#endif
    for (; i < n; ++i) {
        acc += (int32_t)a[i] * (int32_t)b[i];
    }
    return acc;
}

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
                acc = p->folded_bias[o] + dot_int8(in_row, w, p->in_depth);
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
