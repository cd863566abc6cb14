/* micro kernels: the arithmetic ADD and SUB share (TFLM's general quantized add/sub, int8 and int16).
 * Each input is rescaled to a common scale with left_shift bits of headroom, the two are added or
 * subtracted, and the result is rescaled to the output. */
#ifndef MN_ADD_SUB_H
#define MN_ADD_SUB_H

#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated: mn_add_sub_params_t (micro/kernels/add.py) */

/* One input's rescale: MultiplyByQuantizedMultiplierSmallerThanOneExp((x + offset) << left_shift). */
static inline int32_t mn_add_sub_input(int32_t x, int32_t offset, int32_t left_shift, int32_t mult,
                                       int32_t shift)
{
    return mn_mul_by_qmult_lt1((x + offset) * ((int32_t)1 << left_shift), mult, shift);
}

static inline int32_t mn_add_sub_input1(const mn_add_sub_params_t *p, int32_t x)
{
    return mn_add_sub_input(x, p->input1_offset, p->left_shift, p->input1_mult, p->input1_shift);
}

static inline int32_t mn_add_sub_input2(const mn_add_sub_params_t *p, int32_t y)
{
    return mn_add_sub_input(y, p->input2_offset, p->left_shift, p->input2_mult, p->input2_shift);
}

/* Output rescale: MultiplyByQuantizedMultiplierSmallerThanOneExp(x, mult, shift) with shift <= 0 is
 * floor((x * mult + (x < 0 ? round_neg : round_pos)) / 2^rshift), rshift = 31 - shift,
 * round_pos = 2^30 + (shift < 0 ? 2^(30 - shift) : 0), round_neg = 2^rshift - round_pos (both roundings
 * are half away from zero; the two floors of SaturatingRoundingDoublingHighMul and RoundingDivideByPOT
 * nest into one, and mult > 0 never saturates). */
typedef struct {
    int64_t round_pos;
    int64_t round_neg;
    int32_t mult;
    int32_t rshift;
    int32_t offset;
    int32_t act_min;
    int32_t act_max;
} mn_add_sub_out_t;

static inline void mn_add_sub_out_init(mn_add_sub_out_t *q, const mn_add_sub_params_t *p)
{
    const int32_t r = -p->output_shift;
    q->mult = p->output_mult;
    q->rshift = 31 + r;
    q->round_pos = ((int64_t)1 << 30) + (r > 0 ? ((int64_t)1 << (30 + r)) : 0);
    q->round_neg = ((int64_t)1 << q->rshift) - q->round_pos;
    q->offset = p->output_offset;
    q->act_min = p->act_min;
    q->act_max = p->act_max;
}

/* The clamped output value of a raw sum or difference. */
static inline int32_t mn_add_sub_output(const mn_add_sub_out_t *q, int32_t raw)
{
    const int64_t prod = (int64_t)raw * q->mult + (raw < 0 ? q->round_neg : q->round_pos);
    const int32_t out = (int32_t)(prod >> q->rshift) + q->offset;
    return MN_CLAMP(out, q->act_min, q->act_max);
}

#endif /* MN_ADD_SUB_H */
