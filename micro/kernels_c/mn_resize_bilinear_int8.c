/* RESIZE_BILINEAR int8 reference kernel (same output as TFLM
 * reference_ops::ResizeBilinearInteger with double rounding): taps and 1/1024 fractions come
 * precomputed per output row and column. Every product is below 128 * 1536 * 1536 < 2^29 in
 * magnitude and the four weights sum to 2^20, so the sum fits int32 (TFLM uses int64: same value). */
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/resize_bilinear.py */

void mn_resize_bilinear_int8(const mn_resize_bilinear_params_t *p, const int8_t *input, int8_t *output)
{
    const int32_t depth = p->depth;
    const int32_t row = p->in_w * depth;
    int32_t b, y, x, c;

    for (b = 0; b < p->batches; ++b) {
        const int8_t *image = input + (size_t)b * (size_t)p->in_h * (size_t)row;
        for (y = 0; y < p->out_h; ++y) {
            const int32_t fy = p->y_frac[y];
            const int8_t *top = image + (size_t)p->y0[y] * (size_t)row;
            const int8_t *bottom = image + (size_t)p->y1[y] * (size_t)row;
            for (x = 0; x < p->out_w; ++x) {
                const int32_t fx = p->x_frac[x];
                const int32_t w_ll = (1024 - fy) * (1024 - fx);
                const int32_t w_lu = fy * (1024 - fx);
                const int32_t w_rl = (1024 - fy) * fx;
                const int32_t w_ru = fy * fx;
                const int8_t *tl = top + p->x0[x] * depth;
                const int8_t *bl = bottom + p->x0[x] * depth;
                const int8_t *tr = top + p->x1[x] * depth;
                const int8_t *br = bottom + p->x1[x] * depth;
                for (c = 0; c < depth; ++c) {
                    const int32_t v = tl[c] * w_ll + bl[c] * w_lu + tr[c] * w_rl + br[c] * w_ru;
                    const int32_t round = v > 0 ? ((int32_t)1 << 19) : -((int32_t)1 << 19);
                    *output++ = (int8_t)((v + round) / ((int32_t)1 << 20));
                }
            }
        }
    }
}
