/* int32 elementwise arithmetic (TFLM reference_ops Add/Sub/Mul/Div/SquaredDifference for int32). */
#include "mn_broadcast.h"
#include "mn_fixedpoint.h"

enum { MN_ARITH_ADD = 0, MN_ARITH_SUB = 1, MN_ARITH_MUL = 2, MN_ARITH_DIV = 3, MN_ARITH_SQUARED_DIFFERENCE = 4 };

static inline int32_t mn_arith_clamp(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

static inline int32_t mn_arith_mul(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a * (uint32_t)b);
}

static inline int32_t mn_arith_div(int32_t a, int32_t b)
{
    if (b == 0) {
        return 0;
    }
    if (b == -1) {
        return (int32_t)(0u - (uint32_t)a);
    }
    return a / b;
}

void mn_arith_int32(const mn_arith_int32_params_t *p, const int32_t *input1, const int32_t *input2,
                    int32_t *output)
{
    const mn_broadcast_t *L = &p->layout;
    const int32_t lo = p->act_min;
    const int32_t hi = p->act_max;
    int32_t *out = output;

    switch (p->op) {
    case MN_ARITH_ADD:
        MN_BROADCAST_MAP(L, int32_t, input1, input2, out, x, y, mn_arith_clamp(mn_add_wrap(x, y), lo, hi));
        break;
    case MN_ARITH_SUB:
        MN_BROADCAST_MAP(L, int32_t, input1, input2, out, x, y, mn_arith_clamp(mn_sub_wrap(x, y), lo, hi));
        break;
    case MN_ARITH_MUL:
        MN_BROADCAST_MAP(L, int32_t, input1, input2, out, x, y, mn_arith_clamp(mn_arith_mul(x, y), lo, hi));
        break;
    case MN_ARITH_DIV:
        MN_BROADCAST_MAP(L, int32_t, input1, input2, out, x, y, mn_arith_clamp(mn_arith_div(x, y), lo, hi));
        break;
    default: /* MN_ARITH_SQUARED_DIFFERENCE */
        MN_BROADCAST_MAP(L, int32_t, input1, input2, out, x, y,
                         mn_arith_mul(mn_sub_wrap(x, y), mn_sub_wrap(x, y)));
        break;
    }
}
