/* ADD int8 kernel (bit-exact with TFLM reference_integer_ops::Add and BroadcastAdd6DSlow).
 * Broadcasting is resolved at compile time (mn_broadcast.h). With input tables (large ADDs), each
 * input's rescaled value is one lookup; the output rescale is one 64-bit product plus a sign-dependent
 * rounding constant and one shift (mn_add_sub.h). */
#include "mn_add_sub.h"
#include "mn_broadcast.h"

static inline int32_t mn_add_int8_raw(const mn_add_sub_params_t *p, int32_t x, int32_t y)
{
    if (p->input1_table) {
        return p->input1_table[x + 128] + p->input2_table[y + 128];
    }
    return mn_add_sub_input1(p, x) + mn_add_sub_input2(p, y);
}

void mn_add_int8(const mn_add_sub_params_t *p, const int8_t *input1, const int8_t *input2,
                 int8_t *output)
{
    int8_t *out = output;
    int32_t i;
    mn_add_sub_out_t q;

    mn_add_sub_out_init(&q, p);
    if (!p->layout.broadcast && p->input1_table) {
        const int32_t *t1 = p->input1_table + 128;
        const int32_t *t2 = p->input2_table + 128;
        const int32_t n = p->layout.flat_size;
        for (i = 0; i < n; ++i) {
            output[i] = (int8_t)mn_add_sub_output(&q, t1[input1[i]] + t2[input2[i]]);
        }
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
