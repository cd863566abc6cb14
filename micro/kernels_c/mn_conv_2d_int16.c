/* CONV_2D 16x8 kernels: int16 activations, int8 weights, int64 or int32 bias (bit-exact with TFLM
 * reference_integer_ops::ConvPerChannel for int16 input).
 *
 * TFLM quirks reproduced: no input offset and no output offset are applied (the int16 kernel has
 * none, whatever zero points the model holds; the activation clamp still comes from the output's
 * zero point, micro.quant.activation_range); with an int32 bias (or none and the op's
 * quantized_bias_type INT32) the accumulator is int32 and wraps, and requantization is the
 * double-rounding int32 MultiplyByQuantizedMultiplier; otherwise int64 accumulation and TFLM's
 * 64-bit MultiplyByQuantizedMultiplier (16-bit reduced multiplier, single rounding).
 *
 * Output pixels go in raster order, each output channel written right after its own reads; an output
 * that overlaps the input and starts after it gets descending raster order (contracts:
 * micro/kernels/window.py). */
#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; these kernels' ABI is declared in micro/kernels/conv_2d.py */
#include "mn_overlap.h"

/* Input row and column of output pixel (oy, ox)'s top-left tap (may be outside the image: taps
 * outside it are skipped, TFLM's zero padding). */
typedef struct {
    int32_t in_y0, in_x0;
} mn_conv16_origin_t;

static mn_conv16_origin_t mn_conv16_origin(const mn_window_t *w, int32_t oy, int32_t ox)
{
    mn_conv16_origin_t o;
    o.in_y0 = oy * w->stride_h - w->pad_h;
    o.in_x0 = ox * w->stride_w - w->pad_w;
    return o;
}

/* Sum over the in-image taps of filter row `oc` and group `grp` (int64). */
static int64_t mn_conv16_dot64(const mn_conv_2d_int16_params_t *p, const int16_t *in_b, const int8_t *f,
                               mn_conv16_origin_t o, int32_t grp)
{
    const mn_window_t *w = &p->win;
    int64_t acc = 0;
    int32_t fy, fx, c;
    for (fy = 0; fy < w->k_h; ++fy) {
        const int32_t iy = o.in_y0 + fy * w->dil_h;
        if (iy < 0 || iy >= w->in_h) {
            continue;
        }
        for (fx = 0; fx < w->k_w; ++fx) {
            const int32_t ix = o.in_x0 + fx * w->dil_w;
            const int16_t *x;
            const int8_t *fw;
            if (ix < 0 || ix >= w->in_w) {
                continue;
            }
            x = in_b + ((int32_t)iy * w->in_w + ix) * w->in_c + grp * p->filter_in_c;
            fw = f + (fy * w->k_w + fx) * p->filter_in_c;
            for (c = 0; c < p->filter_in_c; ++c) {
                acc += (int32_t)fw[c] * (int32_t)x[c];
            }
        }
    }
    return acc;
}

/* The same taps summed in a wrapping int32 (TFLM's int32 accumulator). */
static int32_t mn_conv16_dot32(const mn_conv_2d_int16_params_t *p, const int16_t *in_b, const int8_t *f,
                               mn_conv16_origin_t o, int32_t grp)
{
    const mn_window_t *w = &p->win;
    uint32_t acc = 0;
    int32_t fy, fx, c;
    for (fy = 0; fy < w->k_h; ++fy) {
        const int32_t iy = o.in_y0 + fy * w->dil_h;
        if (iy < 0 || iy >= w->in_h) {
            continue;
        }
        for (fx = 0; fx < w->k_w; ++fx) {
            const int32_t ix = o.in_x0 + fx * w->dil_w;
            const int16_t *x;
            const int8_t *fw;
            if (ix < 0 || ix >= w->in_w) {
                continue;
            }
            x = in_b + ((int32_t)iy * w->in_w + ix) * w->in_c + grp * p->filter_in_c;
            fw = f + (fy * w->k_w + fx) * p->filter_in_c;
            for (c = 0; c < p->filter_in_c; ++c) {
                acc += (uint32_t)((int32_t)fw[c] * (int32_t)x[c]);
            }
        }
    }
    return (int32_t)acc;
}

/* One output pixel, every channel; bias64 or bias32 (at most one non-NULL unless acc32 selects). */
static void mn_conv16_pixel(const mn_conv_2d_int16_params_t *p, const int16_t *in_b, const int8_t *filter,
                            const int64_t *bias64, const int32_t *bias32, int acc32, int32_t oy, int32_t ox,
                            int16_t *out_px)
{
    const mn_window_t *w = &p->win;
    const mn_conv16_origin_t o = mn_conv16_origin(w, oy, ox);
    const int32_t groups = w->in_c / p->filter_in_c;
    const int32_t per_group = w->out_c / groups;
    const int32_t row = w->k_h * w->k_w * p->filter_in_c;
    int32_t oc;
    for (oc = 0; oc < w->out_c; ++oc) {
        const int8_t *f = filter + oc * row;
        const int32_t grp = oc / per_group;
        int32_t v;
        if (acc32) {
            uint32_t acc = (uint32_t)mn_conv16_dot32(p, in_b, f, o, grp);
            if (bias32) {
                acc += (uint32_t)bias32[oc];
            }
            v = mn_mul_by_qmult((int32_t)acc, p->rq.mult[oc], p->rq.shift[oc]);
        } else {
            uint64_t acc = (uint64_t)mn_conv16_dot64(p, in_b, f, o, grp);
            if (bias64) {
                acc += (uint64_t)bias64[oc];
            }
            v = mn_mul_by_qmult_64((int64_t)acc, p->rq.mult[oc], p->rq.shift[oc]);
        }
        out_px[oc] = (int16_t)MN_CLAMP(v, p->rq.act_min, p->rq.act_max);
    }
}

/* 1 when the output overlaps the input and starts after it: descending pixel order. */
static int mn_conv16_reverse(const mn_window_t *w, const int16_t *input, const int16_t *output)
{
    return mn_reverse_overlap(input, (uintptr_t)w->batches * w->in_h * w->in_w * w->in_c * sizeof(int16_t), output,
                              (uintptr_t)w->batches * w->out_h * w->out_w * w->out_c * sizeof(int16_t));
}

static void mn_conv16_run(const mn_conv_2d_int16_params_t *p, const int16_t *input, const int8_t *filter,
                          const int64_t *bias64, const int32_t *bias32, int acc32, int16_t *output)
{
    const mn_window_t *w = &p->win;
    const int32_t in_size = w->in_h * w->in_w * w->in_c;
    const int32_t npix = w->out_h * w->out_w;
    const int32_t total = w->batches * npix;
    const int reverse = mn_conv16_reverse(w, input, output);
    int32_t k;
    for (k = 0; k < total; ++k) {
        const int32_t i = reverse ? total - 1 - k : k;
        const int32_t b = i / npix, pix = i % npix;
        mn_conv16_pixel(p, input + b * in_size, filter, bias64, bias32, acc32, pix / w->out_w, pix % w->out_w,
                        output + i * w->out_c);
    }
}

void mn_conv_2d_int16(const mn_conv_2d_int16_params_t *p, const int16_t *input, const int8_t *filter,
                      const int64_t *bias, int16_t *output)
{
    mn_conv16_run(p, input, filter, bias, 0, 0, output);
}

void mn_conv_2d_int16_acc32(const mn_conv_2d_int16_params_t *p, const int16_t *input, const int8_t *filter,
                            const int32_t *bias, int16_t *output)
{
    mn_conv16_run(p, input, filter, 0, bias, 1, output);
}
