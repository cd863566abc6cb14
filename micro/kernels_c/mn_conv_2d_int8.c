/* CONV_2D int8 kernel (bit-exact with TFLM reference_integer_ops::ConvPerChannel).
 *
 * Per block of MN_CONV_PIX consecutive output pixels (row-major over out_h x out_w, so a
 * block may span output rows) and MN_CONV_OCB output channels: the K = k_h * k_w *
 * filter_in_c taps are taken in chunks of at most MN_CONV_KC; each chunk is im2col'ed into
 * int16 rows with the input offset already added (taps outside the image are 0, which is
 * exactly TFLM's "skip the tap"), zero-padded to a multiple of 16 (4 with the Arm DSP
 * extension, see below), then plain int16 x int8 dot
 * products over it for MN_CONV_PIX pixels x 2 output channels at a time, a loop shape
 * compilers turn into multiply-add SIMD (pmaddwd on x86-64 SSE2). Filter rows are read in
 * whole padded chunks: the extra bytes belong to the next row and meet zero taps; the last
 * rows, where that read would run past the filter, are copied zero-padded first.
 * The int32 sums (+ bias) of the block are then requantized a pixel's channel chunk at a
 * time (TFLM's MultiplyByQuantizedMultiplier, double rounding: mn_conv_requant_row).
 * Output pixels are written in raster order, a block after all of its reads, so the output
 * may overlap the input as micro.geometry.raster_gap allows (contracts: micro/kernels/window.py). An output
 * that overlaps the input from above (output > input) gets the mirrored order instead:
 * batches, then blocks of pixels in descending order (reverse contract, micro/kernels/window.py).
 * Overlapping blocks that would re-read their windows after requantizing some outputs (groups,
 * or several tap chunks and channel chunks) keep their results in the col buffer until the
 * block's last read (the tap chunks shrink to make room).
 * Buffers live on the stack (no arena scratch): MN_CONV_PIX * MN_CONV_KC int16 +
 * MN_CONV_PIX * MN_CONV_OCB int32 + MN_CONV_OCB uint32 + MN_CONV_TAIL bytes = 2.4 KB. */
#include <string.h>

#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/conv_2d.py */

/* Arm DSP extension (Cortex-M4/M7/M33...): the dot products use SMLAD (two 16 x 16 products
 * plus an accumulator; its sum wraps exactly like the int32 additions of the portable loop, so
 * the results are identical). An int8 filter word [w0 w1 w2 w3] unpacks with SXTB16 into the
 * halfword pairs [w0 w2] and [w1 w3], so each im2col row is stored with the middle two taps
 * of every group of 4 swapped ([c0 c2 c1 c3], mn_conv_widen_dsp) to meet them. */
#include "mn_dsp.h"
#if defined(__ARM_FEATURE_DSP)
#define MN_CONV_DSP 1
#endif

#define MN_CONV_PIX 4 /* output pixels per im2col block */
#if defined(MN_CONV_DSP)
#define MN_CONV_KALIGN 4 /* the SMLAD loop takes 4 taps a step: less zero padding */
#else
#define MN_CONV_KALIGN 16
#endif
#define MN_CONV_OCB 32 /* output channels per requantization chunk */
#define MN_CONV_KC 192 /* taps per im2col chunk (multiple of MN_CONV_KALIGN) */
#define MN_CONV_TAIL 256 /* >= the largest zero-padded filter tail: 15 x 16 or 1 x MN_CONV_KC */


/* One output pixel's row of n channels from c0: see mn_requant_row_int8 (mn_fixedpoint.h). */
static void mn_conv_requant_row(const int32_t *MN_RESTRICT acc, const mn_conv_2d_params_t *p,
                                int32_t c0, int32_t n,
                                uint32_t *MN_RESTRICT tmp, int8_t *MN_RESTRICT out)
{
    mn_requant_row_int8(acc, p->rq.mult + c0, p->rq.shift + c0, p->rq.rq_round ? p->rq.rq_round + c0 : 0,
                        p->rq.rq_scale ? p->rq.rq_scale + c0 : 0, p->rq.output_offset, p->rq.act_min, p->rq.act_max,
                        n, tmp, out);
}

