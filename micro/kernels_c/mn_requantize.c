/* Requantization kernels (bit-exact with TFLM reference_ops::Requantize, ReluQuantized and
 * QuantizeLeakyRelu): one affine rescale per element, a separate multiplier for inputs below the
 * zero point, then a clamp. TFLM computes x - zero point, the left shift inside
 * MultiplyByQuantizedMultiplier and the zero point addition in int32, where overflow would be
 * undefined; these wrap, which is what TFLM's builds do. */
#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; these kernels' ABI is declared in micro/kernels/requantize.py */

static inline int32_t mn_requantize_one(const mn_requantize_params_t *p, int32_t value)
{
    const int32_t x = mn_sub_wrap(value, p->input_zero_point);
    int32_t y;
    if (x >= 0) {
        y = mn_mul_by_qmult(x, p->pos_mult, p->pos_shift);
    } else {
        y = mn_mul_by_qmult(x, p->neg_mult, p->neg_shift);
        if (p->neg_negate) {
            y = mn_sub_wrap(0, y);
        }
    }
    y = mn_add_wrap(y, p->output_zero_point);
    return MN_CLAMP(y, p->act_min, p->act_max);
}

/* Elements in ascending order, each read before it is written: the output may share the input's
 * start address when its elements are no wider. */
#define MN_REQUANTIZE_KERNEL(func, in_t, out_t)                                   \
    void func(const mn_requantize_params_t *p, const in_t *input, out_t *output) \
    {                                                                             \
        int32_t i;                                                                \
        for (i = 0; i < p->size; ++i) {                                           \
            output[i] = (out_t)mn_requantize_one(p, (int32_t)input[i]);           \
        }                                                                         \
    }

MN_REQUANTIZE_KERNEL(mn_requantize_int16, int16_t, int16_t)
MN_REQUANTIZE_KERNEL(mn_requantize_int16_int8, int16_t, int8_t)
MN_REQUANTIZE_KERNEL(mn_requantize_int16_int32, int16_t, int32_t)
MN_REQUANTIZE_KERNEL(mn_requantize_int8_int16, int8_t, int16_t)
MN_REQUANTIZE_KERNEL(mn_requantize_int8_int32, int8_t, int32_t)
MN_REQUANTIZE_KERNEL(mn_requantize_int32_int8, int32_t, int8_t)
MN_REQUANTIZE_KERNEL(mn_requantize_int32_int16, int32_t, int16_t)
