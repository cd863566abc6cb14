/* SOFTMAX int8 -> int8 / int16 reference kernels (bit-exact with TFLM's
 * reference_ops::Softmax, gemmlowp fixed point). */
#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/softmax.py */

#define MN_SOFTMAX_DIFF_BITS 5   /* Q5.26 scaled input differences */
#define MN_SOFTMAX_ACCUM_BITS 12 /* Q12.19 sum of exps */

/* exp((x - row_max) * beta * scale) in Q0.31 for one in-range difference. */
static int32_t mn_softmax_exp(const mn_softmax_params_t *p, int32_t diff)
{
    /* MultiplyByQuantizedMultiplierGreaterThanOne (double-rounding build). */
    const int32_t rescaled = mn_srdhm(mn_shl_wrap(diff, p->input_left_shift), p->input_multiplier);
    return mn_fp_exp_on_negative_values(rescaled, MN_SOFTMAX_DIFF_BITS);
}

/* One row: writes clamp(round(exp/sum * 2^bits) + out_min) to out via store. */
static void mn_softmax_row(const mn_softmax_params_t *p, const int8_t *in, int32_t out_bits,
                           int32_t out_min, int32_t out_max, int8_t *out8, int16_t *out16)
{
    int32_t c, max_in_row = -128, sum_of_exps = 0, shifted_scale;
    int num_bits_over_unit, exponent;
    for (c = 0; c < p->depth; ++c) {
        max_in_row = MN_MAX(max_in_row, (int32_t)in[c]);
    }
    for (c = 0; c < p->depth; ++c) {
        const int32_t diff = (int32_t)in[c] - max_in_row;
        if (diff >= p->diff_min) {
            /* Rescale<12> of a Q0.31 value: rounding shift right by 12. */
            sum_of_exps = mn_add_wrap(sum_of_exps,
                                      mn_rdbpot(mn_softmax_exp(p, diff), MN_SOFTMAX_ACCUM_BITS));
        }
    }
    shifted_scale = mn_get_reciprocal(sum_of_exps, MN_SOFTMAX_ACCUM_BITS, &num_bits_over_unit);
    exponent = num_bits_over_unit + 31 - out_bits;
    for (c = 0; c < p->depth; ++c) {
        const int32_t diff = (int32_t)in[c] - max_in_row;
        int32_t v = out_min;
        if (diff >= p->diff_min) {
            /* exponent > 31 only for int8 output when the row's sum of exps
             * reaches 512 (depth >= 512): TFLM aborts there (TFLITE_CHECK); the
             * product is < 2^31, so the exact rounded quotient is 0. */
            const int32_t unsat = exponent > 31 ? 0
                : mn_rdbpot(mn_srdhm(shifted_scale, mn_softmax_exp(p, diff)), exponent);
            v = MN_CLAMP(unsat + out_min, out_min, out_max);
        }
        if (out8) {
            out8[c] = (int8_t)v;
        } else {
            out16[c] = (int16_t)v;
        }
    }
}

void mn_softmax_int8(const mn_softmax_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->outer; ++i) {
        mn_softmax_row(p, input + i * p->depth, 8, -128, 127, output + i * p->depth, NULL);
    }
}

void mn_softmax_int8_int16(const mn_softmax_params_t *p, const int8_t *input, int16_t *output)
{
    int32_t i;
    for (i = 0; i < p->outer; ++i) {
        mn_softmax_row(p, input + i * p->depth, 16, -32768, 32767, NULL, output + i * p->depth);
    }
}
