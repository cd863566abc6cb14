/* DEPTHWISE_CONV_2D int8 kernel (bit-exact with TFLM
 * reference_integer_ops::DepthwiseConvPerChannel).
 *
 * Channels in blocks of MN_DW_CB whose int32 sums stay in registers (channels are contiguous
 * in NHWC, so the inner loops are SIMD loops over channels); each block sweeps every output
 * pixel, then the next block. depth_mult == 1 with TFLite's symmetric weights: every tap a
 * plain int8 product, two taps summed in int16, input offset folded into the bias; otherwise
 * acc += (x + input_offset) * w over the in-image taps (depth_mult > 1 gathers each output
 * channel's input channel). When the output overlaps the input (in-place planning), pixels
 * go in raster order instead (mn_dw_raster): output pixel p is written after all its reads,
 * and no input before pixel p's window is read afterwards; or, when the output starts after
 * the input, in descending raster order: no input beyond pixel p's window is read afterwards.
 * Requantization: TFLM's MultiplyByQuantizedMultiplier (double rounding), a block of channels
 * at a time (see mn_dw_requant_row). */
#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/depthwise_conv_2d.py */

#define MN_DW_CB 16 /* channels per block */
#define MN_DW_MAX_TAPS 64 /* k_h * k_w up to this take the paired-tap path */

/* Arm DSP extension (Cortex-M4/M7/M33...): the paired-tap path runs on SMLAD, two taps of a
 * channel per instruction ([x_a x_b] . [w_a w_b] as int16 halves; the same products and
 * wrapping int32 sums as the portable loops, so identical results). */
#if defined(__ARM_FEATURE_DSP)
#include "mn_dsp.h"
#define MN_DW_DSP 1

/* acc[j] = init[j] + sum over the n_y x n_x taps of (x[j] + input_offset) * w[j] for n (a
 * multiple of 4) channels, depth_mult == 1: x and w point at the first tap's channel 0, the
 * steps move one tap along y / x. 4 channels at a time: input bytes [x0 x1 x2 x3] become
 * [x0 x2] and [x1 x3] plus the offset (SXTAB16; |x + offset| <= 255, exact in int16 halves),
 * the weights [w0 w2] and [w1 w3], then one SMLABB / SMLATT per channel (the products and
 * wrapping int32 sums of the portable loops). */
static void mn_dw_dsp_taps(const int8_t *x, const int8_t *w, int32_t n_y, int32_t n_x,
                           int32_t x_step_y, int32_t x_step_x, int32_t w_step_y, int32_t w_step_x,
                           int32_t input_offset, const int32_t *init, int32_t n, int32_t *acc)
{
    const int16x2_t off2 = (int16x2_t)((uint32_t)(uint16_t)input_offset * 0x00010001u);
    int32_t g, fy, fx;
    for (g = 0; g < n; g += 4) {
        int32_t s0 = init[g], s1 = init[g + 1], s2 = init[g + 2], s3 = init[g + 3];
        for (fy = 0; fy < n_y; ++fy) {
            const int8_t *xp = x + fy * x_step_y + g;
            const int8_t *wp = w + fy * w_step_y + g;
            for (fx = 0; fx < n_x; ++fx) {
                const uint32_t xw = mn_ld32(xp);
                const uint32_t ww = mn_ld32(wp);
                const int16x2_t x02 = __sxtab16(off2, (int8x4_t)xw);
                const int16x2_t x13 = mn_sxtab16_ror8(off2, xw);
                const int16x2_t w02 = __sxtb16((int8x4_t)ww);
                const int16x2_t w13 = mn_sxtb16_ror8(ww);
                s0 = __smlabb(x02, w02, s0);
                s2 = __smlatt(x02, w02, s2);
                s1 = __smlabb(x13, w13, s1);
                s3 = __smlatt(x13, w13, s3);
                xp += x_step_x;
                wp += w_step_x;
            }
        }
        acc[g] = s0;
        acc[g + 1] = s1;
        acc[g + 2] = s2;
        acc[g + 3] = s3;
    }
}
#endif


