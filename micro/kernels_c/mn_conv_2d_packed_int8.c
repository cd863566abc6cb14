/* CONV_2D int8 kernel on compile-time packed weights (bit-exact with TFLM
 * reference_integer_ops::ConvPerChannel, groups = 1; DEPTHWISE_CONV_2D with one input channel is lowered
 * to it too, see micro/ops/conv_packed.py).
 *
 * Output pixels in blocks of 4 consecutive pixels (row-major over out_h x out_w): the block's im2col
 * rows (all K taps, int16, input offset added; taps outside the image are 0, which is exactly TFLM's
 * "skip the tap") are built first; on the Arm DSP path interleaved by groups of 4 taps (per group, the 4
 * pixels' words [c0 c2], then their words [c1 c3]), in the portable C one contiguous row per pixel. Then every output channel runs one 4-pixel dot product over them
 * and requantizes its 4 sums at once. Weights: int16 [out_c][taps4] (rows zero padded to a multiple of 4,
 * micro.ops.conv_packed.pack_weights), a group of 4 taps as the words [w0 w2] [w1 w3], meeting the pixels'
 * words. Requantization: TFLM's MultiplyByQuantizedMultiplier in its
 * single-rounding form with the output zero point folded in (constants from
 * micro.ops.conv_packed.single_rounding_requant: one 32 x 32 -> 64 multiply-add, one shift).
 * A block writes its pixels after all of its reads, in ascending block order, or descending when the
 * output overlaps the input from above (the contracts of micro/kernels/window.py).
 * Stack: the 4 im2col rows, 4 x col_stride int16, and one window's taps: sized by the layer (col_stride
 * = taps4 rounded up to 16, at most 576 + 16), 720 B for a 10x8 window. */
#include <string.h>

#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/conv_2d.py */
#include "mn_requant.h"

/* Arm DSP extension (Cortex-M4/M7/M33...): the dot products run on SMLAD (two 16 x 16 products plus
 * the accumulator, wrapping exactly like the portable int32 sums). */
#include "mn_dsp.h"
#if defined(__ARM_FEATURE_DSP)
#define MN_CP_DSP 1
#endif

#define MN_CP_PIX 4    /* output pixels per block */
#define MN_CP_ROUND16(n) (((n) + 15) & ~15)

#if defined(MN_CP_DSP)
/* Row entry of pixel i's tap k: group k / 4 holds 16 int16, taps 0 and 2 of the group in the
 * pixels' first words, taps 1 and 3 in their second words; a pixel's next group is 16 entries on. */
#define MN_CP_AT(k, i) (((k) & ~3) * 4 + ((k) & 1) * 8 + (i) * 2 + (((k) >> 1) & 1))
#define MN_CP_GSTEP 16
#else
/* Portable: one contiguous row of `stride` entries per pixel, each group of 4 taps in the weights' order
 * 0 2 1 3 (micro.ops.conv_packed.pack_weights), so that a dot product is one contiguous int16 x int16 loop
 * that compilers vectorize. */
#define MN_CP_AT(k, i) ((i) * stride + ((k) & ~3) + (((k) & 1) << 1) + (((k) >> 1) & 1))
#define MN_CP_GSTEP 4
#endif

#if defined(__GNUC__)
#define MN_CP_INLINE __attribute__((always_inline)) inline /* called per tap row: no call overhead */
#define MN_CP_NOINLINE __attribute__((noinline))
#else
#define MN_CP_INLINE inline
#define MN_CP_NOINLINE
#endif

/* n bytes (a multiple of 4) at src plus the offset into block pixel i's row from its group g on: words
 * [x0 x2] [x1 x3] (SXTAB16) on the DSP path, the int16 x0 x2 x1 x3 otherwise. */
static MN_CP_INLINE void mn_cp_widen(int16_t *col, int32_t stride, int32_t i, int32_t g, const int8_t *src, int32_t n,
                                     int32_t offset)
{
    int16_t *d = col + MN_CP_AT(g * 4, i);
    const int8_t *const end = src + n;
    (void)stride; /* the DSP layout interleaves the pixels: no row stride */
#if defined(MN_CP_DSP)
    {
        const int16x2_t off2 = (int16x2_t)((uint32_t)(uint16_t)offset * 0x00010001u);
        for (; src < end; src += 4, d += 16) {
            const uint32_t w = mn_ld32(src);
            const uint32_t even = (uint32_t)__sxtab16(off2, (int8x4_t)w);
            const uint32_t odd = (uint32_t)mn_sxtab16_ror8(off2, w);
            memcpy(d, &even, sizeof even);
            memcpy(d + 8, &odd, sizeof odd);
        }
    }
#else
    for (; src < end; src += 4, d += 4) {
        d[0] = (int16_t)(src[0] + offset);
        d[1] = (int16_t)(src[2] + offset);
        d[2] = (int16_t)(src[1] + offset);
        d[3] = (int16_t)(src[3] + offset);
    }
#endif
}

