/* DEPTHWISE_CONV_2D int8 kernel, depth_mult 1, channels a multiple of 4, on compile-time repacked weights
 * (bit-exact with TFLM reference_integer_ops::DepthwiseConvPerChannel; lowering in micro/ops/conv_packed.py).
 *
 * Output pixels in raster order (descending when the output overlaps the input from above: the contracts
 * of micro/kernels/window.py); per pixel, every group of 4 channels sums its taps and requantizes at once,
 * so a pixel is written after all of its reads. Weights: the model's filter widened to int16 and regrouped
 * as [out_c / 4][k_h * k_w][4], per tap in the channel order c0 c2 c1 c3: a group's taps are consecutive
 * and a tap's two words [w_c0 w_c2] [w_c1 w_c3] meet SXTB16's halves of the tap's 4 input bytes (one LDRD
 * per tap for its 4 channels, no widening at run time).
 * 3x3 windows (dilation 1) run unrolled (mn_dp_3x3) on raw input bytes against the folded bias (bias +
 * input offset x the channel's weight sum), edge pixels from a padded copy of their window (the input zero
 * point outside the image: x + offset = 0 there, as TFLM's skipped taps); other windows loop over their
 * in-image taps with the offset added (TFLM skips the others). Requantization: mn_requant.h (single
 * rounding, zero point folded in, the 4 channels clamped and stored as one word). */
#include <string.h>

#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/depthwise_conv_2d.py */
#include "mn_requant.h"

/* Arm DSP extension: SXTB16 / SXTAB16 split 4 input channels into halfword pairs [c0 c2] and [c1 c3],
 * SMLABB / SMLATT multiply-add each channel's halves with its int16 weight (the portable loop's products and
 * int32 sums). */
#include "mn_dsp.h"
#if defined(__ARM_FEATURE_DSP)
#define MN_DP_DSP 1
#endif

#define MN_DP_MAX_CH 256 /* channels of the padded 3x3 window copy of edge pixels (at most 2.3 KB of stack) */

#if defined(__GNUC__)
#define MN_DP_INLINE __attribute__((always_inline)) inline
#else
#define MN_DP_INLINE inline
#endif


/* The weight words read as int16 by the portable loops, the halves in memory order (the little-endian words
 * the lowering writes: a tap's int16 are w_c0 w_c2 w_c1 w_c3); GCC and Clang: declared as aliasing any
 * type, since the words are int32_t objects. */
#if defined(__GNUC__)
typedef int16_t __attribute__((may_alias)) mn_dp_i16;
#else
typedef int16_t mn_dp_i16;
#endif

/* One tap of a channel group: s[j] += (x[j] + offset) * w_j, j = 0..3 (x: the tap's 4 input bytes, wp: its
 * weight words [w_c0 w_c2] [w_c1 w_c3]). */
#if defined(MN_DP_DSP)
#define MN_DP_TAP(xp, wp)                                         \
    do {                                                          \
        const uint32_t xv_ = mn_ld32(xp);                         \
        const int16x2_t e_ = __sxtab16(off2, (int8x4_t)xv_);      \
        const int16x2_t o_ = mn_sxtab16_ror8(off2, xv_);          \
        const int16x2_t we_ = (int16x2_t)(wp)[0];                 \
        const int16x2_t wo_ = (int16x2_t)(wp)[1];                 \
        s0 = __smlabb(e_, we_, s0);                               \
        s2 = __smlatt(e_, we_, s2);                               \
        s1 = __smlabb(o_, wo_, s1);                               \
        s3 = __smlatt(o_, wo_, s3);                               \
    } while (0)
#else
#define MN_DP_TAP(xp, wp)                                         \
    do {                                                          \
        const int8_t *x_ = (xp);                                  \
        const mn_dp_i16 *w_ = (const mn_dp_i16 *)(wp);            \
        s0 += (x_[0] + offset) * w_[0];                           \
        s1 += (x_[1] + offset) * w_[2];                           \
        s2 += (x_[2] + offset) * w_[1];                           \
        s3 += (x_[3] + offset) * w_[3];                           \
    } while (0)
#endif

/* 3x3 window, one group of 4 channels: s[j] += x[j] * w_j over the 9 taps, rows at *p, *p + rs, *p + 2 rs,
 * columns ch bytes apart, raw input bytes (the input offset is in the folded bias: every tap is in the image
 * or reads the input zero point). Advances *p by 4 and *wpp past the group's 18 weight words. */
