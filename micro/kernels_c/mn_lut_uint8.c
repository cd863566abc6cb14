/* 8-bit table lookup kernel with uint8 output (int8 output: mn_lut_int8.c); the table is TFLM's
 * integer algorithm evaluated at compile time (micro/ops/unary.py). */
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/lut.py */

void mn_lut_int8_uint8(const mn_lut_uint8_params_t *p, const int8_t *input, uint8_t *output)
{
    const uint8_t *table = p->table + 128;
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        output[i] = table[input[i]];
    }
}
