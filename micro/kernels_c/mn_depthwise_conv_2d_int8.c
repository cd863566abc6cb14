/* DEPTHWISE_CONV_2D int8 reference kernel (bit-exact with TFLM
 * reference_integer_ops::DepthwiseConvPerChannel). */
#include "mn_fixedpoint.h"
#include "mn_kernels.h"

/* Taps [*first, *last) of a k-tap filter with dilation dil whose input coordinate
 * origin + dil * f lies inside [0, size). Empty when *first >= *last. */
static void mn_depthwise_conv_2d_valid_taps(int32_t origin, int32_t dil, int32_t k, int32_t size,
                                            int32_t *first, int32_t *last)
{
    int32_t lo = 0;
    int32_t hi = 0;
    if (origin < 0) {
        lo = (dil - 1 - origin) / dil;
    }
    if (size > origin) {
        hi = (size - origin + dil - 1) / dil;
    }
    *first = lo;
    *last = MN_MIN(hi, k);
}

void mn_depthwise_conv_2d_int8(const mn_depthwise_conv_2d_params_t *p, const int8_t *input,
                               const int8_t *filter, const int32_t *bias, int8_t *output)
{
    /* Local copies: int8 output stores may alias *p as far as the compiler knows. */
    const int32_t in_h = p->in_h, in_w = p->in_w, in_c = p->in_c;
    const int32_t out_h = p->out_h, out_w = p->out_w, out_c = p->out_c;
    const int32_t depth_mult = p->depth_mult, k_h = p->k_h, k_w = p->k_w;
    const int32_t stride_h = p->stride_h, stride_w = p->stride_w;
    const int32_t dil_h = p->dil_h, dil_w = p->dil_w, pad_h = p->pad_h, pad_w = p->pad_w;
    const int32_t input_offset = p->input_offset, output_offset = p->output_offset;
    const int32_t act_min = p->act_min, act_max = p->act_max;
    const int32_t *mult = p->mult, *shift = p->shift;
    const int32_t in_row_stride = in_w * in_c;
    const int32_t in_tap_stride_x = dil_w * in_c;
    const int32_t in_tap_stride_y = dil_h * in_row_stride;
    const int32_t w_row_stride = k_w * out_c;
    int32_t b, oy, ox, ic, m, fy, fx;

    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_batch = input + b * in_h * in_row_stride;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t in_y0 = oy * stride_h - pad_h;
            int32_t fy0, fy1;
            mn_depthwise_conv_2d_valid_taps(in_y0, dil_h, k_h, in_h, &fy0, &fy1);
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t in_x0 = ox * stride_w - pad_w;
                /* Index (in the batch) of tap (0, 0), channel 0: may lie outside the
                 * image, so it stays an integer; only valid taps are dereferenced. */
                const int32_t base = in_y0 * in_row_stride + in_x0 * in_c;
                int8_t *out_px = output + ((b * out_h + oy) * out_w + ox) * out_c;
                int32_t fx0, fx1;
                mn_depthwise_conv_2d_valid_taps(in_x0, dil_w, k_w, in_w, &fx0, &fx1);
                for (ic = 0; ic < in_c; ++ic) {
                    for (m = 0; m < depth_mult; ++m) {
                        const int32_t oc = ic * depth_mult + m;
                        int32_t acc = 0;
                        for (fy = fy0; fy < fy1; ++fy) {
                            const int32_t x_row = base + fy * in_tap_stride_y + ic;
                            const int32_t w_row = fy * w_row_stride + oc;
                            for (fx = fx0; fx < fx1; ++fx) {
                                const int32_t xv = in_batch[x_row + fx * in_tap_stride_x];
                                acc += (int32_t)filter[w_row + fx * out_c] * (xv + input_offset);
                            }
                        }
                        if (bias) {
                            acc += bias[oc];
                        }
                        acc = mn_mul_by_qmult(acc, mult[oc], shift[oc]) + output_offset;
                        out_px[oc] = (int8_t)MN_CLAMP(acc, act_min, act_max);
                    }
                }
            }
        }
    }
}