#if defined(MN_DP_DSP) && defined(__GNUC__) && defined(__OPTIMIZE__)
#define MN_DP_ASM_TAP(addr)                                \
    "ldr %[x], " addr "\n\t"                               \
    "ldrd %[w0], %[w1], [%[wp]], #8\n\t"                   \
    "sxtb16 %[e], %[x]\n\t"                                \
    "sxtb16 %[x], %[x], ror #8\n\t"                        \
    "smlabb %[s0], %[e], %[w0], %[s0]\n\t"                 \
    "smlatt %[s2], %[e], %[w0], %[s2]\n\t"                 \
    "smlabb %[s1], %[x], %[w1], %[s1]\n\t"                 \
    "smlatt %[s3], %[x], %[w1], %[s3]\n\t"
#define MN_DP_ASM_ROW                                      \
    MN_DP_ASM_TAP("[%[p]]")                                \
    MN_DP_ASM_TAP("[%[p], %[ch]]")                         \
    MN_DP_ASM_TAP("[%[p], %[ch], lsl #1]")
#endif

static MN_DP_INLINE void mn_dp_3x3(const int8_t **pp, int32_t rs, int32_t ch, const int32_t **wpp, int32_t *s)
{
    int32_t s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
    const int8_t *p = *pp;
    const int32_t *wp = *wpp;
#if defined(MN_DP_DSP) && defined(__GNUC__) && defined(__OPTIMIZE__)
    /* 12 operands: the rows through one pointer stepped by rs (and back), a tap's two weight words by one
     * LDRD, 8 instructions a tap. */
    uint32_t x, e, w0, w1;
    __asm__(MN_DP_ASM_ROW "add %[p], %[p], %[rs]\n\t"
            MN_DP_ASM_ROW "add %[p], %[p], %[rs]\n\t"
            MN_DP_ASM_ROW "sub %[p], %[p], %[rs], lsl #1\n\t"
            "adds %[p], %[p], #4"
            : [x] "=&r"(x), [e] "=&r"(e), [w0] "=&r"(w0), [w1] "=&r"(w1), [s0] "+r"(s0), [s1] "+r"(s1),
              [s2] "+r"(s2), [s3] "+r"(s3), [p] "+r"(p), [wp] "+r"(wp)
            : [ch] "r"(ch), [rs] "r"(rs)
            : "cc", "memory");
#else
    int32_t r, t;
    for (r = 0; r < 3; ++r) {
        for (t = 0; t < 3; ++t, wp += 2) {
            const int8_t *x = p + r * rs + t * ch;
            const mn_dp_i16 *w = (const mn_dp_i16 *)wp;
            s0 += x[0] * w[0];
            s1 += x[1] * w[2];
            s2 += x[2] * w[1];
            s3 += x[3] * w[3];
        }
    }
    p += 4;
#endif
    *pp = p;
    *wpp = wp;
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
}

#if defined(__GNUC__)
#define MN_DP_NOINLINE __attribute__((noinline))
#else
#define MN_DP_NOINLINE
#endif

/* mn_rq_single of s[0..3] with the consecutive constants of 4 channels at *rq, advancing *rq past them:
 * on the DSP path one asm block, each channel's constants one LDM with writeback. */
static MN_DP_INLINE void mn_dp_rq4(int32_t *s, const int32_t **rqp)
{
    const int32_t *rq = *rqp;
#if defined(MN_DP_DSP) && defined(__GNUC__) && defined(__OPTIMIZE__)
    register int32_t m __asm__("r8");
    register uint32_t y_lo __asm__("r9");
    register int32_t y_hi __asm__("r10");
    register int32_t r1 __asm__("r11");
    int32_t v0 = s[0], v1 = s[1], v2 = s[2], v3 = s[3];
    uint32_t n;
#define MN_DP_RQ_ONE(x)                               \
    "ldmia %[rq]!, {r8, r9, r10, r11}\n\t"            \
    "asr %[n], %[" x "], #31\n\t"                     \
    "adds r9, r9, %[n], lsl #31\n\t"                  \
    "adc r10, r10, %[n]\n\t"                          \
    "smlal r9, r10, %[" x "], r8\n\t"                 \
    "asr %[" x "], r10, r11\n\t"
    __asm__(MN_DP_RQ_ONE("v0") MN_DP_RQ_ONE("v1") MN_DP_RQ_ONE("v2") MN_DP_RQ_ONE("v3")
            : [v0] "+r"(v0), [v1] "+r"(v1), [v2] "+r"(v2), [v3] "+r"(v3), [n] "=&r"(n), [rq] "+r"(rq),
              "=&r"(m), "=&r"(y_lo), "=&r"(y_hi), "=&r"(r1)
            :
            : "cc", "memory");
#undef MN_DP_RQ_ONE
    s[0] = v0;
    s[1] = v1;
    s[2] = v2;
    s[3] = v3;
#else
    s[0] = mn_rq_single(s[0], rq);
    s[1] = mn_rq_single(s[1], rq + 4);
    s[2] = mn_rq_single(s[2], rq + 8);
    s[3] = mn_rq_single(s[3], rq + 12);
    rq += 16;
#endif
    *rqp = rq;
}

