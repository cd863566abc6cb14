/* ADD int8 kernel (bit-exact with TFLM reference_integer_ops::Add and BroadcastAdd6DSlow).
 * Broadcasting is resolved at compile time (mn_broadcast.h). With input tables (large ADDs), each
 * input's rescaled value is one lookup; the output rescale is one 64-bit product plus a sign-dependent
 * rounding constant and one shift (mn_add_sub.h). */
#include <string.h>

#include "mn_add_sub.h"
#include "mn_broadcast.h"
#include "mn_requant.h"

static inline int32_t mn_add_int8_raw(const mn_add_sub_params_t *p, int32_t x, int32_t y)
{
    if (p->input1_table) {
        return p->input1_table[x + 128] + p->input2_table[y + 128];
    }
    return mn_add_sub_input1(p, x) + mn_add_sub_input2(p, y);
}

/* Elementwise ADD with input tables, from element i on. */
static void mn_add_int8_tables(const mn_add_sub_params_t *p, const mn_add_sub_out_t *q, const int8_t *input1,
                               const int8_t *input2, int8_t *output)
{
    const int32_t *t1 = p->input1_table + 128;
    const int32_t *t2 = p->input2_table + 128;
    const int32_t n = p->layout.flat_size;
    int32_t i = 0;
#if defined(__ARM_FEATURE_DSP)
    if (p->output_shift <= -1 && p->output_shift >= -23) {
        /* Arm DSP extension: 4 elements at a time, the output rescale in the single-rounding form of
         * mn_requant.h (its nudges are round_pos and round_neg of mn_add_sub.h: c = 2^30 + 2^(30+r) and
         * c - 2^31), the zero point folded into the high word, the 4 results clamped together and stored
         * as one word (output byte i written after input bytes i.. were read). */
        const int32_t r = -p->output_shift;
        const int64_t c = ((int64_t)1 << 30) + ((int64_t)1 << (30 + r)) +
                          (int64_t)p->output_offset * ((int64_t)1 << (31 + r));
        const uint32_t lo4 = (uint32_t)(uint8_t)p->act_min * 0x01010101u;
        const uint32_t hi4 = (uint32_t)(uint8_t)p->act_max * 0x01010101u;
        int32_t rq[4];
        rq[0] = p->output_mult;
        rq[1] = (int32_t)(uint32_t)((uint64_t)c & 0xFFFFFFFFu);
        rq[2] = (int32_t)(c >> 32);
        rq[3] = r - 1;
        if (p->act_min == -128 && p->act_max == 127) { /* no activation: SSAT clamps */
            for (; i + 4 <= n; i += 4) {
                const uint32_t packed = mn_rq_clamp4(
                    mn_rq_single(t1[input1[i]] + t2[input2[i]], rq),
                    mn_rq_single(t1[input1[i + 1]] + t2[input2[i + 1]], rq),
                    mn_rq_single(t1[input1[i + 2]] + t2[input2[i + 2]], rq),
                    mn_rq_single(t1[input1[i + 3]] + t2[input2[i + 3]], rq), -128, 127, 0x80808080u, 0x7F7F7F7Fu);
                memcpy(output + i, &packed, sizeof packed);
            }
        }
        for (; i + 4 <= n; i += 4) {
            const uint32_t packed = mn_rq_clamp4(
                mn_rq_single(t1[input1[i]] + t2[input2[i]], rq),
                mn_rq_single(t1[input1[i + 1]] + t2[input2[i + 1]], rq),
                mn_rq_single(t1[input1[i + 2]] + t2[input2[i + 2]], rq),
                mn_rq_single(t1[input1[i + 3]] + t2[input2[i + 3]], rq), p->act_min, p->act_max, lo4, hi4);
            memcpy(output + i, &packed, sizeof packed);
        }
    }
#endif
    for (; i < n; ++i) {
        output[i] = (int8_t)mn_add_sub_output(q, t1[input1[i]] + t2[input2[i]]);
    }
}

void mn_add_int8(const mn_add_sub_params_t *p, const int8_t *input1, const int8_t *input2,
                 int8_t *output)
{
    int8_t *out = output;
    int32_t i;
    mn_add_sub_out_t q;

    mn_add_sub_out_init(&q, p);
    if (!p->layout.broadcast && p->input1_table) {
        mn_add_int8_tables(p, &q, input1, input2, output);
        return;
    }
    if (!p->layout.broadcast) {
        for (i = 0; i < p->layout.flat_size; ++i) {
            output[i] = (int8_t)mn_add_sub_output(&q, mn_add_int8_raw(p, input1[i], input2[i]));
        }
        return;
    }
    MN_BROADCAST_MAP(&p->layout, int8_t, input1, input2, out, x, y,
                     (int8_t)mn_add_sub_output(&q, mn_add_int8_raw(p, x, y)));
}
