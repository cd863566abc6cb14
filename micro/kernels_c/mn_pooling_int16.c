/* AVERAGE_POOL_2D and MAX_POOL_2D int16 kernels (bit-exact with TFLM reference_integer_ops
 * AveragePool / MaxPool for int16: int32 sums, the same rounding as int8).
 *
 * Output pixels go in raster order, each pixel's channels one after the other (a channel is written
 * after its own window reads); an output that overlaps the input and starts after it gets descending
 * raster order (contracts: micro/kernels/window.py). */
#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; these kernels' ABI is declared in micro/kernels/pooling.py */
#include "mn_overlap.h"

/* Output pixel (oy, ox) of the batch whose input starts at in_b; is_max selects the max pool. */
static void mn_pool16_pixel(const mn_pool_params_t *p, const int16_t *in_b, int is_max, int32_t oy, int32_t ox,
                            int16_t *out_px)
{
    const mn_window_t *w = &p->win;
    const int32_t in_y0 = oy * w->stride_h - w->pad_h;
    const int32_t fy_start = MN_MAX(0, -in_y0);
    const int32_t fy_end = MN_MIN(w->k_h, w->in_h - in_y0);
    const int32_t in_x0 = ox * w->stride_w - w->pad_w;
    const int32_t fx_start = MN_MAX(0, -in_x0);
    const int32_t fx_end = MN_MIN(w->k_w, w->in_w - in_x0);
    const int32_t count = (fy_end - fy_start) * (fx_end - fx_start);
    int32_t c, fy, fx;
    for (c = 0; c < w->in_c; ++c) {
        int32_t acc = is_max ? -32768 : 0;
        for (fy = fy_start; fy < fy_end; ++fy) {
            const int16_t *row = in_b + ((in_y0 + fy) * w->in_w + in_x0) * w->in_c + c;
            for (fx = fx_start; fx < fx_end; ++fx) {
                const int32_t v = row[fx * w->in_c];
                acc = is_max ? MN_MAX(acc, v) : acc + v;
            }
        }
        if (!is_max) {
            /* Round half away from zero; C division truncates like C++. */
            acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
        }
        out_px[c] = (int16_t)MN_CLAMP(acc, p->act_min, p->act_max);
    }
}

/* 1 when the output overlaps the input and starts after it: descending pixel order. */
static int mn_pool16_reverse(const mn_window_t *w, const int16_t *input, const int16_t *output)
{
    return mn_reverse_overlap(input, (uintptr_t)w->batches * w->in_h * w->in_w * w->in_c * sizeof(int16_t), output,
                              (uintptr_t)w->batches * w->out_h * w->out_w * w->in_c * sizeof(int16_t));
}

static void mn_pool16_run(const mn_pool_params_t *p, const int16_t *input, int is_max, int16_t *output)
{
    const mn_window_t *w = &p->win;
    const int32_t in_size = w->in_h * w->in_w * w->in_c;
    const int32_t npix = w->out_h * w->out_w;
    const int32_t total = w->batches * npix;
    const int reverse = mn_pool16_reverse(w, input, output);
    int32_t k;
    for (k = 0; k < total; ++k) {
        const int32_t i = reverse ? total - 1 - k : k;
        const int32_t b = i / npix, pix = i % npix;
        mn_pool16_pixel(p, input + b * in_size, is_max, pix / w->out_w, pix % w->out_w, output + i * w->in_c);
    }
}

void mn_average_pool_int16(const mn_pool_params_t *p, const int16_t *input, int16_t *output)
{
    mn_pool16_run(p, input, 0, output);
}

void mn_max_pool_int16(const mn_pool_params_t *p, const int16_t *input, int16_t *output)
{
    mn_pool16_run(p, input, 1, output);
}
