/* RESIZE_NEAREST_NEIGHBOR reference kernel for any element type (same output as TFLM
 * reference_ops::ResizeNearestNeighbor): source rows and columns come precomputed. */
#include <string.h>

#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/resize_nearest_neighbor.py */

void mn_resize_nearest_neighbor(const mn_resize_nearest_neighbor_params_t *p, const void *input, void *output)
{
    const size_t pixel = (size_t)p->pixel_bytes;
    const size_t row = (size_t)p->in_w * pixel;
    const uint8_t *in = (const uint8_t *)input;
    uint8_t *out = (uint8_t *)output;
    int32_t b, y, x;

    for (b = 0; b < p->batches; ++b) {
        for (y = 0; y < p->out_h; ++y) {
            const uint8_t *src = in + (size_t)p->in_y[y] * row;
            for (x = 0; x < p->out_w; ++x) {
                memcpy(out, src + (size_t)p->in_x[x] * pixel, pixel);
                out += pixel;
            }
        }
        in += (size_t)p->in_h * row;
    }
}