#if defined(MN_CONV_DSP)
#if defined(__GNUC__) && defined(__OPTIMIZE__)
#define MN_CONV_DSP_ASM 1 /* mn_conv_dot2x2's loop in inline assembly */
#endif

/* s[2 * i + j] += dot(row ci, filter row wj), i, j in {0, 1}, over kp (a multiple of 4) taps,
 * rows permuted by mn_conv_widen_dsp: per 4 taps, one filter word per channel unpacked into
 * [w0 w2] and [w1 w3], against the pixel's halfword pairs [c0 c2] and [c1 c3]. Two pixels x
 * two channels keep every operand in registers. */
static void mn_conv_dot2x2(const int16_t *c0, const int16_t *c1, const int8_t *w0,
                           const int8_t *w1, int32_t kp, int32_t *s)
{
    int32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0;
#if defined(MN_CONV_DSP_ASM)
    /* The same instructions as the intrinsics below, register-allocated by hand (gcc spills
     * in that loop). */
    const int16_t *const end = c0 + kp;
    while (c0 < end) {
        uint32_t a, b, x, y, t;
        __asm__("ldr %[a], [%[w0]], #4\n\t"
                "ldr %[b], [%[w1]], #4\n\t"
                "ldr %[x], [%[c0]], #4\n\t"
                "ldr %[y], [%[c1]], #4\n\t"
                "sxtb16 %[t], %[a]\n\t"
                "smlad %[s00], %[x], %[t], %[s00]\n\t"
                "smlad %[s10], %[y], %[t], %[s10]\n\t"
                "sxtb16 %[t], %[b]\n\t"
                "smlad %[s01], %[x], %[t], %[s01]\n\t"
                "smlad %[s11], %[y], %[t], %[s11]\n\t"
                "ldr %[x], [%[c0]], #4\n\t"
                "ldr %[y], [%[c1]], #4\n\t"
                "sxtb16 %[a], %[a], ror #8\n\t"
                "smlad %[s00], %[x], %[a], %[s00]\n\t"
                "smlad %[s10], %[y], %[a], %[s10]\n\t"
                "sxtb16 %[b], %[b], ror #8\n\t"
                "smlad %[s01], %[x], %[b], %[s01]\n\t"
                "smlad %[s11], %[y], %[b], %[s11]"
                : [a] "=&r"(a), [b] "=&r"(b), [x] "=&r"(x), [y] "=&r"(y), [t] "=&r"(t),
                  [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10), [s11] "+r"(s11),
                  [c0] "+r"(c0), [c1] "+r"(c1), [w0] "+r"(w0), [w1] "+r"(w1)
                :
                : "memory");
    }
#else
    int32_t n = kp >> 2;
    while (n-- > 0) {
        const uint32_t a = mn_ld32(w0);
        const uint32_t b = mn_ld32(w1);
        int16x2_t x0 = (int16x2_t)mn_ld32(c0);
        int16x2_t x1 = (int16x2_t)mn_ld32(c1);
        int16x2_t wa = __sxtb16((int8x4_t)a);
        int16x2_t wb = __sxtb16((int8x4_t)b);
        s00 = __smlad(x0, wa, s00);
        s01 = __smlad(x0, wb, s01);
        s10 = __smlad(x1, wa, s10);
        s11 = __smlad(x1, wb, s11);
        x0 = (int16x2_t)mn_ld32(c0 + 2);
        x1 = (int16x2_t)mn_ld32(c1 + 2);
        wa = mn_sxtb16_ror8(a);
        wb = mn_sxtb16_ror8(b);
        s00 = __smlad(x0, wa, s00);
        s01 = __smlad(x0, wb, s01);
        s10 = __smlad(x1, wa, s10);
        s11 = __smlad(x1, wb, s11);
        c0 += 4;
        c1 += 4;
        w0 += 4;
        w1 += 4;
    }
#endif
    s[0] = s00;
    s[1] = s01;
    s[2] = s10;
    s[3] = s11;
}

