/* ADD int8 kernel (bit-exact with TFLM reference_integer_ops::Add and BroadcastAdd6DSlow).
 * Broadcasting is resolved at compile time into dims/strides. With input tables (large
 * ADDs), each input's rescaled value is one lookup; the output rescale is computed as one
 * 64-bit product plus a sign-dependent rounding constant and one shift, the same integers
 * as TFLM's MultiplyByQuantizedMultiplierSmallerThanOneExp. */
#include <string.h>

#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/add.py */
#include "mn_requant.h"

/* Output rescale: MultiplyByQuantizedMultiplierSmallerThanOneExp(x, mult, shift) with
 * shift <= 0 is floor((x * mult + (x < 0 ? round_neg : round_pos)) / 2^rshift),
 * rshift = 31 - shift, round_pos = 2^30 + (shift < 0 ? 2^(30 - shift) : 0),
 * round_neg = 2^rshift - round_pos (both roundings are half away from zero). */
typedef struct {
    int64_t round_pos;
    int64_t round_neg;
    int32_t mult;
    int32_t rshift;
    int32_t offset;
    int32_t act_min;
    int32_t act_max;
} mn_add_out_t;

static void mn_add_out_init(mn_add_out_t *q, const mn_add_params_t *p)
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

static inline int8_t mn_add_out(const mn_add_out_t *q, int32_t sum)
{
    const int64_t prod = (int64_t)sum * q->mult + (sum < 0 ? q->round_neg : q->round_pos);
    const int32_t raw = (int32_t)(prod >> q->rshift) + q->offset;
    return (int8_t)MN_CLAMP(raw, q->act_min, q->act_max);
}

static inline int32_t mn_add_in(int32_t x, int32_t offset, int32_t left_shift, int32_t mult,
                                int32_t shift)
{
    return mn_mul_by_qmult_lt1((x + offset) * ((int32_t)1 << left_shift), mult, shift);
}

static inline int8_t mn_add_one(const mn_add_params_t *p, const mn_add_out_t *q, int32_t x,
                                int32_t y)
{
    if (p->input1_table) {
        return mn_add_out(q, p->input1_table[x + 128] + p->input2_table[y + 128]);
    }
    return mn_add_out(q, mn_add_in(x, p->input1_offset, p->left_shift, p->input1_mult,
                                   p->input1_shift) +
                             mn_add_in(y, p->input2_offset, p->left_shift, p->input2_mult,
                                       p->input2_shift));
}

void mn_add_int8(const mn_add_params_t *p, const int8_t *input1, const int8_t *input2,
                 int8_t *output)
{
    const int32_t *d = p->dims;
    const int32_t *s1 = p->in1_strides;
    const int32_t *s2 = p->in2_strides;
    int32_t i0, i1, i2, i3, i4, i5;
    int8_t *out = output;
    mn_add_out_t q;

    mn_add_out_init(&q, p);
    if (!p->broadcast && p->input1_table) {
        const int32_t *t1 = p->input1_table + 128;
        const int32_t *t2 = p->input2_table + 128;
        const int32_t n = p->flat_size;
        i5 = 0;
#if defined(__ARM_FEATURE_DSP)
        if (p->output_shift <= -1 && p->output_shift >= -23) {
            /* Arm DSP extension: 4 elements at a time, the output rescale in the single-rounding form of
             * mn_requant.h (its nudges are round_pos and round_neg above: c = 2^30 + 2^(30+r) and
             * c - 2^31), the zero point folded into the high word, the 4 results clamped together
             * and stored as one word (output byte i written after input bytes i.. were read). */
            const int32_t r = -p->output_shift;
            const int64_t c = ((int64_t)1 << 30) + ((int64_t)1 << (30 + r)) +
                              (int64_t)p->output_offset * ((int64_t)1 << (31 + r));
            int32_t rq[4];
            const uint32_t lo4 = (uint32_t)(uint8_t)p->act_min * 0x01010101u;
            const uint32_t hi4 = (uint32_t)(uint8_t)p->act_max * 0x01010101u;
            rq[0] = p->output_mult;
            rq[1] = (int32_t)(uint32_t)((uint64_t)c & 0xFFFFFFFFu);
            rq[2] = (int32_t)(c >> 32);
            rq[3] = r - 1;
            if (p->act_min == -128 && p->act_max == 127) { /* no activation: SSAT clamps */
                for (; i5 + 4 <= n; i5 += 4) {
                    const uint32_t packed = mn_rq_clamp4(
                        mn_rq_single(t1[input1[i5]] + t2[input2[i5]], rq),
                        mn_rq_single(t1[input1[i5 + 1]] + t2[input2[i5 + 1]], rq),
                        mn_rq_single(t1[input1[i5 + 2]] + t2[input2[i5 + 2]], rq),
                        mn_rq_single(t1[input1[i5 + 3]] + t2[input2[i5 + 3]], rq), -128, 127, 0x80808080u,
                        0x7F7F7F7Fu);
                    memcpy(output + i5, &packed, sizeof packed);
                }
            }
            for (; i5 + 4 <= n; i5 += 4) {
                const uint32_t packed = mn_rq_clamp4(
                    mn_rq_single(t1[input1[i5]] + t2[input2[i5]], rq),
                    mn_rq_single(t1[input1[i5 + 1]] + t2[input2[i5 + 1]], rq),
                    mn_rq_single(t1[input1[i5 + 2]] + t2[input2[i5 + 2]], rq),
                    mn_rq_single(t1[input1[i5 + 3]] + t2[input2[i5 + 3]], rq), p->act_min, p->act_max, lo4, hi4);
                memcpy(output + i5, &packed, sizeof packed);
            }
        }
#endif
        for (; i5 < n; ++i5) {
            output[i5] = mn_add_out(&q, t1[input1[i5]] + t2[input2[i5]]);
        }
        return;
    }
    if (!p->broadcast) {
        for (i5 = 0; i5 < p->flat_size; ++i5) {
            output[i5] = mn_add_one(p, &q, input1[i5], input2[i5]);
        }
        return;
    }
    for (i0 = 0; i0 < d[0]; ++i0) {
        for (i1 = 0; i1 < d[1]; ++i1) {
            for (i2 = 0; i2 < d[2]; ++i2) {
                for (i3 = 0; i3 < d[3]; ++i3) {
                    for (i4 = 0; i4 < d[4]; ++i4) {
                        const int8_t *a = input1 + i0 * s1[0] + i1 * s1[1] + i2 * s1[2] + i3 * s1[3] +
                                          i4 * s1[4];
                        const int8_t *b = input2 + i0 * s2[0] + i1 * s2[1] + i2 * s2[2] + i3 * s2[3] +
                                          i4 * s2[4];
                        for (i5 = 0; i5 < d[5]; ++i5) {
                            *out++ = mn_add_one(p, &q, *a, *b);
                            a += s1[5];
                            b += s2[5];
                        }
                    }
                }
            }
        }
    }
}