/* One output pixel's row of n channels from c0: see mn_requant_row_int8 (mn_fixedpoint.h). */
static void mn_dw_requant_row(const int32_t *MN_RESTRICT acc, const mn_depthwise_conv_2d_params_t *p,
                              int32_t c0, int32_t n,
                              uint32_t *MN_RESTRICT tmp, int8_t *MN_RESTRICT out)
{
    mn_requant_row_int8(acc, p->rq.mult + c0, p->rq.shift + c0, p->rq.rq_round ? p->rq.rq_round + c0 : 0,
                        p->rq.rq_scale ? p->rq.rq_scale + c0 : 0, p->rq.output_offset, p->rq.act_min, p->rq.act_max,
                        n, tmp, out);
}

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

/* depth_mult == 1, channels [c0, c0 + MN_DW_CB), every tap weight in [-127, 127] (TFLite's
 * symmetric int8 weights) and a folded bias within int32 (returns 0 without writing anything
 * otherwise). The input offset is folded into the bias (bias + input_offset * sum of the
 * channel's taps); taps outside the image read a vector of input zero points (contributing
 * (zp + input_offset) * w = 0), so every pixel runs all taps as plain int8 products, two taps
 * summed in int16 (|x * w| <= 128 * 127, a pair stays below 2^15) before widening to int32.
 * (Loop shapes matter here: gcc keeps the 16 sums in registers in this form.) */
