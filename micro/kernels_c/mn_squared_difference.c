/* SQUARED_DIFFERENCE int8 and int16 kernels (bit-exact with TFLM squared_difference.cc). */
#include "mn_broadcast.h"
#include "mn_fixedpoint.h"

/* One input rescaled as ADD's: MultiplyByQuantizedMultiplierSmallerThanOneExp((v + offset) << left_shift). */
static inline int32_t mn_squared_difference_input(int32_t v, int32_t offset, int32_t left_shift, int32_t mult,
                                                  int32_t shift)
{
    return mn_mul_by_qmult_lt1((v + offset) * ((int32_t)1 << left_shift), mult, shift);
}

static inline int32_t mn_squared_difference_one(const mn_squared_difference_params_t *p, int32_t x, int32_t y)
{
    const int32_t d = mn_squared_difference_input(x, p->input1_offset, p->left_shift, p->input1_mult,
                                                  p->input1_shift) -
                      mn_squared_difference_input(y, p->input2_offset, p->left_shift, p->input2_mult,
                                                  p->input2_shift);
    const int32_t out = mn_mul_by_qmult(d * d, p->output_mult, p->output_shift) + p->output_offset; /* d*d < 2^31 */
    return MN_CLAMP(out, p->act_min, p->act_max);
}

void mn_squared_difference_int8(const mn_squared_difference_params_t *p, const int8_t *input1,
                                const int8_t *input2, int8_t *output)
{
    int8_t *out = output;
    MN_BROADCAST_MAP(&p->layout, int8_t, input1, input2, out, x, y, (int8_t)mn_squared_difference_one(p, x, y));
}

void mn_squared_difference_int16(const mn_squared_difference_params_t *p, const int16_t *input1,
                                 const int16_t *input2, int16_t *output)
{
    int16_t *out = output;
    MN_BROADCAST_MAP(&p->layout, int16_t, input1, input2, out, x, y,
                     (int16_t)mn_squared_difference_one(p, x, y));
}
