/* CONV_2D int8 on compile-time packed weights, HiFi 4 variant of mn_conv_2d_packed_int8.c (the same ABI,
 * micro/kernels/conv_2d.py; bit-exact with TFLM reference_integer_ops::ConvPerChannel, groups = 1; also
 * DEPTHWISE_CONV_2D with one input channel and every 1x1 convolution, see micro/ops/conv_packed.py).
 *
 * Output pixels in blocks of 4 (row-major over out_h x out_w; a short last block repeats its last pixel,
 * computed but not written). A block's im2col rows are built first: per pixel one contiguous int16 row of
 * col_stride entries (8-byte aligned: col_stride is a multiple of 16), the K taps with the input offset added,
 * 0 for taps outside the image (TFLM skips them), 0 up to taps4, each group of 4 taps in the weights' order
 * 0 2 1 3 (micro.ops.conv_packed.pack_weights). Then two output channels at a time, each channel's record
 * (mn_conv_2d_packed_params_t.channels: bias, int16 weights, requantization) walked by one pointer: per group
 * of 4 taps, both channels' 4 int16 weights by unaligned 16-bit stream loads (a record is an odd number of
 * words: its weights may sit at any word), the 4 pixels' 4 taps by aligned 16-bit loads, and 8 quad
 * multiply-accumulates (AE_MULAAAAQ16: a group's 4 products summed, so the shared 0 2 1 3 order cancels)
 * into 8 64-bit accumulators: 6 loads and 8 MACs (32 multiply-adds) a group, the two load and two MAC slots
 * of a HiFi 4 bundle, plus one priming load per channel and block. The sums wrap to TFLM's int32, take the
 * bias, and requantize in the single-rounding form (mn_hifi4_rq_single, the record's {m, c, r - 1}); the 4
 * pixels of a channel are saturated, clamped and stored together (mn_hifi4_store4).
 * A block writes its pixels after all of its reads, blocks in ascending order, or descending when the
 * output overlaps the input from above (the contracts of micro/kernels/window.py).
 * Stack: 4 im2col rows (8 * col_stride bytes, at most 4.7 KB), sized by the layer. */
#include "mn_fixedpoint.h"
#include "mn_hifi4.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/conv_2d.py */

#define MN_HC_PIX 4 /* output pixels per block */

/* Row entry of tap k: each group of 4 taps in the order 0 2 1 3, as the weights. */
#define MN_HC_AT(k) (((k) & ~3) | (((k) & 1) << 1) | (((k) >> 1) & 1))

/* Output pixel q's im2col row: taps in the filter's [k_h][k_w][in_c] order (permuted within each group of 4,
 * MN_HC_AT), x + offset, 0 outside. */
static void mn_hc_im2col(const mn_conv_2d_packed_params_t *p, const int8_t *in_batch, int32_t q, int16_t *row)
{
    const int32_t in_h = p->win.in_h, in_w = p->win.in_w, in_c = p->win.in_c;
    const int32_t offset = p->input_offset;
    const int32_t oy = q / p->win.out_w, ox = q % p->win.out_w;
    const int32_t in_y0 = oy * p->win.stride_h - p->win.pad_h;
    const int32_t in_x0 = ox * p->win.stride_w - p->win.pad_w;
    int32_t fy, fx, c, k = 0;
    for (fy = 0; fy < p->win.k_h; ++fy) {
        const int32_t iy = in_y0 + fy * p->win.dil_h;
        for (fx = 0; fx < p->win.k_w; ++fx) {
            const int32_t ix = in_x0 + fx * p->win.dil_w;
            if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) {
                for (c = 0; c < in_c; ++c, ++k) {
                    row[MN_HC_AT(k)] = 0;
                }
            } else {
                const int8_t *src = in_batch + (iy * in_w + ix) * in_c;
                for (c = 0; c < in_c; ++c, ++k) {
                    row[MN_HC_AT(k)] = (int16_t)(src[c] + offset);
                }
            }
        }
    }
}

/* The low 32 bits of a 64-bit accumulator: TFLM's wrapping int32 sum of the products. */
static int32_t mn_hc_low32(ae_int64 acc)
{
    return AE_MOVAD32_L(AE_MOVINT32X2_FROMINT64(acc));
}

