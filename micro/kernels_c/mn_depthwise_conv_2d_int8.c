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
#include "mn_kernels.h"

#define MN_DW_CB 16 /* channels per block */
#define MN_DW_MAX_TAPS 64 /* k_h * k_w up to this take the paired-tap path */


/* One output pixel's row of n channels from c0: see mn_requant_row_int8 (mn_fixedpoint.h). */
static void mn_dw_requant_row(const int32_t *MN_RESTRICT acc, const mn_depthwise_conv_2d_params_t *p,
                              int32_t c0, int32_t n,
                              uint32_t *MN_RESTRICT tmp, int8_t *MN_RESTRICT out)
{
    mn_requant_row_int8(acc, p->mult + c0, p->shift + c0, p->rq_round ? p->rq_round + c0 : 0,
                        p->rq_scale ? p->rq_scale + c0 : 0, p->output_offset, p->act_min, p->act_max,
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
    const int32_t in_h = p->in_h, in_w = p->in_w, ch = p->in_c;
    const int32_t out_h = p->out_h, out_w = p->out_w, k_h = p->k_h, k_w = p->k_w;
    const int32_t stride_h = p->stride_h, stride_w = p->stride_w;
    const int32_t dil_h = p->dil_h, dil_w = p->dil_w, pad_h = p->pad_h, pad_w = p->pad_w;
    const int32_t n_taps = k_h * k_w;
    const int32_t batches = p->batches;
    const int8_t *xs[MN_DW_MAX_TAPS];
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
        folded = (int64_t)bias_blk[j] + (int64_t)p->input_offset * sum;
        if (folded < INT32_MIN || folded > INT32_MAX) {
            return 0;
        }
        fbias[j] = (int32_t)folded;
        zp_vec[j] = (int8_t)(-p->input_offset);
    }
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
    const int32_t in_h = p->in_h, in_w = p->in_w, ch = p->in_c;
    const int32_t out_h = p->out_h, out_w = p->out_w, k_h = p->k_h, k_w = p->k_w;
    const int32_t stride_h = p->stride_h, stride_w = p->stride_w;
    const int32_t dil_h = p->dil_h, dil_w = p->dil_w, pad_h = p->pad_h, pad_w = p->pad_w;
    const int32_t input_offset = p->input_offset;
    const int32_t batches = p->batches;
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
    const int32_t in_h = p->in_h, in_w = p->in_w, in_c = p->in_c, out_c = p->out_c;
    const int32_t out_h = p->out_h, out_w = p->out_w, k_h = p->k_h, k_w = p->k_w;
    const int32_t depth_mult = p->depth_mult;
    const int32_t stride_h = p->stride_h, stride_w = p->stride_w;
    const int32_t dil_h = p->dil_h, dil_w = p->dil_w, pad_h = p->pad_h, pad_w = p->pad_w;
    const int32_t input_offset = p->input_offset;
    const int32_t n = oc1 - oc0;
    int32_t bias_blk[MN_DW_CB];
    uint32_t tmp[MN_DW_CB];
    int32_t ic_of[MN_DW_CB];
    int32_t b, oy, ox, fy, fx, j;

    for (j = 0; j < n; ++j) {
        bias_blk[j] = bias ? bias[oc0 + j] : 0;
        ic_of[j] = (oc0 + j) / depth_mult;
    }
    for (b = 0; b < p->batches; ++b) {
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
    const int32_t in_w = p->in_w, in_c = p->in_c, out_c = p->out_c, k_w = p->k_w;
    const int32_t dil_h = p->dil_h, dil_w = p->dil_w, depth_mult = p->depth_mult;
    const int32_t input_offset = p->input_offset;
    int32_t acc[MN_DW_CB];
    uint32_t tmp[MN_DW_CB];
    int32_t fy, fx, j;
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
    const int32_t in_h = p->in_h, in_w = p->in_w, in_c = p->in_c;
    const int32_t out_h = p->out_h, out_w = p->out_w, out_c = p->out_c, k_h = p->k_h, k_w = p->k_w;
    int32_t bi, yi, xi, c0;
    for (bi = 0; bi < p->batches; ++bi) {
        const int32_t b = reverse ? p->batches - 1 - bi : bi;
        const int8_t *in_b = input + b * in_h * in_w * in_c;
        int8_t *out_b = output + b * out_h * out_w * out_c;
        for (yi = 0; yi < out_h; ++yi) {
            const int32_t oy = reverse ? out_h - 1 - yi : yi;
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            int32_t fy0, fy1;
            mn_depthwise_conv_2d_valid_taps(in_y0, p->dil_h, k_h, in_h, &fy0, &fy1);
            for (xi = 0; xi < out_w; ++xi) {
                const int32_t ox = reverse ? out_w - 1 - xi : xi;
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                int32_t fx0, fx1;
                mn_depthwise_conv_2d_valid_taps(in_x0, p->dil_w, k_w, in_w, &fx0, &fx1);
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
    const int32_t out_c = p->out_c;
    const uintptr_t in_lo = (uintptr_t)input, out_lo = (uintptr_t)output;
    const uintptr_t in_hi = in_lo + (uintptr_t)p->batches * p->in_h * p->in_w * p->in_c;
    const uintptr_t out_hi = out_lo + (uintptr_t)p->batches * p->out_h * p->out_w * out_c;
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