static int mn_dw_paired(const mn_depthwise_conv_2d_params_t *p, const int8_t *filter,
                        const int32_t *bias_blk, int8_t *output, const int8_t *input, int32_t c0)
{
    const int32_t in_h = p->win.in_h, in_w = p->win.in_w, ch = p->win.in_c;
    const int32_t out_h = p->win.out_h, out_w = p->win.out_w, k_h = p->win.k_h, k_w = p->win.k_w;
    const int32_t stride_h = p->win.stride_h, stride_w = p->win.stride_w;
    const int32_t dil_h = p->win.dil_h, dil_w = p->win.dil_w, pad_h = p->win.pad_h, pad_w = p->win.pad_w;
    const int32_t n_taps = k_h * k_w;
    const int32_t batches = p->win.batches;
#if defined(MN_DW_DSP)
    /* Taps in pairs (an odd last tap pairs with a zero weight and the zero point vector):
     * wp[t][j] = [w(2t) w(2t+1)] of channel c0 + j as int16 halves (low half first). */
    const int32_t n_pairs = (n_taps + 1) / 2;
    const int8_t *xs[MN_DW_MAX_TAPS + 1];
    int32_t wp[MN_DW_MAX_TAPS / 2][MN_DW_CB];
    int32_t g;
#else
    const int8_t *xs[MN_DW_MAX_TAPS];
#endif
    int8_t zp_vec[MN_DW_CB];
    int32_t fbias[MN_DW_CB];
    uint32_t tmp[MN_DW_CB];
    int32_t b, oy, ox, fy, fx, j, t;

    for (j = 0; j < MN_DW_CB; ++j) {
        int32_t sum = 0;
        int64_t folded;
        for (t = 0; t < n_taps; ++t) {
            const int32_t w = filter[t * ch + c0 + j];
            if (w == -128) {
                return 0;
            }
            sum += w;
        }
        folded = (int64_t)bias_blk[j] + (int64_t)p->rq.input_offset * sum;
        if (folded < INT32_MIN || folded > INT32_MAX) {
            return 0;
        }
        fbias[j] = (int32_t)folded;
        zp_vec[j] = (int8_t)(-p->rq.input_offset);
    }
#if defined(MN_DW_DSP)
    for (t = 0; t < n_pairs; ++t) {
        for (j = 0; j < MN_DW_CB; ++j) {
            const int32_t wa = filter[2 * t * ch + c0 + j];
            const int32_t wb = 2 * t + 1 < n_taps ? filter[(2 * t + 1) * ch + c0 + j] : 0;
            wp[t][j] = (int32_t)(((uint32_t)(uint16_t)wb << 16) | (uint32_t)(uint16_t)wa);
        }
    }
#endif
    for (b = 0; b < batches; ++b) {
        const int8_t *in_b = input + b * in_h * in_w * ch + c0;
        int8_t *out_b = output + b * out_h * out_w * ch + c0;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t in_y0 = oy * stride_h - pad_h;
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t in_x0 = ox * stride_w - pad_w;
                int8_t *o = out_b + (oy * out_w + ox) * ch;
                int32_t acc[MN_DW_CB];
                t = 0;
                for (fy = 0; fy < k_h; ++fy) {
                    const int32_t iy = in_y0 + fy * dil_h;
                    for (fx = 0; fx < k_w; ++fx) {
                        const int32_t ix = in_x0 + fx * dil_w;
                        const int inside = iy >= 0 && iy < in_h && ix >= 0 && ix < in_w;
                        xs[t++] = inside ? in_b + (iy * in_w + ix) * ch : zp_vec;
                    }
                }
#if defined(MN_DW_DSP)
                xs[n_taps] = zp_vec; /* partner of an odd last tap (zero weight) */
                for (g = 0; g < MN_DW_CB; g += 4) {
                    /* Channels g..g+3: input words of taps a, b = [a0 a1 a2 a3], [b0 b1 b2 b3]
                     * regrouped into [a0 a1 b0 b1] and [a2 a3 b2 b3], then SXTB16 (even/odd
                     * bytes) gives each channel's [x_a x_b]. */
                    int32_t s0 = fbias[g], s1 = fbias[g + 1], s2 = fbias[g + 2], s3 = fbias[g + 3];
                    const int32_t *w = wp[0] + g;
                    const int8_t *const *xp = xs;
                    const int8_t *const *const xp_end = xs + 2 * n_pairs;
                    for (; xp < xp_end; xp += 2) {
                        const uint32_t xa = mn_ld32(xp[0] + g);
                        const uint32_t xb = mn_ld32(xp[1] + g);
                        const uint32_t lo = mn_pack_lo(xa, xb);
                        const uint32_t hi = mn_pack_hi(xa, xb);
                        s0 = __smlad(__sxtb16((int8x4_t)lo), w[0], s0);
                        s1 = __smlad(mn_sxtb16_ror8(lo), w[1], s1);
                        s2 = __smlad(__sxtb16((int8x4_t)hi), w[2], s2);
                        s3 = __smlad(mn_sxtb16_ror8(hi), w[3], s3);
                        w += MN_DW_CB;
                    }
                    acc[g] = s0;
                    acc[g + 1] = s1;
                    acc[g + 2] = s2;
                    acc[g + 3] = s3;
                }
#else
                for (j = 0; j < MN_DW_CB; ++j) {
                    acc[j] = fbias[j];
                }
                for (t = 0; t + 1 < n_taps; t += 2) {
                    const int8_t *xa = xs[t];
                    const int8_t *xb = xs[t + 1];
                    const int8_t *wa = filter + t * ch + c0;
                    const int8_t *wb = wa + ch;
                    int16_t pair[MN_DW_CB];
                    for (j = 0; j < MN_DW_CB; ++j) {
                        pair[j] = (int16_t)(xa[j] * wa[j] + xb[j] * wb[j]);
                    }
                    for (j = 0; j < MN_DW_CB; ++j) {
                        acc[j] += pair[j];
                    }
                }
                if (t < n_taps) {
                    const int8_t *xa = xs[t];
                    const int8_t *wa = filter + t * ch + c0;
                    for (j = 0; j < MN_DW_CB; ++j) {
                        acc[j] += (int16_t)(xa[j] * wa[j]);
                    }
                }
#endif
                mn_dw_requant_row(acc, p, c0, MN_DW_CB, tmp, o);
            }
        }
    }
    return 1;
}

