/* DEPTHWISE_CONV_2D int8, depth_mult 1, channels a multiple of 4, HiFi 4 variant of
 * mn_depthwise_conv_2d_packed_int8.c (the same ABI, micro/kernels/depthwise_conv_2d.py; bit-exact with TFLM
 * reference_integer_ops::DepthwiseConvPerChannel).
 *
 * Output pixels in raster order (descending when the output overlaps the input from above: the contracts of
 * micro/kernels/window.py); per pixel every group of 4 channels, its record
 * (mn_depthwise_conv_2d_packed_params_t.groups: 4 folded biases, the taps' int16 weights, 4 requantizations)
 * walked by one pointer. The group's weights stream through unaligned 16-bit loads, one tap's 4 channels a
 * load (primed once per group and pixel: a record's taps are consecutive), in the record's channel order
 * c0 c2 c1 c3, which two lane selects (AE_SEL16_5432, AE_SEL16_7362) turn into c0 c1 c2 c3; each in-image
 * tap's 4 input bytes come by the aligned F-form byte load, shifted back to integers, and one lanewise 4-way
 * multiply-accumulate (AE_MULA16X4) adds them into the group's two 32-bit pairs {c0, c1} {c2, c3}: the
 * lowering chose this kernel only when no sum can leave int32, so the 32-bit lanes hold TFLM's sums exactly.
 * A pixel whose window lies inside the image starts from the folded biases (bias + input offset x the
 * channel's weight sum) and multiplies the raw input bytes; an edge pixel starts from the bias, adds the input
 * offset to its in-image taps and skips the others (as TFLM), loading their weights only to move the stream
 * on. Then the group is requantized (single rounding, mn_hifi4_rq_single), saturated, clamped and stored: a
 * group's channels of a pixel are written after all of the pixel's reads of them, as the portable kernel.
 * The aligned byte loads need a 4-byte aligned input (arena buffers are); an input view at another address
 * takes the plain C loop below, the same integers. */
#include "mn_fixedpoint.h"
#include "mn_hifi4.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/depthwise_conv_2d.py */

/* The weight words read as int16 by the scalar loop (GCC and Clang: declared as aliasing any type, since the
 * words are int32_t objects); a tap's int16 in memory order w_c0 w_c2 w_c1 w_c3. */
#if defined(__GNUC__)
typedef int16_t __attribute__((may_alias)) mn_hd_i16;
#else
typedef int16_t mn_hd_i16;
#endif

/* Group record rec's sums s[0..3] of output pixel (in_y0, in_x0)'s window for channels c..c + 3, plain C:
 * the bias (s0 from the caller), the offset added to each in-image tap. */
static void mn_hd_group_scalar(const mn_depthwise_conv_2d_packed_params_t *p, const int8_t *in_b, const int32_t *rec,
                               int32_t c, int32_t in_y0, int32_t in_x0, int32_t *s)
{
    const int32_t ch = p->win.out_c;
    const mn_hd_i16 *const w = (const mn_hd_i16 *)(const void *)(rec + 4);
    int32_t fy, fx;
    for (fy = 0; fy < p->win.k_h; ++fy) {
        const int32_t iy = in_y0 + fy * p->win.dil_h;
        for (fx = 0; fx < p->win.k_w; ++fx) {
            const int32_t ix = in_x0 + fx * p->win.dil_w;
            const mn_hd_i16 *const wt = w + 4 * (fy * p->win.k_w + fx);
            const int8_t *x;
            if (iy < 0 || iy >= p->win.in_h || ix < 0 || ix >= p->win.in_w) {
                continue;
            }
            x = in_b + (iy * p->win.in_w + ix) * ch + c;
            s[0] += (x[0] + p->input_offset) * wt[0];
            s[1] += (x[1] + p->input_offset) * wt[2];
            s[2] += (x[2] + p->input_offset) * wt[1];
            s[3] += (x[3] + p->input_offset) * wt[3];
        }
    }
}

/* One tap's 4 weights from the stream, in the channel order c0 c1 c2 c3 (lanes 3..0). */
#define MN_HD_WEIGHTS(w, aw, pw)                                                                                 \
    do {                                                                                                         \
        ae_int16x4 raw_;                                                                                         \
        AE_LA16X4_IP(raw_, aw, pw);                                                                              \
        (w) = AE_SEL16_7362(raw_, AE_SEL16_5432(raw_, raw_));                                                    \
    } while (0)

