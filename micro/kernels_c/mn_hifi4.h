/* micro's HiFi 4 kernel set (`micro compile --kernels hifi4`): the intrinsics and the helpers its kernels
 * (mn_*_hifi4.c) share.
 *
 * On a Cadence HiFi 4 core (Cadence's compiler: __XTENSA__ and the core's XCHAL_HAVE_HIFI4) the kernels use
 * the real intrinsics of <xtensa/tie/xt_hifi4.h>; everywhere else (host builds, base-ISA Xtensa cores such as
 * the lx106 in QEMU, any other CPU) micro's own exact-integer emulation of the same intrinsics,
 * mn_hifi_emu.h. MN_HIFI_EMULATE forces the emulation. No compiler that emits HiFi instructions was available
 * to micro's authors: the native branch is written to Cadence's documented prototypes and has not been
 * compiled (docs/hifi.md says what was run and what was not).
 *
 * Helpers:
 *   mn_hifi4_dot_s16_s8   acc += 256 * sum x[i] * w[i], int16 x at any even address, int8 w at any address:
 *                         the matmul inner loop of FULLY_CONNECTED and the hook for other gate matmuls (LSTM,
 *                         SVDF): call it per row with a 64-bit accumulator, then mn_hifi4_acc32
 *   mn_hifi4_dot4_s8      four int8 rows against one int8 vector (the LSTM gates, SVDF's feature filters): the
 *                         vector widened to int16 once a chunk on the stack, each row through mn_hifi4_dot_s16_s8
 *   mn_hifi4_dot_s8       one int8 row against an int8 vector the same way (SVDF's last filters, int8 time weights)
 *   mn_hifi4_dot_s16      int16 x int16 (SVDF's int16 time weights x state): two unaligned 16-bit streams
 *   mn_hifi4_acc32        the accumulator's exact sum as TFLM's wrapping int32 (shifts the 256 out)
 *   mn_hifi4_rq_single    TFLM MultiplyByQuantizedMultiplier + zero point in the single-rounding form folded at
 *                         compile time (rq = {m, c_lo, c_hi, r - 1}, micro/ops/conv_packed.py)
 *   mn_hifi4_mul_by_qmult TFLM MultiplyByQuantizedMultiplier (double rounding) on 64-bit lanes
 *   mn_hifi4_store4       four int32 values saturated to 16 bits, clamped to [lo, hi], stored as bytes */
#ifndef MN_HIFI4_H
#define MN_HIFI4_H

#include <stdint.h>

#if defined(__XTENSA__) && !defined(MN_HIFI_EMULATE) && defined(__has_include)
#if __has_include(<xtensa/config/core-isa.h>)
#include <xtensa/config/core-isa.h> /* XCHAL_HAVE_HIFI4 of the configured core */
#endif
#endif

#if defined(__XTENSA__) && !defined(MN_HIFI_EMULATE) && defined(XCHAL_HAVE_HIFI4) && XCHAL_HAVE_HIFI4
#include <xtensa/tie/xt_hifi4.h>
#define MN_HIFI4_NATIVE 1
#else
#include "mn_hifi_emu.h"
#endif

/* acc += 256 * sum_{i < n} x[i] * w[i]. The weights go through the aligned F-form byte load (value * 256)
 * once w is 4-byte aligned (the head before that, and the tail past the last group of 4, one lane at a
 * time); x streams through the unaligned 16-bit load, which reads at most 8 bytes past x[n - 1] on a core
 * (x needs that slack; the emulation reads none). */
static inline ae_int64 mn_hifi4_dot_s16_s8(ae_int64 acc, const int16_t *x, const int8_t *w, int32_t n)
{
    int32_t head = (int32_t)((4u - ((uintptr_t)w & 3u)) & 3u);
    int32_t i, groups;
    if (head > n) {
        head = n;
    }
    for (i = 0; i < head; ++i) {
        AE_MULA16_00(acc, AE_MOVDA16(x[i]), AE_MOVDA16((int32_t)w[i] * 256));
    }
    groups = (n - head) >> 2;
    if (groups > 0) {
        const ae_int16x4 *px = (const ae_int16x4 *)(x + head);
        const int8_t *pw = w + head;
        ae_valign ax = AE_LA64_PP(px);
        ae_int16x4 xv, wv;
        for (i = 0; i < groups; ++i) {
            AE_L8X4F_IP(wv, pw, 4);
            AE_LA16X4_IP(xv, ax, px);
            AE_MULAAAAQ16(acc, xv, wv);
        }
    }
    for (i = head + 4 * groups; i < n; ++i) {
        AE_MULA16_00(acc, AE_MOVDA16(x[i]), AE_MOVDA16((int32_t)w[i] * 256));
    }
    return acc;
}

