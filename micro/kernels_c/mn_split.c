/* SPLIT / SPLIT_V / UNPACK reference kernel for any element type (same output as TFLM
 * SplitImpl and UnpackImpl): the input read once, in order, its byte runs dealt to the outputs. */
#include <string.h>

#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/split.py */

void mn_split(const mn_split_params_t *p, const void *input, void *const *outputs)
{
    const uint8_t *in = (const uint8_t *)input;
    int32_t k, i;

    for (k = 0; k < p->outer; ++k) {
        for (i = 0; i < p->num_outputs; ++i) {
            const size_t n = (size_t)p->copy_bytes[i];
            memcpy((uint8_t *)outputs[i] + (size_t)k * n, in, n);
            in += n;
        }
    }
}
