/* 8-bit table lookup kernels with int8 output (uint8 output: mn_lut_uint8.c): every elementwise int8/uint8 -> int8/uint8 op whose result depends on
 * the input value alone (activations, requantization) runs as one lookup per element; the 256-entry
 * table is TFLM's integer algorithm evaluated at compile time (micro/ops/unary.py). */
#include "mn_kernels.h" /* generated; these kernels' ABI is declared in micro/kernels/lut.py */

void mn_lut_int8(const mn_lut_int8_params_t *p, const int8_t *input, int8_t *output)
{
    const int8_t *table = p->table + 128;
    const int32_t n = p->size;
    int32_t i = 0;
    /* Four at a time (each element still read before its output is written: in place stays safe). */
    for (; i + 4 <= n; i += 4) {
        const int8_t a = table[input[i]];
        const int8_t b = table[input[i + 1]];
        const int8_t c = table[input[i + 2]];
        const int8_t d = table[input[i + 3]];
        output[i] = a;
        output[i + 1] = b;
        output[i + 2] = c;
        output[i + 3] = d;
    }
    for (; i < n; ++i) {
        output[i] = table[input[i]];
    }
}

void mn_lut_uint8_int8(const mn_lut_int8_params_t *p, const uint8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        output[i] = p->table[input[i]];
    }
}