/* Same sums as the portable mn_conv_dot4x2 below (kp a multiple of 4). */
static void mn_conv_dot4x2(const int16_t *c0, const int16_t *c1, const int16_t *c2,
                           const int16_t *c3, const int8_t *w0, const int8_t *w1, int32_t kp,
                           int32_t *out)
{
    mn_conv_dot2x2(c0, c1, w0, w1, kp, out);
    mn_conv_dot2x2(c2, c3, w0, w1, kp, out + 4);
}

/* Row entry of tap i: the middle two taps of every group of 4 swapped ([c0 c2 c1 c3]). */
static int32_t mn_conv_dsp_pos(int32_t i)
{
    return (i & ~3) | ((i & 1) << 1) | ((i >> 1) & 1);
}

/* row[mn_conv_dsp_pos(pos + i)] = src[i] + offset for n int8 values, or 0 when src is NULL:
 * whole groups of 4 as one word of input bytes [x0 x1 x2 x3] -> [x0 x2] and [x1 x3] plus the
 * offset (SXTAB16; |x + offset| <= 255, exact in int16 halves), the ends one tap at a time. */
static void mn_conv_widen_dsp(int16_t *row, int32_t pos, const int8_t *src, int32_t n,
                              int32_t offset)
{
    const int16x2_t off2 = (int16x2_t)((uint32_t)(uint16_t)offset * 0x00010001u);
    const int32_t end = pos + n;
    for (; pos < end && (pos & 3) != 0; ++pos) {
        row[mn_conv_dsp_pos(pos)] = (int16_t)(src ? *src++ + offset : 0);
    }
    if (!src) {
        const int32_t n4 = (end - pos) & ~3;
        memset(row + pos, 0, (size_t)n4 * sizeof *row);
        pos += n4;
    } else {
        for (; pos + 4 <= end; pos += 4, src += 4) {
            const uint32_t x = mn_ld32(src);
            const uint32_t lo = (uint32_t)__sxtab16(off2, (int8x4_t)x);
            const uint32_t hi = (uint32_t)mn_sxtab16_ror8(off2, x);
            memcpy(row + pos, &lo, sizeof lo);
            memcpy(row + pos + 2, &hi, sizeof hi);
        }
    }
    for (; pos < end; ++pos) {
        row[mn_conv_dsp_pos(pos)] = (int16_t)(src ? *src++ + offset : 0);
    }
}
#else
/* Dot products of MN_CONV_PIX int16 rows with two int8 filter rows over kp taps. */
static void mn_conv_dot4x2(const int16_t *c0, const int16_t *c1, const int16_t *c2,
                           const int16_t *c3, const int8_t *w0, const int8_t *w1, int32_t kp,
                           int32_t *out)
{
    int32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
    int32_t k;
    for (k = 0; k < kp; ++k) {
        const int32_t b0 = w0[k];
        const int32_t b1 = w1[k];
        s00 += c0[k] * b0;
        s01 += c0[k] * b1;
        s10 += c1[k] * b0;
        s11 += c1[k] * b1;
        s20 += c2[k] * b0;
        s21 += c2[k] * b1;
        s30 += c3[k] * b0;
        s31 += c3[k] * b1;
    }
    out[0] = s00;
    out[1] = s01;
    out[2] = s10;
    out[3] = s11;
    out[4] = s20;
    out[5] = s21;
    out[6] = s30;
    out[7] = s31;
}
#endif

#if !defined(MN_CONV_DSP)
static void mn_conv_fill_zero(int16_t *d, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        d[i] = 0;
    }
}
#endif

#if !defined(MN_CONV_DSP)
/* d[i] = src[i] + offset for n int8 values. */
static void mn_conv_widen(int16_t *d, const int8_t *src, int32_t n, int32_t offset)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        d[i] = (int16_t)(src[i] + offset);
    }
}
#endif

/* Taps [lo, hi) of the full im2col row, clipped to the chunk [k0, k1) and written at
 * col[k - k0]: widened from src (src[0] is tap lo), or zeros when src is NULL. */
