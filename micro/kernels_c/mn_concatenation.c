/* CONCATENATION / PACK reference kernel for any element type (same output as TFLM
 * reference_ops::Concatenation and PackImpl): byte runs from each input in turn. */
#include <string.h>

#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/concatenation.py */

void mn_concatenation(const mn_concatenation_params_t *p, const void *const *inputs, void *output)
{
    uint8_t *out = (uint8_t *)output;
    int32_t k, i;

    for (k = 0; k < p->outer; ++k) {
        for (i = 0; i < p->num_inputs; ++i) {
            const size_t n = (size_t)p->copy_bytes[i];
            memcpy(out, (const uint8_t *)inputs[i] + (size_t)k * n, n);
            out += n;
        }
    }
}