void mn_depthwise_conv_2d_packed_int8(const mn_depthwise_conv_2d_packed_params_t *p, const int8_t *input,
                                      const int32_t *bias, int8_t *output)
{
    const int32_t in_h = p->win.in_h, in_w = p->win.in_w, ch = p->win.out_c;
    const int32_t out_h = p->win.out_h, out_w = p->win.out_w, k_h = p->win.k_h, k_w = p->win.k_w;
    const int32_t dil_h = p->win.dil_h, dil_w = p->win.dil_w;
    const int32_t taps = k_h * k_w;
    const int32_t rec_words = 4 + 2 * taps + 16; /* a group's record: folded biases, weights, requantization */
    const ae_int16x4 lo = AE_MOVDA16(p->act_min), hi = AE_MOVDA16(p->act_max), off = AE_MOVDA16(p->input_offset);
    const uintptr_t in_lo = (uintptr_t)input, out_lo = (uintptr_t)output;
    const uintptr_t in_hi = in_lo + (uintptr_t)p->win.batches * in_h * in_w * ch;
    const uintptr_t out_hi = out_lo + (uintptr_t)p->win.batches * out_h * out_w * ch;
    const int reverse = out_lo < in_hi && in_lo < out_hi && out_lo > in_lo;
    const int aligned = ((uintptr_t)input & 3u) == 0;
    int32_t bi, yi, xi, fy, fx, g;

    for (bi = 0; bi < p->win.batches; ++bi) {
        const int32_t b = reverse ? p->win.batches - 1 - bi : bi;
        const int8_t *in_b = input + b * in_h * in_w * ch;
        int8_t *out_b = output + b * out_h * out_w * ch;
        for (yi = 0; yi < out_h; ++yi) {
            const int32_t oy = reverse ? out_h - 1 - yi : yi;
            const int32_t in_y0 = oy * p->win.stride_h - p->win.pad_h;
            const int rows_inside = in_y0 >= 0 && in_y0 + (k_h - 1) * dil_h < in_h;
            for (xi = 0; xi < out_w; ++xi) {
                const int32_t ox = reverse ? out_w - 1 - xi : xi;
                const int32_t in_x0 = ox * p->win.stride_w - p->win.pad_w;
                const int inside = rows_inside && in_x0 >= 0 && in_x0 + (k_w - 1) * dil_w < in_w;
                int8_t *const o = out_b + (oy * out_w + ox) * ch;
                const int32_t *rec = p->groups;
                for (g = 0; g < ch; g += 4, rec += rec_words) {
                    const int32_t *const r = rec + 4 + 2 * taps;
                    int32_t s[4];
                    if (!aligned) {
                        s[0] = bias ? bias[g] : 0;
                        s[1] = bias ? bias[g + 1] : 0;
                        s[2] = bias ? bias[g + 2] : 0;
                        s[3] = bias ? bias[g + 3] : 0;
                        mn_hd_group_scalar(p, in_b, rec, g, in_y0, in_x0, s);
                    } else {
                        const ae_int16x4 *pw = (const ae_int16x4 *)(const void *)(rec + 4);
                        ae_valign aw = AE_LA64_PP(pw);
                        ae_int32x2 acc_h, acc_l; /* channels {c0, c1} and {c2, c3} */
                        ae_int16x4 w, x;
                        if (inside) { /* raw input bytes against the folded biases */
                            acc_h = AE_MOVDA32X2(rec[0], rec[1]);
                            acc_l = AE_MOVDA32X2(rec[2], rec[3]);
                            for (fy = 0; fy < k_h; ++fy) {
                                const int8_t *px = in_b + ((in_y0 + fy * dil_h) * in_w + in_x0) * ch + g;
                                for (fx = 0; fx < k_w; ++fx) {
                                    MN_HD_WEIGHTS(w, aw, pw);
                                    AE_L8X4F_IP(x, px, dil_w * ch);
                                    AE_MULA16X4(acc_h, acc_l, AE_SRAI16(x, 8), w);
                                }
                            }
                        } else { /* the bias, the offset added to each in-image tap, the others skipped */
                            acc_h = bias ? AE_MOVDA32X2(bias[g], bias[g + 1]) : AE_ZERO32();
                            acc_l = bias ? AE_MOVDA32X2(bias[g + 2], bias[g + 3]) : AE_ZERO32();
                            for (fy = 0; fy < k_h; ++fy) {
                                const int32_t iy = in_y0 + fy * dil_h;
                                for (fx = 0; fx < k_w; ++fx) {
                                    const int32_t ix = in_x0 + fx * dil_w;
                                    MN_HD_WEIGHTS(w, aw, pw);
                                    if (iy >= 0 && iy < in_h && ix >= 0 && ix < in_w) {
                                        const int8_t *px = in_b + (iy * in_w + ix) * ch + g;
                                        AE_L8X4F_IP(x, px, 4);
                                        AE_MULA16X4(acc_h, acc_l, AE_ADD16(AE_SRAI16(x, 8), off), w);
                                    }
                                }
                            }
                        }
                        s[0] = AE_MOVAD32_H(acc_h);
                        s[1] = AE_MOVAD32_L(acc_h);
                        s[2] = AE_MOVAD32_H(acc_l);
                        s[3] = AE_MOVAD32_L(acc_l);
                    }
                    mn_hifi4_store4(mn_hifi4_rq_single(s[0], r), mn_hifi4_rq_single(s[1], r + 4),
                                    mn_hifi4_rq_single(s[2], r + 8), mn_hifi4_rq_single(s[3], r + 12), lo, hi, o + g,
                                    1, 4);
                }
            }
        }
    }
}