static void mn_conv_segment(int16_t *col, int32_t k0, int32_t k1, int32_t lo, int32_t hi,
                            const int8_t *src, int32_t offset)
{
    const int32_t a = MN_MAX(lo, k0);
    const int32_t b = MN_MIN(hi, k1);
    if (a >= b) {
        return;
    }
#if defined(MN_CONV_DSP)
    mn_conv_widen_dsp(col, a - k0, src ? src + (a - lo) : 0, b - a, offset);
#else
    if (src) {
        mn_conv_widen(col + (a - k0), src + (a - lo), b - a, offset);
    } else {
        mn_conv_fill_zero(col + (a - k0), b - a);
    }
#endif
}

/* Taps [k0, k1) of output pixel (oy, ox)'s im2col row (input channels [ch0, ch0 + fic)),
 * zero-padded to kcp entries. */
static void mn_conv_im2col(const mn_conv_2d_params_t *p, const int8_t *in_batch, int32_t oy,
                           int32_t ox, int32_t ch0, int32_t k0, int32_t k1, int16_t *col,
                           int32_t kcp)
{
    const int32_t in_h = p->win.in_h, in_w = p->win.in_w, in_c = p->win.in_c, fic = p->filter_in_c;
    const int32_t k_h = p->win.k_h, k_w = p->win.k_w, dil_h = p->win.dil_h, dil_w = p->win.dil_w;
    const int32_t offset = p->rq.input_offset;
    const int32_t in_y0 = oy * p->win.stride_h - p->win.pad_h;
    const int32_t in_x0 = ox * p->win.stride_w - p->win.pad_w;
    const int32_t row_len = k_w * fic;
    int32_t fx0 = 0, fx1 = k_w, fy, fx;
    /* Taps [fx0, fx1) along x fall inside the image (same for every tap row). */
    if (in_x0 < 0) {
        fx0 = MN_MIN((dil_w - 1 - in_x0) / dil_w, k_w);
    }
    if (in_x0 + (k_w - 1) * dil_w >= in_w) {
        fx1 = in_w > in_x0 ? (in_w - in_x0 + dil_w - 1) / dil_w : 0;
    }
    if (fx1 < fx0) {
        fx1 = fx0;
    }
    for (fy = k0 / row_len; fy < k_h && fy * row_len < k1; ++fy) {
        const int32_t iy = in_y0 + fy * dil_h;
        const int32_t r0 = fy * row_len;
        if (iy < 0 || iy >= in_h) {
            mn_conv_segment(col, k0, k1, r0, r0 + row_len, 0, offset);
        } else {
            const int8_t *src = in_batch + (iy * in_w) * in_c + ch0;
            mn_conv_segment(col, k0, k1, r0, r0 + fx0 * fic, 0, offset);
            if (dil_w == 1 && fic == in_c) {
                /* Taps fx0..fx1-1 are contiguous in the input row. */
                mn_conv_segment(col, k0, k1, r0 + fx0 * fic, r0 + fx1 * fic,
                                src + (in_x0 + fx0) * in_c, offset);
            } else {
                for (fx = fx0; fx < fx1; ++fx) {
                    mn_conv_segment(col, k0, k1, r0 + fx * fic, r0 + (fx + 1) * fic,
                                    src + (in_x0 + fx * dil_w) * in_c, offset);
                }
            }
            mn_conv_segment(col, k0, k1, r0 + fx1 * fic, r0 + row_len, 0, offset);
        }
    }
#if defined(MN_CONV_DSP)
    mn_conv_widen_dsp(col, k1 - k0, 0, kcp - (k1 - k0), 0);
#else
    mn_conv_fill_zero(col + (k1 - k0), kcp - (k1 - k0));
#endif
}

