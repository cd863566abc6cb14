/* MUL int8 and int16 kernels (bit-exact with TFLM reference_integer_ops::Mul and BroadcastMul6DSlow). */
#include "mn_broadcast.h"
#include "mn_fixedpoint.h"

static inline int32_t mn_mul_one(const mn_mul_params_t *p, int32_t x, int32_t y)
{
    const int32_t prod = (x + p->input1_offset) * (y + p->input2_offset); /* |prod| <= 2^30 */
    const int32_t out = mn_mul_by_qmult(prod, p->output_mult, p->output_shift) + p->output_offset;
    return MN_CLAMP(out, p->act_min, p->act_max);
}

void mn_mul_int8(const mn_mul_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    int8_t *out = output;
    MN_BROADCAST_MAP(&p->layout, int8_t, input1, input2, out, x, y, (int8_t)mn_mul_one(p, x, y));
}

void mn_mul_int16(const mn_mul_params_t *p, const int16_t *input1, const int16_t *input2, int16_t *output)
{
    int16_t *out = output;
    MN_BROADCAST_MAP(&p->layout, int16_t, input1, input2, out, x, y, (int16_t)mn_mul_one(p, x, y));
}