/* depth_mult == 1: channels [c0, c0 + MN_DW_CB) of every output pixel. */
static void mn_dw_block_full(const mn_depthwise_conv_2d_params_t *p, const int8_t *input,
                             const int8_t *filter, const int32_t *bias, int8_t *output, int32_t c0)
{
    const int32_t in_h = p->win.in_h, in_w = p->win.in_w, ch = p->win.in_c;
    const int32_t out_h = p->win.out_h, out_w = p->win.out_w, k_h = p->win.k_h, k_w = p->win.k_w;
    const int32_t stride_h = p->win.stride_h, stride_w = p->win.stride_w;
    const int32_t dil_h = p->win.dil_h, dil_w = p->win.dil_w, pad_h = p->win.pad_h, pad_w = p->win.pad_w;
    const int32_t input_offset = p->rq.input_offset;
    const int32_t batches = p->win.batches;
    int32_t bias_blk[MN_DW_CB];
    uint32_t tmp[MN_DW_CB];
    int32_t b, oy, ox, fy, fx, j;

    for (j = 0; j < MN_DW_CB; ++j) {
        bias_blk[j] = bias ? bias[c0 + j] : 0;
    }
    if (k_h * k_w <= MN_DW_MAX_TAPS && mn_dw_paired(p, filter, bias_blk, output, input, c0)) {
        return;
    }
    for (b = 0; b < batches; ++b) {
        const int8_t *in_b = input + b * in_h * in_w * ch + c0;
        int8_t *out_b = output + b * out_h * out_w * ch + c0;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t in_y0 = oy * stride_h - pad_h;
            int32_t fy0, fy1;
            mn_depthwise_conv_2d_valid_taps(in_y0, dil_h, k_h, in_h, &fy0, &fy1);
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t in_x0 = ox * stride_w - pad_w;
                int8_t *o = out_b + (oy * out_w + ox) * ch;
                int32_t acc[MN_DW_CB];
                int32_t fx0, fx1;
                mn_depthwise_conv_2d_valid_taps(in_x0, dil_w, k_w, in_w, &fx0, &fx1);
#if defined(MN_DW_DSP)
                if (fy0 < fy1 && fx0 < fx1) {
                    mn_dw_dsp_taps(in_b + ((in_y0 + fy0 * dil_h) * in_w + in_x0 + fx0 * dil_w) * ch,
                                   filter + (fy0 * k_w + fx0) * ch + c0, fy1 - fy0, fx1 - fx0,
                                   dil_h * in_w * ch, dil_w * ch, k_w * ch, ch, input_offset,
                                   bias_blk, MN_DW_CB, acc);
                    mn_dw_requant_row(acc, p, c0, MN_DW_CB, tmp, o);
                    continue;
                }
#endif
                for (j = 0; j < MN_DW_CB; ++j) {
                    acc[j] = bias_blk[j];
                }
                for (fy = fy0; fy < fy1; ++fy) {
                    const int8_t *x_row = in_b + (in_y0 + fy * dil_h) * in_w * ch;
                    const int8_t *w_row = filter + fy * k_w * ch + c0;
                    for (fx = fx0; fx < fx1; ++fx) {
                        const int8_t *x = x_row + (in_x0 + fx * dil_w) * ch;
                        const int8_t *w = w_row + fx * ch;
                        for (j = 0; j < MN_DW_CB; ++j) {
                            /* |(x + offset) * w| <= 255 * 128 fits int16. */
                            acc[j] += (int16_t)((int16_t)(x[j] + input_offset) * (int16_t)w[j]);
                        }
                    }
                }
                mn_dw_requant_row(acc, p, c0, MN_DW_CB, tmp, o);
            }
        }
    }
}

/* Any depth_mult, output channels [oc0, oc1) (oc1 - oc0 <= MN_DW_CB): the channels left over
 * by the 16-channel blocks (depth_mult 1, SIMD over channels), or depth_mult > 1 (each output
 * channel gathers its input channel). */
