/* RSQRT int8 kernel: one lookup per element in the table micro computed at compile time with TFLM's
 * integer algorithm (micro/ops/rsqrt.py). */
#include "mn_kernels.h"

void mn_rsqrt_int8(const mn_lookup_int8_params_t *p, const int8_t *input, int8_t *output)
{
    const int8_t *table = p->table + 128;
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        output[i] = table[input[i]];
    }
}
