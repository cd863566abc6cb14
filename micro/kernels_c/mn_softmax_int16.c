/* SOFTMAX int16 -> int16 kernel (bit-exact with TFLM reference_ops::SoftmaxInt16): two 513-entry
 * interpolated tables made at compile time with TFLM's float32 LUTPopulate (micro/quant.py). */
#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/softmax.py */

/* TFLM LUTLookup (int16 -> int16): 9-bit index, 7-bit linear interpolation. */
static inline int16_t mn_lut_lookup_int16(int16_t value, const int16_t *lut)
{
    const int32_t index = 256 + (value >> 7);
    const int32_t offset = value & 0x7f;
    const int32_t base = lut[index];
    const int16_t slope = (int16_t)(lut[index + 1] - lut[index]);
    const int32_t delta = (slope * offset + 64) >> 7;
    return (int16_t)(base + delta);
}

static inline int16_t mn_sat_int16(int32_t x)
{
    return (int16_t)MN_CLAMP(x, -32768, 32767);
}

void mn_softmax_int16(const mn_softmax_int16_params_t *p, const int16_t *input, int16_t *output)
{
    int32_t i, c;
    for (i = 0; i < p->outer; ++i) {
        const int16_t *in = input + i * p->depth;
        int16_t *out = output + i * p->depth;
        int32_t max_in_row = -32768, sum_of_exps = 0, shifted_sum;
        int headroom_plus_one, right_shift;
        int16_t reciprocal;
        int64_t round;
        for (c = 0; c < p->depth; ++c) {
            max_in_row = MN_MAX(max_in_row, (int32_t)in[c]);
        }
        /* Each exp is stored over the input element it came from, after that element was read. */
        for (c = 0; c < p->depth; ++c) {
            const int32_t scaled = mn_mul_by_qmult((int32_t)in[c] - max_in_row, p->input_multiplier,
                                                   p->input_left_shift);
            out[c] = mn_lut_lookup_int16(mn_sat_int16(mn_add_wrap(scaled, 32767)), p->exp_lut);
            sum_of_exps = mn_add_wrap(sum_of_exps, out[c]);
        }
        /* sum_of_exps >= exp(0) > 0: headroom_plus_one <= 17. */
        headroom_plus_one = mn_clz32((uint32_t)sum_of_exps);
        shifted_sum = (int32_t)((((int64_t)sum_of_exps << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
        reciprocal = mn_lut_lookup_int16(mn_sat_int16(shifted_sum - ((INT32_C(1) << 15) + (INT32_C(1) << 16))),
                                         p->one_over_one_plus_x_lut);
        right_shift = 31 - headroom_plus_one;
        round = (int64_t)1 << (right_shift - 1);
        for (c = 0; c < p->depth; ++c) {
            const int32_t result = (int32_t)(((int64_t)out[c] * reciprocal + round) >> right_shift);
            out[c] = (int16_t)MN_CLAMP(result, 0, 32767);
        }
    }
}
