/* DEPTHWISE_CONV_2D int8, depth_mult 1, channels a multiple of 4, HiFi 4 variant of
 * mn_depthwise_conv_2d_packed_int8.c (the same ABI, micro/kernels/depthwise_conv_2d.py; bit-exact with TFLM
 * reference_integer_ops::DepthwiseConvPerChannel).
 *
 * Output pixels in raster order (descending when the output overlaps the input from above: the contracts of
 * micro/kernels/window.py). Per pixel, every in-image tap (TFLM skips the others) and every group of 4
 * channels: the 4 input bytes and the group's 4 weights for that tap (the compile-time layout [out_c / 4]
 * [k_h * k_w][4]) by aligned F-form byte loads, both shifted back to integers, the input offset added, and one
 * lanewise 4-way multiply-accumulate (AE_MULA16X4) into the group's two 32-bit pairs: the lowering chose this
 * kernel only when no sum can leave int32, so the 32-bit lanes hold TFLM's sums exactly. All of a pixel's
 * sums are kept (4 bytes per channel on the stack) until its taps are done; then each group is requantized
 * (single rounding, mn_hifi4_rq_single), saturated, clamped and stored: a pixel is written after all of its
 * reads. The aligned loads need a 4-byte aligned input (arena buffers are); an input view at another
 * address takes the plain C loop below, the same integers. */
#include "mn_fixedpoint.h"
#include "mn_hifi4.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/depthwise_conv_2d.py */

static void mn_hd_pixel_scalar(const mn_depthwise_conv_2d_packed_params_t *p, const int8_t *in_b, const int32_t *bias,
                               int32_t in_y0, int32_t in_x0, int32_t *acc)
{
    const int32_t ch = p->win.out_c, taps = p->win.k_h * p->win.k_w;
    const int8_t *const weights = (const int8_t *)p->weights;
    int32_t fy, fx, c;
    for (c = 0; c < ch; ++c) {
        acc[c] = bias ? bias[c] : 0;
    }
    for (fy = 0; fy < p->win.k_h; ++fy) {
        const int32_t iy = in_y0 + fy * p->win.dil_h;
        for (fx = 0; fx < p->win.k_w; ++fx) {
            const int32_t ix = in_x0 + fx * p->win.dil_w;
            const int32_t t = fy * p->win.k_w + fx;
            if (iy < 0 || iy >= p->win.in_h || ix < 0 || ix >= p->win.in_w) {
                continue;
            }
            for (c = 0; c < ch; ++c) {
                const int32_t x = in_b[(iy * p->win.in_w + ix) * ch + c] + p->input_offset;
                acc[c] += x * weights[((c >> 2) * taps + t) * 4 + (c & 3)];
            }
        }
    }
}

void mn_depthwise_conv_2d_packed_int8(const mn_depthwise_conv_2d_packed_params_t *p, const int8_t *input,
                                      const int32_t *bias, int8_t *output)
{
    const int32_t in_h = p->win.in_h, in_w = p->win.in_w, ch = p->win.out_c, groups = p->win.out_c >> 2;
    const int32_t out_h = p->win.out_h, out_w = p->win.out_w, k_h = p->win.k_h, k_w = p->win.k_w;
    const int32_t taps = k_h * k_w;
    const ae_int16x4 lo = AE_MOVDA16(p->act_min), hi = AE_MOVDA16(p->act_max), off = AE_MOVDA16(p->input_offset);
    const int8_t *const weights = (const int8_t *)p->weights;
    const uintptr_t in_lo = (uintptr_t)input, out_lo = (uintptr_t)output;
    const uintptr_t in_hi = in_lo + (uintptr_t)p->win.batches * in_h * in_w * ch;
    const uintptr_t out_hi = out_lo + (uintptr_t)p->win.batches * out_h * out_w * ch;
    const int reverse = out_lo < in_hi && in_lo < out_hi && out_lo > in_lo;
    const int aligned = ((uintptr_t)input & 3u) == 0;
    ae_int32x2 acc_h[p->win.out_c / 4], acc_l[p->win.out_c / 4]; /* channels {4g, 4g+1} and {4g+2, 4g+3} */
    int32_t acc[p->win.out_c];
    int32_t bi, yi, xi, fy, fx, g;

    for (bi = 0; bi < p->win.batches; ++bi) {
        const int32_t b = reverse ? p->win.batches - 1 - bi : bi;
        const int8_t *in_b = input + b * in_h * in_w * ch;
        int8_t *out_b = output + b * out_h * out_w * ch;
        for (yi = 0; yi < out_h; ++yi) {
            const int32_t oy = reverse ? out_h - 1 - yi : yi;
            const int32_t in_y0 = oy * p->win.stride_h - p->win.pad_h;
            for (xi = 0; xi < out_w; ++xi) {
                const int32_t ox = reverse ? out_w - 1 - xi : xi;
                const int32_t in_x0 = ox * p->win.stride_w - p->win.pad_w;
                int8_t *const o = out_b + (oy * out_w + ox) * ch;
                if (!aligned) {
                    mn_hd_pixel_scalar(p, in_b, bias, in_y0, in_x0, acc);
                } else {
                    for (g = 0; g < groups; ++g) {
                        acc_h[g] = bias ? AE_MOVDA32X2(bias[4 * g], bias[4 * g + 1]) : AE_ZERO32();
                        acc_l[g] = bias ? AE_MOVDA32X2(bias[4 * g + 2], bias[4 * g + 3]) : AE_ZERO32();
                    }
                    for (fy = 0; fy < k_h; ++fy) {
                        const int32_t iy = in_y0 + fy * p->win.dil_h;
                        if (iy < 0 || iy >= in_h) {
                            continue;
                        }
                        for (fx = 0; fx < k_w; ++fx) {
                            const int32_t ix = in_x0 + fx * p->win.dil_w;
                            const int8_t *px, *pw;
                            if (ix < 0 || ix >= in_w) {
                                continue;
                            }
                            px = in_b + (iy * in_w + ix) * ch;
                            pw = weights + (fy * k_w + fx) * 4;
                            for (g = 0; g < groups; ++g) {
                                ae_int16x4 x, w;
                                AE_L8X4F_IP(x, px, 4);
                                AE_L8X4F_IP(w, pw, 4 * taps); /* the next group's weights of this tap */
                                x = AE_ADD16(AE_SRAI16(x, 8), off);
                                w = AE_SRAI16(w, 8);
                                AE_MULA16X4(acc_h[g], acc_l[g], x, w);
                            }
                        }
                    }
                    for (g = 0; g < groups; ++g) {
                        acc[4 * g] = AE_MOVAD32_H(acc_h[g]);
                        acc[4 * g + 1] = AE_MOVAD32_L(acc_h[g]);
                        acc[4 * g + 2] = AE_MOVAD32_H(acc_l[g]);
                        acc[4 * g + 3] = AE_MOVAD32_L(acc_l[g]);
                    }
                }
                for (g = 0; g < ch; g += 4) {
                    const int32_t *r = p->rq + 4 * g;
                    mn_hifi4_store4(mn_hifi4_rq_single(acc[g], r), mn_hifi4_rq_single(acc[g + 1], r + 4),
                                    mn_hifi4_rq_single(acc[g + 2], r + 8), mn_hifi4_rq_single(acc[g + 3], r + 12), lo,
                                    hi, o + g, 1, 4);
                }
            }
        }
    }
}