void mn_conv_2d_int8(const mn_conv_2d_params_t *p, const int8_t *input, const int8_t *filter,
                     const int32_t *bias, int8_t *output)
{
    /* Local copies: int8 output stores may alias *p as far as the compiler knows. */
    const int32_t in_c = p->win.in_c, out_w = p->win.out_w, out_c = p->win.out_c, fic = p->filter_in_c;
    const int32_t groups = in_c / fic;
    const int32_t per_group = out_c / groups;
    const int32_t kk = p->win.k_h * p->win.k_w * fic;
    const int32_t pixels = p->win.out_h * out_w;
    const int32_t in_batch_size = p->win.in_h * p->win.in_w * in_c;
    /* Output overlapping the input (in-place planning): pixels in ascending blocks, or in
     * descending blocks when the output starts after the input (reverse contract). A block
     * re-reads its input windows after requantizing some of its outputs when groups > 1 or
     * with several tap chunks and channel chunks (`rereads`): overlapping outputs then go to a
     * stage at the end of col (tap chunks shortened to make room for MN_CONV_PIX * out_c
     * bytes), copied out after the block's last read; without room (out_c > 352),
     * single-pixel blocks, which re-read only the written pixel's own window. */
    const uintptr_t in_lo = (uintptr_t)input, out_lo = (uintptr_t)output;
    const uintptr_t in_hi = in_lo + (uintptr_t)p->win.batches * in_batch_size;
    const uintptr_t out_hi = out_lo + (uintptr_t)p->win.batches * pixels * out_c;
    const int overlap = out_lo < in_hi && in_lo < out_hi;
#ifdef MN_NO_REVERSE_OVERLAP /* tests only: proves the reverse order is needed */
    const int reverse = 0;
#else
    const int reverse = overlap && out_lo > in_lo;
#endif
    const int rereads = overlap && (groups > 1 || (kk > MN_CONV_KC && per_group > MN_CONV_OCB));
    const int32_t kc_stage = (MN_CONV_PIX * MN_CONV_KC * 2 - MN_CONV_PIX * out_c) /
                             (2 * MN_CONV_PIX) / MN_CONV_KALIGN * MN_CONV_KALIGN;
    const int staged = rereads && kc_stage >= MN_CONV_KALIGN;
    const int32_t kc = staged ? kc_stage : MN_CONV_KC;
    /* Taps in n_chunks chunks of `chunk` (a multiple of MN_CONV_KALIGN, <= kc; the last may be
     * shorter); each chunk is zero-padded to a multiple of MN_CONV_KALIGN. */
    const int32_t n_chunks = (kk + kc - 1) / kc;
    const int32_t chunk = ((kk + n_chunks - 1) / n_chunks + MN_CONV_KALIGN - 1) / MN_CONV_KALIGN *
                          MN_CONV_KALIGN;
    const int32_t pix_block = rereads && !staged ? 1 : MN_CONV_PIX;
    const int32_t n_blocks = (pixels + pix_block - 1) / pix_block;
    int16_t col[MN_CONV_PIX * MN_CONV_KC];
    /* Staged results: MN_CONV_PIX * out_c bytes past the im2col rows (only when staged). */
    int8_t *const stage = (int8_t *)(col + MN_CONV_PIX * chunk);
    int32_t acc[MN_CONV_PIX * MN_CONV_OCB];
    uint32_t tmp[MN_CONV_OCB];
    int8_t tail[MN_CONV_TAIL];
    int32_t bi, qb, g, oc, ocb, i, j, k0;

    for (bi = 0; bi < p->win.batches; ++bi) {
        const int32_t b = reverse ? p->win.batches - 1 - bi : bi;
        const int8_t *in_batch = input + b * in_batch_size;
        int8_t *out_batch = output + b * pixels * out_c;
        for (qb = 0; qb < n_blocks; ++qb) {
            const int32_t q0 = (reverse ? n_blocks - 1 - qb : qb) * pix_block;
            const int32_t n_pix = MN_MIN(pix_block, pixels - q0);
            for (g = 0; g < groups; ++g) {
                const int32_t oc_end = (g + 1) * per_group;
                /* Output channels in chunks of MN_CONV_OCB: sums (+ bias), then requantize. */
                for (ocb = g * per_group; ocb < oc_end; ocb += MN_CONV_OCB) {
                    const int32_t n_oc = MN_MIN(MN_CONV_OCB, oc_end - ocb);
                    for (k0 = 0; k0 < kk; k0 += chunk) {
                        const int32_t k1 = MN_MIN(k0 + chunk, kk);
                        const int32_t kcp = (k1 - k0 + MN_CONV_KALIGN - 1) / MN_CONV_KALIGN * MN_CONV_KALIGN;
                        /* Filter rows from first_tail on would be read past the filter's end
                         * (only in the last chunk): their taps are copied, zero-padded. */
                        const int32_t n_tail = MN_MIN(out_c, (kcp - (k1 - k0) + kk - 1) / kk);
                        const int32_t first_tail = out_c - n_tail;
                        /* Missing pixels of a short last block reuse the last row. */
                        const int16_t *c0 = col;
                        const int16_t *c1 = col + MN_MIN(1, n_pix - 1) * kcp;
                        const int16_t *c2 = col + MN_MIN(2, n_pix - 1) * kcp;
                        const int16_t *c3 = col + MN_MIN(3, n_pix - 1) * kcp;
                        /* With a single chunk, col and tail serve every channel chunk. */
                        if (n_chunks > 1 || ocb == g * per_group) {
                            for (i = 0; i < n_pix; ++i) {
                                const int32_t q = q0 + i;
                                mn_conv_im2col(p, in_batch, q / out_w, q % out_w, g * fic, k0, k1,
                                               col + i * kcp, kcp);
                            }
                            for (i = 0; i < n_tail; ++i) {
                                const int8_t *src = filter + (first_tail + i) * kk + k0;
                                for (j = 0; j < kcp; ++j) {
                                    tail[i * kcp + j] = (int8_t)(j < k1 - k0 ? src[j] : 0);
                                }
                            }
                        }
                        for (oc = ocb; oc + 1 < ocb + n_oc; oc += 2) {
                            const int8_t *w0 = oc < first_tail ? filter + oc * kk + k0
                                                               : tail + (oc - first_tail) * kcp;
                            const int8_t *w1 = oc + 1 < first_tail ? filter + (oc + 1) * kk + k0
                                                                   : tail + (oc + 1 - first_tail) * kcp;
                            int32_t *a = acc + (oc - ocb);
                            int32_t sums[2 * MN_CONV_PIX];
                            mn_conv_dot4x2(c0, c1, c2, c3, w0, w1, kcp, sums);
                            if (k0 == 0) { /* first chunk: sums + bias */
                                const int32_t b0 = bias ? bias[oc] : 0;
                                const int32_t b1 = bias ? bias[oc + 1] : 0;
                                for (i = 0; i < MN_CONV_PIX; ++i) {
                                    a[i * MN_CONV_OCB] = sums[2 * i] + b0;
                                    a[i * MN_CONV_OCB + 1] = sums[2 * i + 1] + b1;
                                }
                            } else {
                                for (i = 0; i < MN_CONV_PIX; ++i) {
                                    a[i * MN_CONV_OCB] += sums[2 * i];
                                    a[i * MN_CONV_OCB + 1] += sums[2 * i + 1];
                                }
                            }
                        }
                        if (oc < ocb + n_oc) { /* odd last channel: computed twice, added once */
                            const int8_t *w0 = oc < first_tail ? filter + oc * kk + k0
                                                               : tail + (oc - first_tail) * kcp;
                            int32_t *a = acc + (oc - ocb);
                            int32_t sums[2 * MN_CONV_PIX];
                            mn_conv_dot4x2(c0, c1, c2, c3, w0, w0, kcp, sums);
                            for (i = 0; i < MN_CONV_PIX; ++i) {
                                a[i * MN_CONV_OCB] = (k0 == 0 ? (bias ? bias[oc] : 0) : a[i * MN_CONV_OCB]) +
                                                     sums[2 * i];
                            }
                        }
                    }
                    for (i = 0; i < n_pix; ++i) {
                        mn_conv_requant_row(acc + i * MN_CONV_OCB, p, ocb, n_oc, tmp,
                                            (staged ? stage : out_batch + q0 * out_c) +
                                                i * out_c + ocb);
                    }
                }
            }
            if (staged) { /* after the block's last read */
                memcpy(out_batch + q0 * out_c, stage, (size_t)(n_pix * out_c));
            }
        }
    }
}
