/* DIV int8 kernel (bit-exact with TFLM reference_ops::DivElementwise / BroadcastDivSlowQuantized as the
 * x86-64 TFLM build computes them, including where the C++ is undefined; see micro/kernels/div.py). */
#include "mn_broadcast.h"
#include "mn_fixedpoint.h"

/* TFLite CountLeadingSignBits (31 for 0 and -1). */
static inline int mn_div_clrsb(int32_t x)
{
    return mn_clz32((uint32_t)(x < 0 ? ~x : x)) - 1;
}

/* TFLite GetReciprocal(b, 31, &shift) for b >= 0. For b = 0 TFLM shifts 0 by 32 (undefined; 0 on its
 * build), so shifted_sum_minus_one = -2^31 and the shift is -1. */
static inline int32_t mn_div_reciprocal(int32_t b, int *shift)
{
    if (b == 0) {
        *shift = -1;
        return mn_fp_one_over_one_plus_x_for_x_in_0_1(INT32_MIN);
    }
    return mn_get_reciprocal(b, 31, shift);
}

/* gemmlowp RoundingDivideByPOT for exponent >= 0, also above 31 where TFLM's build computes
 * mask = (int32_t)(2^e - 1) = -1 and an x86 shift by e & 31. */
static inline int32_t mn_div_rdbpot(int32_t x, int exponent)
{
    if (exponent <= 31) {
        return mn_rdbpot(x, exponent);
    }
    /* remainder = x & -1 = x; threshold = (-1 >> 1) + (x < 0) */
    return (x >> (exponent & 31)) + (x > (x < 0 ? 0 : -1) ? 1 : 0);
}

static inline int32_t mn_div_one(const mn_div_params_t *p, int32_t x, int32_t y)
{
    int32_t a = x + p->input1_offset;
    int32_t b = y + p->input2_offset;
    int recip_shift, headroom, total_shift;
    int32_t inv, quotient, out;
    if (b < 0) {
        a = -a;
        b = -b;
    }
    inv = mn_div_reciprocal(b, &recip_shift);
    headroom = mn_div_clrsb(a);
    quotient = mn_srdhm(mn_shl_wrap(a, headroom), inv);
    total_shift = p->output_shift - recip_shift - headroom; /* <= 0: output_shift <= 22, headroom >= 23 */
    out = mn_div_rdbpot(mn_srdhm(quotient, p->output_mult), -total_shift) + p->output_offset;
    return MN_CLAMP(out, p->act_min, p->act_max);
}

void mn_div_int8(const mn_div_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    int8_t *out = output;
    MN_BROADCAST_MAP(&p->layout, int8_t, input1, input2, out, x, y, (int8_t)mn_div_one(p, x, y));
}