static void mn_dw_block_any(const mn_depthwise_conv_2d_params_t *p, const int8_t *input,
                            const int8_t *filter, const int32_t *bias, int8_t *output,
                            int32_t oc0, int32_t oc1)
{
    const int32_t in_h = p->win.in_h, in_w = p->win.in_w, in_c = p->win.in_c, out_c = p->win.out_c;
    const int32_t out_h = p->win.out_h, out_w = p->win.out_w, k_h = p->win.k_h, k_w = p->win.k_w;
    const int32_t depth_mult = p->depth_mult;
    const int32_t stride_h = p->win.stride_h, stride_w = p->win.stride_w;
    const int32_t dil_h = p->win.dil_h, dil_w = p->win.dil_w, pad_h = p->win.pad_h, pad_w = p->win.pad_w;
    const int32_t input_offset = p->rq.input_offset;
    const int32_t n = oc1 - oc0;
    int32_t bias_blk[MN_DW_CB];
    uint32_t tmp[MN_DW_CB];
    int32_t ic_of[MN_DW_CB];
    int32_t b, oy, ox, fy, fx, j;

    for (j = 0; j < n; ++j) {
        bias_blk[j] = bias ? bias[oc0 + j] : 0;
        ic_of[j] = (oc0 + j) / depth_mult;
    }
    for (b = 0; b < p->win.batches; ++b) {
        const int8_t *in_b = input + b * in_h * in_w * in_c;
        int8_t *out_b = output + b * out_h * out_w * out_c + oc0;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t in_y0 = oy * stride_h - pad_h;
            int32_t fy0, fy1;
            mn_depthwise_conv_2d_valid_taps(in_y0, dil_h, k_h, in_h, &fy0, &fy1);
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t in_x0 = ox * stride_w - pad_w;
                int8_t *o = out_b + (oy * out_w + ox) * out_c;
                int32_t acc[MN_DW_CB];
                int32_t fx0, fx1;
                mn_depthwise_conv_2d_valid_taps(in_x0, dil_w, k_w, in_w, &fx0, &fx1);
#if defined(MN_DW_DSP)
                if (depth_mult == 1 && (n & 3) == 0 && fy0 < fy1 && fx0 < fx1) {
                    mn_dw_dsp_taps(in_b + ((in_y0 + fy0 * dil_h) * in_w + in_x0 + fx0 * dil_w) * in_c + oc0,
                                   filter + (fy0 * k_w + fx0) * out_c + oc0, fy1 - fy0, fx1 - fx0,
                                   dil_h * in_w * in_c, dil_w * in_c, k_w * out_c, out_c,
                                   input_offset, bias_blk, n, acc);
                    mn_dw_requant_row(acc, p, oc0, n, tmp, o);
                    continue;
                }
#endif
                for (j = 0; j < n; ++j) {
                    acc[j] = bias_blk[j];
                }
                for (fy = fy0; fy < fy1; ++fy) {
                    const int8_t *x_row = in_b + (in_y0 + fy * dil_h) * in_w * in_c;
                    const int8_t *w_row = filter + fy * k_w * out_c + oc0;
                    for (fx = fx0; fx < fx1; ++fx) {
                        const int8_t *x = x_row + (in_x0 + fx * dil_w) * in_c;
                        const int8_t *w = w_row + fx * out_c;
                        if (depth_mult == 1) {
                            const int8_t *xc = x + oc0;
                            for (j = 0; j < n; ++j) {
                                /* |(x + offset) * w| <= 255 * 128 fits int16. */
                                acc[j] += (int16_t)((int16_t)(xc[j] + input_offset) * (int16_t)w[j]);
                            }
                        } else {
                            for (j = 0; j < n; ++j) {
                                acc[j] += ((int32_t)x[ic_of[j]] + input_offset) * (int32_t)w[j];
                            }
                        }
                    }
                }
                mn_dw_requant_row(acc, p, oc0, n, tmp, o);
            }
        }
    }
}