/* n 3x3 output pixels, the first's window rows at p0 (channel 0), rs bytes apart, columns ch bytes apart, its
 * output at o; each next pixel's window xstep bytes on and output ostep bytes on (negative in the descending
 * order). Per pixel every channel group, its record (mn_depthwise_conv_2d_packed_params_t.groups) walked by
 * one pointer: the folded biases, the 9 taps, requantized, clamped to [lo, hi] and stored 4 channels a word
 * (in the full int8 range [-128, 127] by the saturation alone: one function for both ranges, a branch per
 * group, rather than a copy of the loop per range). One call per run of interior pixels. */
static MN_DP_NOINLINE void mn_dp_run(const int8_t *p0, int32_t n, int32_t xstep, int32_t ostep, int32_t rs,
                                     int32_t ch, const int32_t *records, int8_t *o, int32_t lo, int32_t hi)
{
    const uint32_t lo4 = (uint32_t)(uint8_t)lo * 0x01010101u, hi4 = (uint32_t)(uint8_t)hi * 0x01010101u;
    const int full_range = lo == -128 && hi == 127;
    for (; n > 0; --n, p0 += xstep, o += ostep) {
        const int8_t *x = p0;
        const int32_t *c = records;
        int8_t *og = o;
        int8_t *const o_end = o + ch;
        while (og < o_end) {
            int32_t s[4];
            uint32_t packed;
            s[0] = c[0];
            s[1] = c[1];
            s[2] = c[2];
            s[3] = c[3];
            c += 4;
            mn_dp_3x3(&x, rs, ch, &c, s);
            mn_dp_rq4(s, &c);
            if (full_range) {
                packed = mn_rq_clamp4(s[0], s[1], s[2], s[3], -128, 127, 0x80808080u, 0x7F7F7F7Fu);
            } else {
                packed = mn_rq_clamp4(s[0], s[1], s[2], s[3], lo, hi, lo4, hi4);
            }
            memcpy(og, &packed, sizeof packed);
            og += 4;
        }
    }
}