/* Block pixel i's row from a window inside the image whose first byte is src: tap k at src[off[k]], plus
 * the offset, a group of 4 taps at a time. */
static MN_CP_INLINE void mn_cp_gather(int16_t *col, int32_t stride, int32_t i, const int8_t *src, const int32_t *off,
                                      int32_t taps, int32_t offset)
{
    int16_t *d = col + MN_CP_AT(0, i);
    int32_t k;
    (void)stride; /* the DSP layout interleaves the pixels: no row stride */
    for (k = 0; k + 4 <= taps; k += 4, d += MN_CP_GSTEP) {
        d[MN_CP_AT(0, 0)] = (int16_t)(src[off[k]] + offset);
        d[MN_CP_AT(1, 0)] = (int16_t)(src[off[k + 1]] + offset);
        d[MN_CP_AT(2, 0)] = (int16_t)(src[off[k + 2]] + offset);
        d[MN_CP_AT(3, 0)] = (int16_t)(src[off[k + 3]] + offset);
    }
    for (; k < taps; ++k) {
        col[MN_CP_AT(k, i)] = (int16_t)(src[off[k]] + offset);
    }
}

/* Taps [k, k + n) of pixel i's im2col row: src[j] + offset, or 0 when src is NULL. */
static MN_CP_NOINLINE void mn_cp_put(int16_t *col, int32_t stride, int32_t i, int32_t k, const int8_t *src, int32_t n,
                                   int32_t offset)
{
    const int32_t end = k + n;
    (void)stride; /* the DSP layout interleaves the pixels: no row stride */
    if (n <= 0) {
        return;
    }
    for (; k < end && (k & 3) != 0; ++k) {
        col[MN_CP_AT(k, i)] = (int16_t)(src ? *src++ + offset : 0);
    }
    if (k + 4 <= end) { /* whole groups (DSP: the pixel's two words of group k / 4 at d and d + 8) */
        int16_t *d = col + MN_CP_AT(k, i);
        const int32_t k_end = k + ((end - k) & ~3);
        if (!src) {
            for (; k < k_end; k += 4, d += MN_CP_GSTEP) {
                d[0] = d[1] = d[MN_CP_GSTEP / 2] = d[MN_CP_GSTEP / 2 + 1] = 0;
            }
        } else {
            mn_cp_widen(col, stride, i, k >> 2, src, k_end - k, offset);
            src += k_end - k;
            k = k_end;
        }
    }
    for (; k < end; ++k) {
        col[MN_CP_AT(k, i)] = (int16_t)(src ? *src++ + offset : 0);
    }
}

/* Output pixel q's im2col row as pixel i of the block (taps in the filter's [k_h][k_w][in_c] order), for a
 * window at the image's edge or one whose rows are whole groups of 4 taps (the caller gathers the windows
 * inside the image whose rows are not: mn_cp_gather). */