/* Pixel whose window's tap (0, 0) is at input (in_y0, in_x0) of batch in_b, output channels
 * [oc0, oc0 + n) (n <= MN_DW_CB): in-image taps [fy0, fy1) x [fx0, fx1), offset added. A full
 * block with depth_mult == 1 runs fixed-length loops (SIMD over the 16 channels). */
static void mn_dw_pixel_block(const mn_depthwise_conv_2d_params_t *p, const int8_t *in_b,
                              int32_t in_y0, int32_t in_x0, int32_t fy0, int32_t fy1, int32_t fx0,
                              int32_t fx1, const int8_t *filter, const int32_t *bias, int32_t oc0,
                              int32_t n, int8_t *o)
{
    const int32_t in_w = p->win.in_w, in_c = p->win.in_c, out_c = p->win.out_c, k_w = p->win.k_w;
    const int32_t dil_h = p->win.dil_h, dil_w = p->win.dil_w, depth_mult = p->depth_mult;
    const int32_t input_offset = p->rq.input_offset;
    int32_t acc[MN_DW_CB];
    uint32_t tmp[MN_DW_CB];
    int32_t fy, fx, j;
#if defined(MN_DW_DSP)
    if (depth_mult == 1 && (n & 3) == 0) {
        int32_t init[MN_DW_CB];
        for (j = 0; j < n; ++j) {
            init[j] = bias ? bias[oc0 + j] : 0;
        }
        if (fy0 < fy1 && fx0 < fx1) {
            mn_dw_dsp_taps(in_b + ((in_y0 + fy0 * dil_h) * in_w + in_x0 + fx0 * dil_w) * in_c + oc0,
                           filter + (fy0 * k_w + fx0) * out_c + oc0, fy1 - fy0, fx1 - fx0,
                           dil_h * in_w * in_c, dil_w * in_c, k_w * out_c, out_c, input_offset,
                           init, n, acc);
        } else {
            for (j = 0; j < n; ++j) {
                acc[j] = init[j];
            }
        }
        mn_dw_requant_row(acc, p, oc0, n, tmp, o + oc0);
        return;
    }
#else
    if (depth_mult == 1 && n == MN_DW_CB) {
        for (j = 0; j < MN_DW_CB; ++j) {
            acc[j] = bias ? bias[oc0 + j] : 0;
        }
        for (fy = fy0; fy < fy1; ++fy) {
            const int8_t *x_row = in_b + (in_y0 + fy * dil_h) * in_w * in_c + oc0;
            const int8_t *w_row = filter + fy * k_w * out_c + oc0;
            for (fx = fx0; fx < fx1; ++fx) {
                const int8_t *x = x_row + (in_x0 + fx * dil_w) * in_c;
                const int8_t *w = w_row + fx * out_c;
                for (j = 0; j < MN_DW_CB; ++j) {
                    /* |(x + offset) * w| <= 255 * 128 fits int16. */
                    acc[j] += (int16_t)((int16_t)(x[j] + input_offset) * (int16_t)w[j]);
                }
            }
        }
        mn_dw_requant_row(acc, p, oc0, MN_DW_CB, tmp, o + oc0);
        return;
    }
#endif
    for (j = 0; j < n; ++j) {
        acc[j] = bias ? bias[oc0 + j] : 0;
    }
    for (fy = fy0; fy < fy1; ++fy) {
        const int8_t *x_row = in_b + (in_y0 + fy * dil_h) * in_w * in_c;
        const int8_t *w_row = filter + fy * k_w * out_c + oc0;
        for (fx = fx0; fx < fx1; ++fx) {
            const int8_t *x = x_row + (in_x0 + fx * dil_w) * in_c;
            const int8_t *w = w_row + fx * out_c;
            if (depth_mult == 1) {
                const int8_t *xc = x + oc0;
                for (j = 0; j < n; ++j) {
                    /* |(x + offset) * w| <= 255 * 128 fits int16. */
                    acc[j] += (int16_t)((int16_t)(xc[j] + input_offset) * (int16_t)w[j]);
                }
            } else {
                for (j = 0; j < n; ++j) {
                    acc[j] += ((int32_t)x[(oc0 + j) / depth_mult] + input_offset) * (int32_t)w[j];
                }
            }
        }
    }
    mn_dw_requant_row(acc, p, oc0, n, tmp, o + oc0);
}

