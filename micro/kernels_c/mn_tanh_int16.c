/* TANH int16 kernel (bit-exact with TFLM reference_integer_ops::Tanh, int16 overload): linear
 * interpolation in TFLM's 256-entry sigmoid table (passed in p->table; mn_sigmoid_int16.h). */
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/tanh.py */
#include "mn_sigmoid_int16.h"

void mn_tanh_int16(const mn_sigmoid_int16_params_t *p, const int16_t *input, int16_t *output)
{
    const int32_t shift = p->input_left_shift;
    const int32_t round = shift > 0 ? (int32_t)1 << (shift - 1) : 0;
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        /* |input * multiplier| < 2^30 and round <= 2^30: no int32 overflow. */
        output[i] = mn_tanh_q15(((int32_t)input[i] * p->input_multiplier + round) >> shift, p->table);
    }
}