static void mn_cp_im2col(const mn_conv_2d_packed_params_t *p, const int8_t *in_batch, int32_t q,
                         int16_t *col, int32_t i, int8_t *win)
{
    const int32_t stride = p->col_stride;
    (void)stride; /* the DSP layout interleaves the pixels: no row stride */
    const int32_t in_h = p->win.in_h, in_w = p->win.in_w, in_c = p->win.in_c;
    const int32_t k_h = p->win.k_h, k_w = p->win.k_w, dil_h = p->win.dil_h, dil_w = p->win.dil_w;
    const int32_t offset = p->input_offset;
    const int32_t oy = q / p->win.out_w, ox = q % p->win.out_w;
    const int32_t in_y0 = oy * p->win.stride_h - p->win.pad_h;
    const int32_t in_x0 = ox * p->win.stride_w - p->win.pad_w;
    const int32_t row_len = k_w * in_c;
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
    if (dil_w == 1 && fx0 == 0 && fx1 == k_w && (row_len & 3) == 0 && in_y0 >= 0 &&
        in_y0 + (k_h - 1) * dil_h < in_h) {
        /* Window inside the image, rows of whole groups: each tap row is row_len contiguous bytes,
         * widened a group at a time without the per-segment bookkeeping below. */
        const int32_t step = dil_h * in_w * in_c;
        const int8_t *src = in_batch + (in_y0 * in_w + in_x0) * in_c;
        for (fy = 0; fy < k_h; ++fy, src += step) {
            mn_cp_widen(col, stride, i, fy * (row_len >> 2), src, row_len, offset);
        }
        return;
    }
    {
        /* A window at the image's edge: its taps copied in order into `win`, the input zero point for
         * those outside the image (x + offset = 0, as TFLM's skipped taps), then widened in one run. */
        const int8_t zp = (int8_t)(-offset);
        for (fy = 0; fy < k_h; ++fy) {
            const int32_t iy = in_y0 + fy * dil_h;
            int8_t *const d = win + fy * row_len;
            if (iy < 0 || iy >= in_h) {
                memset(d, zp, (size_t)row_len);
                continue;
            }
            {
                const int8_t *src = in_batch + iy * in_w * in_c;
                memset(d, zp, (size_t)(fx0 * in_c));
                if (dil_w == 1) { /* taps fx0..fx1-1 are contiguous in the input row */
                    memcpy(d + fx0 * in_c, src + (in_x0 + fx0) * in_c, (size_t)((fx1 - fx0) * in_c));
                } else {
                    for (fx = fx0; fx < fx1; ++fx) {
                        memcpy(d + fx * in_c, src + (in_x0 + fx * dil_w) * in_c, (size_t)in_c);
                    }
                }
                memset(d + fx1 * in_c, zp, (size_t)((k_w - fx1) * in_c));
            }
        }
        mn_cp_put(col, stride, i, 0, win, k_h * row_len, offset);
    }
}

/* The weight words read as int16 by the portable dot products (GCC and Clang: declared as aliasing any type,
 * since the words are int32_t objects). */
#if defined(__GNUC__)
typedef int16_t __attribute__((may_alias)) mn_cp_i16;
#else
typedef int16_t mn_cp_i16;
#endif

/* s[i] += dot product of block pixel i's row with the weight row at *wp (int16, 2 words a group of 4 taps:
 * [w0 w2] [w1 w3]) over `groups` groups of 4 taps; advances *wp past the row. */
