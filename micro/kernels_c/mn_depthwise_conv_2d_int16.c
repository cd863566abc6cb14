/* DEPTHWISE_CONV_2D 16x8 kernel: int16 activations, int8 weights, int64 bias (bit-exact with TFLM
 * reference_integer_ops::DepthwiseConvPerChannel for int16 input).
 *
 * TFLM quirks reproduced: no input or output offset is applied (whatever zero points the model holds;
 * the clamp still comes from the output's zero point); the bias is always read as int64 (TFLM's
 * int16 depthwise has no int32-bias variant); int64 accumulation and the 64-bit
 * MultiplyByQuantizedMultiplier.
 *
 * Output pixels go in raster order, each output channel written right after its own reads; an output
 * that overlaps the input and starts after it gets descending raster order (contracts:
 * micro/kernels/window.py). */
#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/depthwise_conv_2d.py */
#include "mn_overlap.h"

static void mn_dw16_pixel(const mn_depthwise_conv_2d_int16_params_t *p, const int16_t *in_b, const int8_t *filter,
                          const int64_t *bias, int32_t oy, int32_t ox, int16_t *out_px)
{
    const mn_window_t *w = &p->win;
    const int32_t in_y0 = oy * w->stride_h - w->pad_h;
    const int32_t in_x0 = ox * w->stride_w - w->pad_w;
    int32_t oc, fy, fx;
    for (oc = 0; oc < w->out_c; ++oc) {
        const int32_t ic = oc / p->depth_mult;
        uint64_t acc = 0;
        int32_t v;
        for (fy = 0; fy < w->k_h; ++fy) {
            const int32_t iy = in_y0 + fy * w->dil_h;
            if (iy < 0 || iy >= w->in_h) {
                continue;
            }
            for (fx = 0; fx < w->k_w; ++fx) {
                const int32_t ix = in_x0 + fx * w->dil_w;
                if (ix < 0 || ix >= w->in_w) {
                    continue;
                }
                acc += (uint64_t)(int64_t)((int32_t)filter[(fy * w->k_w + fx) * w->out_c + oc] *
                                           (int32_t)in_b[(iy * w->in_w + ix) * w->in_c + ic]);
            }
        }
        if (bias) {
            acc += (uint64_t)bias[oc];
        }
        v = mn_mul_by_qmult_64((int64_t)acc, p->rq.mult[oc], p->rq.shift[oc]);
        out_px[oc] = (int16_t)MN_CLAMP(v, p->rq.act_min, p->rq.act_max);
    }
}

/* 1 when the output overlaps the input and starts after it: descending pixel order. */
static int mn_dw16_reverse(const mn_window_t *w, const int16_t *input, const int16_t *output)
{
    return mn_reverse_overlap(input, (uintptr_t)w->batches * w->in_h * w->in_w * w->in_c * sizeof(int16_t), output,
                              (uintptr_t)w->batches * w->out_h * w->out_w * w->out_c * sizeof(int16_t));
}

void mn_depthwise_conv_2d_int16(const mn_depthwise_conv_2d_int16_params_t *p, const int16_t *input,
                                const int8_t *filter, const int64_t *bias, int16_t *output)
{
    const mn_window_t *w = &p->win;
    const int32_t in_size = w->in_h * w->in_w * w->in_c;
    const int32_t npix = w->out_h * w->out_w;
    const int32_t total = w->batches * npix;
    const int reverse = mn_dw16_reverse(w, input, output);
    int32_t k;
    for (k = 0; k < total; ++k) {
        const int32_t i = reverse ? total - 1 - k : k;
        const int32_t b = i / npix, pix = i % npix;
        mn_dw16_pixel(p, input + b * in_size, filter, bias, pix / w->out_w, pix % w->out_w, output + i * w->out_c);
    }
}
