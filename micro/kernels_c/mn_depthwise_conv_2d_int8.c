/* DEPTHWISE_CONV_2D int8 kernel (bit-exact with TFLM
 * reference_integer_ops::DepthwiseConvPerChannel).
 *
 * Output pixels in raster order; per pixel, channels in blocks of MN_DW_CB whose int32 sums
 * stay in registers (channels are contiguous in NHWC, so the inner loops are SIMD loops over
 * channels), then the block is requantized and written. With folded_bias (depth_mult 1,
 * TFLite's symmetric weights) every tap is a plain int8 product, two taps summed in int16;
 * otherwise acc += (x + input_offset) * w over the in-image taps. depth_mult > 1 gathers each
 * output channel's input channel.
 * Raster-order contract (for in-place planning): output pixel p is written only after every
 * input read of pixels <= p, and no input before pixel p's window is read afterwards.
 * Requantization: TFLM's MultiplyByQuantizedMultiplier (double rounding), a block of channels
 * at a time (see mn_dw_requant_row). */
#include "mn_fixedpoint.h"
#include "mn_kernels.h"

#define MN_DW_CB 16 /* channels per block */
#define MN_DW_MAX_TAPS 64 /* k_h * k_w up to this take the paired-tap path (micro: MAX_PAIRED_TAPS) */

#if defined(__GNUC__) || defined(__clang__)
#define MN_RESTRICT __restrict__
#else
#define MN_RESTRICT
#endif

/* One output pixel's row of n channels: out[c] = clamp(requant(acc[c]) + zp), where requant
 * is TFLM's MultiplyByQuantizedMultiplier (double rounding; as in mn_conv_2d_int8.c). With rq_round/rq_scale given
 * (every shift <= 0, r = -shift) it runs on the magnitude |x|, sign restored after:
 *   h = floor((|x| * mult + 2^30 - [x < 0]) / 2^31) + rnd    (SaturatingRoundingDoublingHighMul,
 *                                   plus rnd = r > 0 ? 2^(r-1) : 0, RoundingDivideByPOT's nudge)
 *   |result| = floor(h * scale / 2^31), scale = 2^(31 - r)   (= floor(h / 2^r))
 * Both roundings are half away from zero, hence symmetric; mult >= 0 never saturates.
 * Written as loops of 32x32->64 unsigned products with constant shifts only, which compilers
 * vectorize (SSE2 pmuludq); tmp holds the n intermediate h. */