/* The low 32 bits of acc / 256 (acc a multiple of 256): TFLM's wrapping int32 sum of the products. */
static inline int32_t mn_hifi4_acc32(ae_int64 acc)
{
    return AE_MOVAD32_L(AE_MOVINT32X2_FROMINT64(AE_SRAI64(acc, 8)));
}

#define MN_HIFI4_CHUNK 128 /* int8 vector elements widened at a time by mn_hifi4_dot4_s8 / mn_hifi4_dot_s8 */

/* out[r] = sum_{i < n} a[i] * w[r][i] as TFLM's wrapping int32, r < rows (at most 4): a chunk of a widened to
 * int16 once on the stack (8-byte aligned, with the 4 entries of slack the unaligned load may read on a core),
 * then each row's 64-bit accumulator through mn_hifi4_dot_s16_s8. */
static inline void mn_hifi4_dotn_s8(const int8_t *a, const int8_t *const *w, int32_t rows, int32_t n, int32_t *out)
{
    int64_t xs64[(MN_HIFI4_CHUNK + 4) / 4];
    int16_t *const xs = (int16_t *)xs64;
    ae_int64 acc[4];
    int32_t k0, i, r;
    for (i = MN_HIFI4_CHUNK; i < MN_HIFI4_CHUNK + 4; ++i) {
        xs[i] = 0;
    }
    for (r = 0; r < rows; ++r) {
        acc[r] = AE_ZERO64();
    }
    for (k0 = 0; k0 < n; k0 += MN_HIFI4_CHUNK) {
        const int32_t m = n - k0 < MN_HIFI4_CHUNK ? n - k0 : MN_HIFI4_CHUNK;
        for (i = 0; i < m; ++i) {
            xs[i] = a[k0 + i];
        }
        for (r = 0; r < rows; ++r) {
            acc[r] = mn_hifi4_dot_s16_s8(acc[r], xs, w[r] + k0, m);
        }
    }
    for (r = 0; r < rows; ++r) {
        out[r] = mn_hifi4_acc32(acc[r]);
    }
}

/* mn_dot4_s8's contract (micro/kernels_c/mn_dot.h): four rows against one vector. */
static inline void mn_hifi4_dot4_s8(const int8_t *a, const int8_t *w0, const int8_t *w1, const int8_t *w2,
                                    const int8_t *w3, int32_t n, int32_t *out)
{
    const int8_t *const w[4] = {w0, w1, w2, w3};
    mn_hifi4_dotn_s8(a, w, 4, n, out);
}

/* mn_dot_s8's contract: sum a[i] * w[i] as TFLM's wrapping int32. */
static inline int32_t mn_hifi4_dot_s8(const int8_t *a, const int8_t *w, int32_t n)
{
    int32_t out;
    mn_hifi4_dotn_s8(a, &w, 1, n, &out);
    return out;
}

/* sum_{i < n} a[i] * b[i], int16 x int16 at any even addresses, as TFLM's wrapping int32: both through the
 * unaligned 16-bit load (each stream primed once), a quad multiply-accumulate per 4, the tail one lane at a
 * time. On a core the streams read ahead within the aligned 8-byte word holding their last group. */
static inline int32_t mn_hifi4_dot_s16(const int16_t *a, const int16_t *b, int32_t n)
{
    ae_int64 acc = AE_ZERO64();
    const int32_t groups = n >> 2;
    int32_t i;
    if (groups > 0) {
        const ae_int16x4 *pa = (const ae_int16x4 *)a, *pb = (const ae_int16x4 *)b;
        ae_valign aa = AE_LA64_PP(pa), ab = AE_LA64_PP(pb);
        ae_int16x4 av, bv;
        for (i = 0; i < groups; ++i) {
            AE_LA16X4_IP(av, aa, pa);
            AE_LA16X4_IP(bv, ab, pb);
            AE_MULAAAAQ16(acc, av, bv);
        }
    }
    for (i = 4 * groups; i < n; ++i) {
        AE_MULA16_00(acc, AE_MOVDA16(a[i]), AE_MOVDA16(b[i]));
    }
    return AE_MOVAD32_L(AE_MOVINT32X2_FROMINT64(acc));
}