/* Raster order (used when the output overlaps the input): per output pixel, every channel
 * block (mn_dw_pixel_block). reverse != 0: batches, rows and columns in descending order. */
static void mn_dw_raster(const mn_depthwise_conv_2d_params_t *p, const int8_t *input,
                         const int8_t *filter, const int32_t *bias, int8_t *output, int reverse)
{
    const int32_t in_h = p->win.in_h, in_w = p->win.in_w, in_c = p->win.in_c;
    const int32_t out_h = p->win.out_h, out_w = p->win.out_w, out_c = p->win.out_c, k_h = p->win.k_h, k_w = p->win.k_w;
    int32_t bi, yi, xi, c0;
    for (bi = 0; bi < p->win.batches; ++bi) {
        const int32_t b = reverse ? p->win.batches - 1 - bi : bi;
        const int8_t *in_b = input + b * in_h * in_w * in_c;
        int8_t *out_b = output + b * out_h * out_w * out_c;
        for (yi = 0; yi < out_h; ++yi) {
            const int32_t oy = reverse ? out_h - 1 - yi : yi;
            const int32_t in_y0 = oy * p->win.stride_h - p->win.pad_h;
            int32_t fy0, fy1;
            mn_depthwise_conv_2d_valid_taps(in_y0, p->win.dil_h, k_h, in_h, &fy0, &fy1);
            for (xi = 0; xi < out_w; ++xi) {
                const int32_t ox = reverse ? out_w - 1 - xi : xi;
                const int32_t in_x0 = ox * p->win.stride_w - p->win.pad_w;
                int32_t fx0, fx1;
                mn_depthwise_conv_2d_valid_taps(in_x0, p->win.dil_w, k_w, in_w, &fx0, &fx1);
                for (c0 = 0; c0 < out_c; c0 += MN_DW_CB) {
                    mn_dw_pixel_block(p, in_b, in_y0, in_x0, fy0, fy1, fx0, fx1, filter, bias, c0,
                                      MN_MIN(MN_DW_CB, out_c - c0), out_b + (oy * out_w + ox) * out_c);
                }
            }
        }
    }
}

void mn_depthwise_conv_2d_int8(const mn_depthwise_conv_2d_params_t *p, const int8_t *input,
                               const int8_t *filter, const int32_t *bias, int8_t *output)
{
    const int32_t out_c = p->win.out_c;
    const uintptr_t in_lo = (uintptr_t)input, out_lo = (uintptr_t)output;
    const uintptr_t in_hi = in_lo + (uintptr_t)p->win.batches * p->win.in_h * p->win.in_w * p->win.in_c;
    const uintptr_t out_hi = out_lo + (uintptr_t)p->win.batches * p->win.out_h * p->win.out_w * out_c;
    int32_t c0 = 0;
    if (out_lo < in_hi && in_lo < out_hi) {
#ifdef MN_NO_REVERSE_OVERLAP /* tests only: proves the descending order is needed */
        mn_dw_raster(p, input, filter, bias, output, 0);
#else
        mn_dw_raster(p, input, filter, bias, output, out_lo > in_lo);
#endif
        return;
    }
    /* Channel blocks outermost (each block sweeps every pixel): fastest, but it reads the
     * whole input once per block, so only for outputs that do not overlap the input. */
    if (p->depth_mult == 1) {
        for (; c0 + MN_DW_CB <= out_c; c0 += MN_DW_CB) {
            mn_dw_block_full(p, input, filter, bias, output, c0);
        }
    }
    for (; c0 < out_c; c0 += MN_DW_CB) {
        mn_dw_block_any(p, input, filter, bias, output, c0, MN_MIN(c0 + MN_DW_CB, out_c));
    }
}
