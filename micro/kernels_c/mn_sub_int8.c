/* SUB int8 kernel (bit-exact with TFLM reference_ops::Sub / BroadcastQuantSubSlow, int8): ADD's
 * arithmetic (mn_add_sub.h) with the rescaled input2 subtracted; the same optional input tables. */
#include "mn_add_sub.h"
#include "mn_broadcast.h"

static inline int32_t mn_sub_int8_raw(const mn_add_sub_params_t *p, int32_t x, int32_t y)
{
    if (p->input1_table) {
        return p->input1_table[x + 128] - p->input2_table[y + 128];
    }
    return mn_add_sub_input1(p, x) - mn_add_sub_input2(p, y);
}

void mn_sub_int8(const mn_add_sub_params_t *p, const int8_t *input1, const int8_t *input2,
                 int8_t *output)
{
    int8_t *out = output;
    mn_add_sub_out_t q;

    mn_add_sub_out_init(&q, p);
    MN_BROADCAST_MAP(&p->layout, int8_t, input1, input2, out, x, y,
                     (int8_t)mn_add_sub_output(&q, mn_sub_int8_raw(p, x, y)));
}