/* The requantized value (zero point added, before the clamp): the high word of the 64-bit
 * acc * m + {c_hi, c_lo} + [acc < 0] * -2^31, shifted right by r - 1 (micro/kernels_c/mn_requant.h). */
static inline int32_t mn_hifi4_rq_single(int32_t acc, const int32_t *rq)
{
    ae_int64 y = AE_MUL32_LL(AE_MOVDA32(acc), AE_MOVDA32(rq[0]));
    y = AE_ADD64(y, AE_MOVINT64_FROMINT32X2(AE_MOVDA32X2(rq[2], rq[1])));
    if (acc < 0) {
        y = AE_ADD64(y, AE_MOVINT64_FROMINT32X2(AE_MOVDA32X2(-1, INT32_MIN))); /* -2^31 */
    }
    return AE_MOVAD32_L(AE_MOVINT32X2_FROMINT64(AE_SRAA64(y, 32 + rq[3])));
}

/* TFLM MultiplyByQuantizedMultiplier(x, m, shift): x * 2^max(shift, 0) (wrapping, as TFLM's int32 product),
 * SaturatingRoundingDoublingHighMul by m, which for m >= 0 is floor((x * m + 2^30) / 2^31) except the one
 * saturating case, then RoundingDivideByPOT by max(-shift, 0): floor((h + 2^(r-1) - [h < 0]) / 2^r). */
static inline int32_t mn_hifi4_mul_by_qmult(int32_t x, int32_t m, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    const int32_t xs = (int32_t)((uint32_t)x << left);
    int32_t h;
    ae_int64 y;
    if (xs == INT32_MIN && m == INT32_MIN) {
        h = INT32_MAX;
    } else {
        y = AE_ADD64(AE_MUL32_LL(AE_MOVDA32(xs), AE_MOVDA32(m)),
                     AE_MOVINT64_FROMINT32X2(AE_MOVDA32X2(0, INT32_C(1) << 30)));
        h = AE_MOVAD32_L(AE_MOVINT32X2_FROMINT64(AE_SRAI64(y, 31)));
    }
    if (right == 0) {
        return h;
    }
    y = AE_MOVINT64_FROMINT32X2(AE_MOVDA32X2(h < 0 ? -1 : 0, h)); /* h sign-extended to 64 bits */
    y = AE_ADD64(y, AE_MOVINT64_FROMINT32X2(AE_MOVDA32X2(0, (int32_t)((UINT32_C(1) << (right - 1)) - (h < 0)))));
    return AE_MOVAD32_L(AE_MOVINT32X2_FROMINT64(AE_SRAA64(y, right)));
}

/* v0..v3 saturated to int16 (AE_SAT16X4; the int8 clamp bounds lie inside), clamped to [lo, hi] with lane
 * compares and conditional moves, stored to out[0], out[step], out[2 step], out[3 step] (the first n). */
static inline void mn_hifi4_store4(int32_t v0, int32_t v1, int32_t v2, int32_t v3, ae_int16x4 lo, ae_int16x4 hi,
                                   int8_t *out, int32_t step, int32_t n)
{
    ae_int16x4 v = AE_SAT16X4(AE_MOVDA32X2(v0, v1), AE_MOVDA32X2(v2, v3));
    AE_MOVT16X4(v, lo, AE_LT16(v, lo));
    AE_MOVT16X4(v, hi, AE_LT16(hi, v));
    out[0] = (int8_t)AE_MOVAD16_3(v);
    if (n > 1) {
        out[step] = (int8_t)AE_MOVAD16_2(v);
    }
    if (n > 2) {
        out[2 * step] = (int8_t)AE_MOVAD16_1(v);
    }
    if (n > 3) {
        out[3 * step] = (int8_t)AE_MOVAD16_0(v);
    }
}

#endif /* MN_HIFI4_H */
