/* ADD and SUB int16 kernels (bit-exact with TFLM's int16 add.cc / sub.cc: the general rescaling with
 * left_shift 15, never the power-of-two path; zero points need not be 0: (x - zp) << 15 stays within
 * int32 for every int16 x and zp). */
#include "mn_add_sub.h"
#include "mn_broadcast.h"

void mn_add_int16(const mn_add_sub_params_t *p, const int16_t *input1, const int16_t *input2,
                  int16_t *output)
{
    int16_t *out = output;
    mn_add_sub_out_t q;

    mn_add_sub_out_init(&q, p);
    MN_BROADCAST_MAP(&p->layout, int16_t, input1, input2, out, x, y,
                     (int16_t)mn_add_sub_output(&q, mn_add_sub_input1(p, x) + mn_add_sub_input2(p, y)));
}

void mn_sub_int16(const mn_add_sub_params_t *p, const int16_t *input1, const int16_t *input2,
                  int16_t *output)
{
    int16_t *out = output;
    mn_add_sub_out_t q;

    mn_add_sub_out_init(&q, p);
    MN_BROADCAST_MAP(&p->layout, int16_t, input1, input2, out, x, y,
                     (int16_t)mn_add_sub_output(&q, mn_add_sub_input1(p, x) - mn_add_sub_input2(p, y)));
}