static void mn_dw_requant_row(const int32_t *MN_RESTRICT acc, const mn_depthwise_conv_2d_params_t *p,
                                int32_t c0, int32_t n,
                                uint32_t *MN_RESTRICT tmp, int8_t *MN_RESTRICT out)
{
    const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max;
    const int32_t *MN_RESTRICT mult = p->mult + c0;
    int32_t c;
    if (p->rq_round) {
        const int32_t *MN_RESTRICT rnd = p->rq_round + c0;
        const int32_t *MN_RESTRICT scale = p->rq_scale + c0;
        for (c = 0; c < n; ++c) {
            const int32_t x = acc[c];
            const uint32_t neg = (uint32_t)(x >> 31);
            const uint32_t ax = ((uint32_t)x ^ neg) - neg;
            const uint64_t y = (uint64_t)ax * (uint32_t)mult[c] + ((uint64_t)(uint32_t)rnd[c] << 31) +
                               (((uint32_t)1 << 30) - (neg & 1u));
            tmp[c] = (uint32_t)(y >> 31);
        }
        for (c = 0; c < n; ++c) {
            const int32_t x = acc[c];
            const uint32_t neg = (uint32_t)(x >> 31);
            const uint32_t mag = (uint32_t)(((uint64_t)tmp[c] * (uint32_t)scale[c]) >> 31);
            int32_t v = (int32_t)((mag ^ neg) - neg) + zp;
            v = v < lo ? lo : v;
            v = v > hi ? hi : v;
            out[c] = (int8_t)v;
        }
    } else {
        const int32_t *MN_RESTRICT shift = p->shift + c0;
        for (c = 0; c < n; ++c) {
            const int32_t v = mn_mul_by_qmult(acc[c], mult[c], shift[c]) + zp;
            out[c] = (int8_t)MN_CLAMP(v, lo, hi);
        }
    }
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

/* Pixel (oy, ox), channels [c0, c0 + MN_DW_CB), folded bias: all taps, pairs summed in int16
 * (|x * w| <= 128 * 127 with weights in [-127, 127], so a pair stays below 2^15). xs[t] is
 * tap t's input pixel (channel 0) or the zero-point vector (xinc[t] = 0) outside the image. */
static void mn_dw_pixel_paired(const mn_depthwise_conv_2d_params_t *p, const int8_t *const *xs,
                               const int32_t *xinc, const int8_t *filter, int32_t c0, int8_t *o)
{
    const int32_t ch = p->in_c, n_taps = p->k_h * p->k_w;
    int32_t acc[MN_DW_CB];
    uint32_t tmp[MN_DW_CB];
    int32_t j, t;
    for (j = 0; j < MN_DW_CB; ++j) {
        acc[j] = p->folded_bias[c0 + j];
    }
    for (t = 0; t + 1 < n_taps; t += 2) {
        const int8_t *xa = xs[t] + c0 * xinc[t];
        const int8_t *xb = xs[t + 1] + c0 * xinc[t + 1];
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
        const int8_t *xa = xs[t] + c0 * xinc[t];
        const int8_t *wa = filter + t * ch + c0;
        for (j = 0; j < MN_DW_CB; ++j) {
            acc[j] += (int16_t)(xa[j] * wa[j]);
        }
    }
    mn_dw_requant_row(acc, p, c0, MN_DW_CB, tmp, o + c0);
}

/* Pixel whose window's tap (0, 0) is at input (in_y0, in_x0) of batch in_b, output channels
 * [oc0, oc0 + n) (n <= MN_DW_CB): in-image taps [fy0, fy1) x [fx0, fx1), offset added. */
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

void mn_depthwise_conv_2d_int8(const mn_depthwise_conv_2d_params_t *p, const int8_t *input,
                               const int8_t *filter, const int32_t *bias, int8_t *output)
{
    const int32_t in_h = p->in_h, in_w = p->in_w, in_c = p->in_c;
    const int32_t out_h = p->out_h, out_w = p->out_w, out_c = p->out_c, k_h = p->k_h, k_w = p->k_w;
    const int32_t stride_h = p->stride_h, stride_w = p->stride_w;
    const int32_t dil_h = p->dil_h, dil_w = p->dil_w, pad_h = p->pad_h, pad_w = p->pad_w;
    const int paired = p->folded_bias && p->depth_mult == 1 && k_h * k_w <= MN_DW_MAX_TAPS;
    const int32_t n_full = paired ? out_c / MN_DW_CB * MN_DW_CB : 0;
    const int8_t *xs[MN_DW_MAX_TAPS];
    int32_t xinc[MN_DW_MAX_TAPS];
    int8_t zp_vec[MN_DW_CB];
    int32_t b, oy, ox, fy, fx, c0, t;

    for (c0 = 0; c0 < MN_DW_CB; ++c0) {
        zp_vec[c0] = (int8_t)(-p->input_offset);
    }
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * in_h * in_w * in_c;
        int8_t *out_b = output + b * out_h * out_w * out_c;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t in_y0 = oy * stride_h - pad_h;
            int32_t fy0, fy1;
            mn_depthwise_conv_2d_valid_taps(in_y0, dil_h, k_h, in_h, &fy0, &fy1);
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t in_x0 = ox * stride_w - pad_w;
                int8_t *o = out_b + (oy * out_w + ox) * out_c;
                int32_t fx0, fx1;
                mn_depthwise_conv_2d_valid_taps(in_x0, dil_w, k_w, in_w, &fx0, &fx1);
                c0 = 0;
                if (n_full > 0) {
                    t = 0;
                    for (fy = 0; fy < k_h; ++fy) {
                        for (fx = 0; fx < k_w; ++fx) {
                            const int inside = fy >= fy0 && fy < fy1 && fx >= fx0 && fx < fx1;
                            xs[t] = inside ? in_b + ((in_y0 + fy * dil_h) * in_w + in_x0 + fx * dil_w) * in_c
                                           : zp_vec;
                            xinc[t++] = inside;
                        }
                    }
                    for (; c0 < n_full; c0 += MN_DW_CB) {
                        mn_dw_pixel_paired(p, xs, xinc, filter, c0, o);
                    }
                }
                for (; c0 < out_c; c0 += MN_DW_CB) {
                    mn_dw_pixel_block(p, in_b, in_y0, in_x0, fy0, fy1, fx0, fx1, filter, bias, c0,
                                      MN_MIN(MN_DW_CB, out_c - c0), o);
                }
            }
        }
    }
}