void mn_depthwise_conv_2d_packed_int8(const mn_depthwise_conv_2d_packed_params_t *p, const int8_t *input,
                                      const int32_t *bias, int8_t *output)
{
    /* Local copies: int8 output stores may alias *p as far as the compiler knows. */
    const int32_t in_h = p->win.in_h, in_w = p->win.in_w, ch = p->win.out_c;
    const int32_t out_h = p->win.out_h, out_w = p->win.out_w, k_h = p->win.k_h, k_w = p->win.k_w;
    const int32_t stride_h = p->win.stride_h, stride_w = p->win.stride_w, pad_h = p->win.pad_h, pad_w = p->win.pad_w;
    const int32_t dil_h = p->win.dil_h, dil_w = p->win.dil_w, offset = p->input_offset;
    const int32_t lo = p->act_min, hi = p->act_max;
    const uint32_t lo4 = (uint32_t)(uint8_t)lo * 0x01010101u, hi4 = (uint32_t)(uint8_t)hi * 0x01010101u;
    const int32_t taps = k_h * k_w;
    const int32_t x_step = dil_w * ch;         /* next tap along x */
    const int32_t y_step = dil_h * in_w * ch;  /* next tap row */
    const int unrolled = k_h == 3 && k_w == 3 && dil_h == 1 && dil_w == 1;
    const int32_t *const records = p->groups;
    const int32_t rec_words = 4 + 2 * taps + 16; /* a group's record: folded biases, weights, requantization */
    /* An edge pixel's padded 3x3 window, on the stack, the layer's own size (C99 array sized at run time);
     * past MN_DP_MAX_CH channels edge pixels take the general tap loop instead. */
    int8_t pad[9 * (p->win.out_c <= MN_DP_MAX_CH ? p->win.out_c : 1)];
    const uintptr_t in_lo = (uintptr_t)input, out_lo = (uintptr_t)output;
    const uintptr_t in_hi = in_lo + (uintptr_t)p->win.batches * in_h * in_w * ch;
    const uintptr_t out_hi = out_lo + (uintptr_t)p->win.batches * out_h * out_w * ch;
#ifdef MN_NO_REVERSE_OVERLAP /* tests only: proves the descending order is needed */
    const int reverse = 0 * (out_lo < in_hi && in_lo < out_hi);
#else
    const int reverse = out_lo < in_hi && in_lo < out_hi && out_lo > in_lo;
#endif
#if defined(MN_DP_DSP)
    const int16x2_t off2 = (int16x2_t)((uint32_t)(uint16_t)offset * 0x00010001u);
#endif
    const int32_t x_dir = reverse ? -1 : 1; /* the order of a row's pixels */
    int32_t bi, yi, xi, g;

    for (bi = 0; bi < p->win.batches; ++bi) {
        const int32_t b = reverse ? p->win.batches - 1 - bi : bi;
        const int8_t *in_b = input + b * in_h * in_w * ch;
        int8_t *out_b = output + b * out_h * out_w * ch;
        for (yi = 0; yi < out_h; ++yi) {
            const int32_t oy = reverse ? out_h - 1 - yi : yi;
            const int32_t in_y0 = oy * stride_h - pad_h;
            /* in-image tap rows [fy0, fy1) */
            const int32_t fy0 = in_y0 < 0 ? MN_MIN((dil_h - 1 - in_y0) / dil_h, k_h) : 0;
            const int32_t fy1 = MN_MIN(in_h > in_y0 ? (in_h - in_y0 + dil_h - 1) / dil_h : 0, k_h);
            for (xi = 0; xi < out_w; ++xi) {
                const int32_t ox = reverse ? out_w - 1 - xi : xi;
                const int32_t in_x0 = ox * stride_w - pad_w;
                const int32_t fx0 = in_x0 < 0 ? MN_MIN((dil_w - 1 - in_x0) / dil_w, k_w) : 0;
                const int32_t fx1 = MN_MIN(in_w > in_x0 ? (in_w - in_x0 + dil_w - 1) / dil_w : 0, k_w);
                const int32_t n_y = fy1 - fy0, n_x = fx1 - fx0;
                /* first in-image tap: input channel 0; its weights' offset in a group */
                const int8_t *x0 = in_b + ((in_y0 + fy0 * dil_h) * in_w + in_x0 + fx0 * dil_w) * ch;
                const int32_t *w = records + 4 + (fy0 * k_w + fx0) * 2;
                const int32_t *r = records + 4 + 2 * taps;
                int8_t *const o = out_b + (oy * out_w + ox) * ch;
                if (unrolled && ((n_y == 3 && n_x == 3) || ch <= MN_DP_MAX_CH)) {
                    /* 3x3: the window's rows in the input, or for an edge pixel in `pad` with the input
                     * zero point outside the image (x + offset = 0 there, as TFLM's skipped taps). */
                    const int8_t *p0 = x0;
                    int32_t rs = y_step, n = 1;
                    if (n_y == 3 && n_x == 3) {
                        /* the run of interior pixels from this one on, in the processing order */
                        n = reverse ? ox - (pad_w + stride_w - 1) / stride_w + 1
                                    : MN_MIN((in_w - 3 + pad_w) / stride_w, out_w - 1) - ox + 1;
                    } else {
                        int32_t ty, tx;
                        for (ty = 0; ty < 3; ++ty) {
                            for (tx = 0; tx < 3; ++tx) {
                                int8_t *d = pad + (ty * 3 + tx) * ch;
                                if (ty >= fy0 && ty < fy1 && tx >= fx0 && tx < fx1) {
                                    memcpy(d, in_b + ((in_y0 + ty) * in_w + in_x0 + tx) * ch, (size_t)ch);
                                } else {
                                    memset(d, -offset, (size_t)ch);
                                }
                            }
                        }
                        p0 = pad;
                        rs = 3 * ch;
                    }
                    mn_dp_run(p0, n, x_dir * stride_w * ch, x_dir * ch, rs, ch, records, o, lo, hi);
                    xi += n - 1;
                    continue;
                }
                for (g = 0; g < ch; g += 4, x0 += 4, w += rec_words, r += rec_words) {
                    int32_t s0 = bias ? bias[g] : 0, s1 = bias ? bias[g + 1] : 0;
                    int32_t s2 = bias ? bias[g + 2] : 0, s3 = bias ? bias[g + 3] : 0;
                    const int8_t *xr = x0;
                    const int32_t *wr = w;
                    int32_t fy, fx;
                    uint32_t packed;
                    for (fy = 0; fy < n_y; ++fy, xr += y_step, wr += 2 * k_w) {
                        const int8_t *x = xr;
                        const int32_t *wt = wr;
                        for (fx = 0; fx < n_x; ++fx, x += x_step, wt += 2) {
                            MN_DP_TAP(x, wt);
                        }
                    }
                    packed = mn_rq_clamp4(mn_rq_single(s0, r), mn_rq_single(s1, r + 4), mn_rq_single(s2, r + 8),
                                          mn_rq_single(s3, r + 12), lo, hi, lo4, hi4);
                    memcpy(o + g, &packed, sizeof packed);
                }
            }
        }
    }
}
