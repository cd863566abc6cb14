/* micro kernels: TFLM's int16 sigmoid and tanh (reference_integer_ops::Logistic / Tanh, int16
 * overloads): linear interpolation in the 256-entry sigmoid_table_uint16 (sigmoid(i / 24) in Q0.16,
 * passed in by the caller). x is the input already rescaled by the caller,
 *   x = (input * input_multiplier + round) >> input_left_shift,
 * so |x| < 2^30. Shared by LOGISTIC, TANH and the LSTM gates. */
#ifndef MN_SIGMOID_INT16_H
#define MN_SIGMOID_INT16_H

#include <stdint.h>

/* sigmoid: |x| >> 9 indexes the table, its low 9 bits interpolate (saturating from index 255),
 * negative x mirror (1 - sigmoid); the Q0.25 result is rounded to Q0.15. */
static inline int16_t mn_sigmoid_q15(int32_t x, const uint16_t *table)
{
    const uint32_t abs_x = (uint32_t)(x < 0 ? -x : x);
    const uint32_t index = abs_x >> 9;
    uint32_t result;
    if (index >= 255u) {
        result = (uint32_t)0x7FFF << 10;
    } else {
        const uint32_t a = table[index];
        const uint32_t b = table[index + 1];
        result = (a << 9) + (abs_x & 0x1FFu) * (b - a);
    }
    result = x >= 0 ? result + (1u << 9) : ((uint32_t)1 << 25) - result + (1u << 9) - 1u;
    return (int16_t)(result >> 10);
}

/* tanh(x) = 2 sigmoid(2x) - 1: |x| >> 8 indexes the table, its low 8 bits interpolate (saturating from
 * index 255), recentred by 2^23, mirrored for negative x, shifted right by 8 to Q0.15. */
static inline int16_t mn_tanh_q15(int32_t x, const uint16_t *table)
{
    const uint32_t abs_x = (uint32_t)(x < 0 ? -x : x);
    const uint32_t index = abs_x >> 8;
    int32_t result;
    if (index >= 255u) {
        result = (int32_t)0xFFFF << 8;
    } else {
        const uint32_t a = table[index];
        const uint32_t b = table[index + 1];
        result = (int32_t)((a << 8) + (abs_x & 0xFFu) * (b - a));
    }
    result = x >= 0 ? result - ((int32_t)1 << 23) + (1 << 7) : -result + ((int32_t)1 << 23) + (1 << 7) - 1;
    /* Arithmetic shift of a possibly negative value, as TFLM's `result >>= 8`. */
    return (int16_t)(result >> 8);
}

#endif /* MN_SIGMOID_INT16_H */
