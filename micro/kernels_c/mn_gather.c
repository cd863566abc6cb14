/* GATHER reference kernel for any element type (same output as TFLM gather.cc Gather for
 * indices in range). */
#include <string.h>

#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/gather.py */

void mn_gather(const mn_gather_params_t *p, const void *input, const int32_t *indices, void *output)
{
    const size_t inner = (size_t)p->inner_bytes;
    const uint8_t *in = (const uint8_t *)input;
    uint8_t *out = (uint8_t *)output;
    int32_t b, o, c;

    for (b = 0; b < p->batches; ++b) {
        for (o = 0; o < p->outer; ++o) {
            const uint8_t *slab = in + ((size_t)b * (size_t)p->outer + (size_t)o) * (size_t)p->axis_size * inner;
            for (c = 0; c < p->coords; ++c) {
                const int32_t at = indices[(size_t)b * (size_t)p->coords + (size_t)c];
                if (at >= 0 && at < p->axis_size) {
                    memcpy(out, slab + (size_t)at * inner, inner);
                } else {
                    /* TFLM only DCHECKs the range and reads out of bounds; micro writes zeros. */
                    memset(out, 0, inner);
                }
                out += inner;
            }
        }
    }
}
