/* LOGISTIC int16 kernel (bit-exact with TFLM reference_integer_ops::Logistic, int16 overload):
 * linear interpolation in TFLM's 256-entry sigmoid table (passed in p->table). */
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/logistic.py */

void mn_logistic_int16(const mn_sigmoid_int16_params_t *p, const int16_t *input, int16_t *output)
{
    const int32_t shift = p->input_left_shift;
    const int32_t round = shift > 0 ? (int32_t)1 << (shift - 1) : 0;
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        /* |input * multiplier| < 2^30 and round <= 2^30: no int32 overflow. */
        const int32_t x = ((int32_t)input[i] * p->input_multiplier + round) >> shift;
        const uint32_t abs_x = (uint32_t)(x < 0 ? -x : x);
        const uint32_t index = abs_x >> 9;
        uint32_t result;
        if (index >= 255u) {
            result = (uint32_t)0x7FFF << 10;
        } else {
            const uint32_t a = p->table[index];
            const uint32_t b = p->table[index + 1];
            result = (a << 9) + (abs_x & 0x1FFu) * (b - a);
        }
        result = x >= 0 ? result + (1u << 9) : ((uint32_t)1 << 25) - result + (1u << 9) - 1u;
        output[i] = (int16_t)(result >> 10);
    }
}