static MN_CP_INLINE void mn_cp_dot(const int16_t *c, int32_t stride, const int32_t **wp, int32_t groups, int32_t *s)
{
    const int32_t *w = *wp;
    (void)stride; /* the DSP layout interleaves the pixels: no row stride */
    int32_t s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
#if defined(MN_CP_DSP) && defined(__GNUC__) && defined(__OPTIMIZE__)
    /* Inline assembly: per group one LDM of the 4 pixels' [c0 c2] words (r8-r11, pinned so that LDM can
     * name them), one LDRD of the weight words [w0 w2] [w1 w3], 4 SMLAD; then the pixels' [c1 c3] words,
     * 4 SMLAD: 11 instructions for 16 multiply-adds. */
    register uint32_t x0 __asm__("r8");
    register uint32_t x1 __asm__("r9");
    register uint32_t x2 __asm__("r10");
    register uint32_t x3 __asm__("r11");
    const int16_t *const end4 = c + (groups & ~3) * 16;
    uint32_t u, t;
#define MN_CP_GROUP                                                      \
    "ldmia %[c]!, {r8, r9, r10, r11}\n\t"                                \
    "ldrd %[u], %[t], [%[w]], #8\n\t"                                    \
    "smlad %[s0], r8, %[u], %[s0]\n\t"                                   \
    "smlad %[s1], r9, %[u], %[s1]\n\t"                                   \
    "smlad %[s2], r10, %[u], %[s2]\n\t"                                  \
    "smlad %[s3], r11, %[u], %[s3]\n\t"                                  \
    "ldmia %[c]!, {r8, r9, r10, r11}\n\t"                                \
    "smlad %[s0], r8, %[t], %[s0]\n\t"                                   \
    "smlad %[s1], r9, %[t], %[s1]\n\t"                                   \
    "smlad %[s2], r10, %[t], %[s2]\n\t"                                  \
    "smlad %[s3], r11, %[t], %[s3]\n\t"
#define MN_CP_OPERANDS                                                                               \
    : "=&r"(x0), "=&r"(x1), "=&r"(x2), "=&r"(x3), [u] "=&r"(u), [t] "=&r"(t), [s0] "+r"(s0),           \
      [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [c] "+r"(c), [w] "+r"(w)                          \
    :                                                                                                \
    : "memory"
    while (c < end4) { /* 4 groups a step: one compare and branch per 64 multiply-adds */
        __asm__(MN_CP_GROUP MN_CP_GROUP MN_CP_GROUP MN_CP_GROUP MN_CP_OPERANDS);
    }
    if (groups & 2) {
        __asm__(MN_CP_GROUP MN_CP_GROUP MN_CP_OPERANDS);
    }
    if (groups & 1) {
        __asm__(MN_CP_GROUP MN_CP_OPERANDS);
    }
#undef MN_CP_GROUP
#undef MN_CP_OPERANDS
#else
    /* Local sums (weight reads may alias s as far as the compiler knows); contiguous int16 x int16 dot
     * products over the pixels' rows and the weights' int16 (the words' halves in memory order: the
     * little-endian words the lowering writes), which compilers vectorize. */
    const int16_t *const c1 = c + stride, *const c2 = c + 2 * stride, *const c3 = c + 3 * stride;
    const mn_cp_i16 *const w16 = (const mn_cp_i16 *)w;
    const int32_t n = groups * 4;
    int32_t k;
    for (k = 0; k < n; ++k) {
        const int32_t wk = w16[k];
        s0 += c[k] * wk;
        s1 += c1[k] * wk;
        s2 += c2[k] * wk;
        s3 += c3[k] * wk;
    }
    w += groups * 2;
#endif
    *wp = w;
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
}

/* Every output channel of a block: its 4 pixels' dot products over the block's im2col rows `col` plus the
 * bias, requantized, clamped and stored, pixel i of channel oc at o[i * out_c + oc] for the first n_pix
 * pixels. Channel records at ch (mn_conv_2d_packed_params_t.channels: bias, weights, requantization, walked
 * by one pointer). Its own function (no run-time sized arrays, few live values): the channel loop keeps its
 * state in registers around the dot product's 12. */
static MN_CP_INLINE void mn_cp_channels_body(const int16_t *col, int32_t stride, const int32_t *ch, int32_t groups,
                                             int8_t *o, int32_t out_c, int32_t n_pix, int32_t lo, int32_t hi,
                                             uint32_t lo4, uint32_t hi4)
{
    int8_t *const o_end = o + out_c;
    for (; o < o_end; ++o) {
        int32_t s[MN_CP_PIX];
        uint32_t packed;
        s[0] = s[1] = s[2] = s[3] = *ch++;
        mn_cp_dot(col, stride, &ch, groups, s);
        mn_rq_single4(s, ch);
        ch += 4;
        packed = mn_rq_clamp4(s[0], s[1], s[2], s[3], lo, hi, lo4, hi4);
        o[0] = (int8_t)(packed & 0xFFu);
        if (n_pix == MN_CP_PIX) {
            int8_t *const o2 = o + 2 * out_c;
            o[out_c] = (int8_t)((packed >> 8) & 0xFFu);
            o2[0] = (int8_t)((packed >> 16) & 0xFFu);
            o2[out_c] = (int8_t)(packed >> 24);
        } else {
            int32_t i;
            for (i = 1; i < n_pix; ++i) {
                o[i * out_c] = (int8_t)((packed >> (8 * i)) & 0xFFu);
            }
        }
    }
}

/* mn_cp_channels_body for a whole block (n_pix = 4: the stores unconditional) in the full int8 range
 * [-128, 127] (the clamp is the saturation alone), and for any block and range. */
static MN_CP_NOINLINE void mn_cp_channels_full(const int16_t *col, int32_t stride, const int32_t *ch, int32_t groups,
                                               int8_t *o, int32_t out_c)
{
    mn_cp_channels_body(col, stride, ch, groups, o, out_c, MN_CP_PIX, -128, 127, 0x80808080u, 0x7F7F7F7Fu);
}

static MN_CP_NOINLINE void mn_cp_channels(const int16_t *col, int32_t stride, const int32_t *ch, int32_t groups,
                                          int8_t *o, int32_t out_c, int32_t n_pix, int32_t lo, int32_t hi)
{
    const uint32_t lo4 = (uint32_t)(uint8_t)lo * 0x01010101u, hi4 = (uint32_t)(uint8_t)hi * 0x01010101u;
    mn_cp_channels_body(col, stride, ch, groups, o, out_c, n_pix, lo, hi, lo4, hi4);
}

void mn_conv_2d_packed_int8(const mn_conv_2d_packed_params_t *p, const int8_t *input, int8_t *output)
{
    /* Local copies: int8 output stores may alias *p as far as the compiler knows. */
    const int32_t out_c = p->win.out_c, taps = p->taps, taps4 = p->taps4, groups = p->taps4 >> 2;
    const int32_t pixels = p->win.out_h * p->win.out_w;
    const int32_t in_batch_size = p->win.in_h * p->win.in_w * p->win.in_c;
    const int32_t lo = p->act_min, hi = p->act_max;
    const int full_range = lo == -128 && hi == 127;
    const int pointwise = p->win.k_h == 1 && p->win.k_w == 1 && p->win.stride_h == 1 && p->win.stride_w == 1 &&
                          p->win.pad_h == 0 && p->win.pad_w == 0 && (taps & 3) == 0;
    /* windows whose rows are not whole groups of 4 taps are gathered tap by tap (mn_cp_im2col's first case);
     * a window is inside the image when its first tap is at (y, x) with 0 <= y <= y_last, 0 <= x <= x_last */
    const int gather = p->win.dil_w != 1 || ((p->win.k_w * p->win.in_c) & 3) != 0;
    const int32_t out_w = p->win.out_w;
    const int32_t y_last = p->win.in_h - 1 - (p->win.k_h - 1) * p->win.dil_h;
    const int32_t x_last = p->win.in_w - 1 - (p->win.k_w - 1) * p->win.dil_w;
    const int32_t n_blocks = (pixels + MN_CP_PIX - 1) / MN_CP_PIX;
    const int32_t *const channels = p->channels;
    const uintptr_t in_lo = (uintptr_t)input, out_lo = (uintptr_t)output;
    const uintptr_t in_hi = in_lo + (uintptr_t)p->win.batches * in_batch_size;
    const uintptr_t out_hi = out_lo + (uintptr_t)p->win.batches * pixels * out_c;
#ifdef MN_NO_REVERSE_OVERLAP /* tests only: proves the reverse order is needed */
    const int reverse = 0 * (out_lo < in_hi && in_lo < out_hi);
#else
    const int reverse = out_lo < in_hi && in_lo < out_hi && out_lo > in_lo;
#endif
    const int32_t stride = p->col_stride;
    /* The layer's own size (C99 arrays sized at run time: col_stride <= 592, so at most 4.8 KB); words, as
     * LDM reads the rows. */
    uint32_t col_words[2 * p->col_stride];
    int8_t win[p->taps]; /* an edge window's taps (mn_cp_im2col) */
    int16_t *const col = (int16_t *)col_words;
    int32_t bi, qb, i;

    /* The row entries past the taps: 0 (the padding taps [taps, taps4) have zero weights). */
    for (i = 0; i < MN_CP_PIX; ++i) {
        mn_cp_put(col, stride, i, taps, 0, taps4 - taps, 0);
    }
    for (bi = 0; bi < p->win.batches; ++bi) {
        const int32_t b = reverse ? p->win.batches - 1 - bi : bi;
        const int8_t *in_batch = input + b * in_batch_size;
        int8_t *out_batch = output + b * pixels * out_c;
        for (qb = 0; qb < n_blocks; ++qb) {
            const int32_t q0 = (reverse ? n_blocks - 1 - qb : qb) * MN_CP_PIX;
            const int32_t n_pix = MN_MIN(MN_CP_PIX, pixels - q0);
            int8_t *const o = out_batch + q0 * out_c;
            /* Missing pixels of a short last block repeat its last pixel (computed, not written). */
            for (i = 0; i < MN_CP_PIX; ++i) {
                const int32_t q = q0 + MN_MIN(i, n_pix - 1);
                if (pointwise) { /* 1x1, stride 1, no padding: pixel q's taps are its in_c input bytes */
                    mn_cp_widen(col, stride, i, 0, in_batch + q * taps, taps, p->input_offset);
                } else if (gather) { /* windows inside the image gathered here, the others by mn_cp_im2col */
                    const int32_t oy = q / out_w, ox = q - oy * out_w;
                    const int32_t in_y0 = oy * p->win.stride_h - p->win.pad_h;
                    const int32_t in_x0 = ox * p->win.stride_w - p->win.pad_w;
                    if (in_y0 >= 0 && in_y0 <= y_last && in_x0 >= 0 && in_x0 <= x_last) {
                        mn_cp_gather(col, stride, i, in_batch + (in_y0 * p->win.in_w + in_x0) * p->win.in_c,
                                     p->tap_offsets, taps, p->input_offset);
                    } else {
                        mn_cp_im2col(p, in_batch, q, col, i, win);
                    }
                } else {
                    mn_cp_im2col(p, in_batch, q, col, i, win);
                }
            }
            if (full_range && n_pix == MN_CP_PIX) {
                mn_cp_channels_full(col, stride, channels, groups, o, out_c);
            } else {
                mn_cp_channels(col, stride, channels, groups, o, out_c, n_pix, lo, hi);
            }
        }
    }
}