void mn_conv_2d_packed_int8(const mn_conv_2d_packed_params_t *p, const int8_t *input, int8_t *output)
{
    const int32_t out_c = p->win.out_c, groups = p->taps4 >> 2, stride = p->col_stride;
    const int32_t rec_words = 1 + (p->taps4 >> 1) + 4; /* a channel's record: bias, weights, requantization */
    const int32_t pixels = p->win.out_h * p->win.out_w;
    const int32_t in_batch_size = p->win.in_h * p->win.in_w * p->win.in_c;
    const int32_t n_blocks = (pixels + MN_HC_PIX - 1) / MN_HC_PIX;
    const ae_int16x4 lo = AE_MOVDA16(p->act_min), hi = AE_MOVDA16(p->act_max);
    const int32_t *const channels = p->channels;
    const uintptr_t in_lo = (uintptr_t)input, out_lo = (uintptr_t)output;
    const uintptr_t in_hi = in_lo + (uintptr_t)p->win.batches * in_batch_size;
    const uintptr_t out_hi = out_lo + (uintptr_t)p->win.batches * pixels * out_c;
    const int reverse = out_lo < in_hi && in_lo < out_hi && out_lo > in_lo;
    int64_t col64[MN_HC_PIX * p->col_stride / 4]; /* 8-byte aligned rows for AE_L16X4_IP */
    int16_t *const col = (int16_t *)col64;
    int32_t bi, qb, oc, i, k, g;

    /* Every entry 0 once: the padding taps [taps, taps4) (zero weights) sit among the last group's entries,
     * which the im2col rows' permutation interleaves with real taps; the real taps are rewritten per block. */
    for (k = 0; k < MN_HC_PIX * stride; ++k) {
        col[k] = 0;
    }
    for (bi = 0; bi < p->win.batches; ++bi) {
        const int32_t b = reverse ? p->win.batches - 1 - bi : bi;
        const int8_t *in_batch = input + b * in_batch_size;
        int8_t *out_batch = output + b * pixels * out_c;
        for (qb = 0; qb < n_blocks; ++qb) {
            const int32_t q0 = (reverse ? n_blocks - 1 - qb : qb) * MN_HC_PIX;
            const int32_t n_pix = MN_MIN(MN_HC_PIX, pixels - q0);
            int8_t *const o = out_batch + q0 * out_c;
            for (i = 0; i < MN_HC_PIX; ++i) {
                mn_hc_im2col(p, in_batch, q0 + MN_MIN(i, n_pix - 1), col + i * stride);
            }
            for (oc = 0; oc < out_c; oc += 2) {
                /* channels oc and oc + 1 (the last one alone when out_c is odd: its second row repeats) */
                const int32_t pair = oc + 1 < out_c;
                const int32_t *const ch0 = channels + oc * rec_words;
                const int32_t *const ch1 = pair ? ch0 + rec_words : ch0;
                const ae_int16x4 *pw0 = (const ae_int16x4 *)(const void *)(ch0 + 1);
                const ae_int16x4 *pw1 = (const ae_int16x4 *)(const void *)(ch1 + 1);
                ae_valign aw0 = AE_LA64_PP(pw0), aw1 = AE_LA64_PP(pw1);
                const ae_int16x4 *pc0 = (const ae_int16x4 *)col;
                const ae_int16x4 *pc1 = (const ae_int16x4 *)(col + stride);
                const ae_int16x4 *pc2 = (const ae_int16x4 *)(col + 2 * stride);
                const ae_int16x4 *pc3 = (const ae_int16x4 *)(col + 3 * stride);
                ae_int64 a00 = AE_ZERO64(), a01 = AE_ZERO64(), a02 = AE_ZERO64(), a03 = AE_ZERO64();
                ae_int64 a10 = AE_ZERO64(), a11 = AE_ZERO64(), a12 = AE_ZERO64(), a13 = AE_ZERO64();
                int32_t s[2][MN_HC_PIX];
                int32_t j;
                for (g = 0; g < groups; ++g) {
                    ae_int16x4 w0, w1, c0, c1, c2, c3;
                    AE_LA16X4_IP(w0, aw0, pw0);
                    AE_LA16X4_IP(w1, aw1, pw1);
                    AE_L16X4_IP(c0, pc0, 8);
                    AE_L16X4_IP(c1, pc1, 8);
                    AE_L16X4_IP(c2, pc2, 8);
                    AE_L16X4_IP(c3, pc3, 8);
                    AE_MULAAAAQ16(a00, c0, w0);
                    AE_MULAAAAQ16(a01, c1, w0);
                    AE_MULAAAAQ16(a02, c2, w0);
                    AE_MULAAAAQ16(a03, c3, w0);
                    AE_MULAAAAQ16(a10, c0, w1);
                    AE_MULAAAAQ16(a11, c1, w1);
                    AE_MULAAAAQ16(a12, c2, w1);
                    AE_MULAAAAQ16(a13, c3, w1);
                }
                s[0][0] = mn_hc_low32(a00);
                s[0][1] = mn_hc_low32(a01);
                s[0][2] = mn_hc_low32(a02);
                s[0][3] = mn_hc_low32(a03);
                s[1][0] = mn_hc_low32(a10);
                s[1][1] = mn_hc_low32(a11);
                s[1][2] = mn_hc_low32(a12);
                s[1][3] = mn_hc_low32(a13);
                for (j = 0; j <= pair; ++j) {
                    const int32_t c = oc + j;
                    const int32_t *const rec = j ? ch1 : ch0;
                    const int32_t *const r = rec + rec_words - 4;
                    const uint32_t b0 = (uint32_t)rec[0]; /* TFLM's int32 sum wraps */
                    mn_hifi4_store4(mn_hifi4_rq_single((int32_t)((uint32_t)s[j][0] + b0), r),
                                    mn_hifi4_rq_single((int32_t)((uint32_t)s[j][1] + b0), r),
                                    mn_hifi4_rq_single((int32_t)((uint32_t)s[j][2] + b0), r),
                                    mn_hifi4_rq_single((int32_t)((uint32_t)s[j][3] + b0), r), lo, hi, o + c, out_c,
                                    n_pix);
                }
            }
        }
    }
}
