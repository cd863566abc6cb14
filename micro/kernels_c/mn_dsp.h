/* micro kernels: Arm DSP extension helpers (Cortex-M4/M7/M33...), shared by the kernels' SIMD paths.
 *
 * Only defined where __ARM_FEATURE_DSP is; every kernel keeps its portable path for other targets.
 * The rotated SXTB16/SXTAB16 forms and PKHBT/PKHTB are one-line inline assembly because gcc 12's
 * <arm_acle.h> has no __ror and does not fold a rotation into __sxtb16's operand; other compilers
 * get the plain-C equivalent.
 */
#ifndef MN_DSP_H
#define MN_DSP_H

#if defined(__ARM_FEATURE_DSP)
#include <stdint.h>
#include <string.h>

#include <arm_acle.h>

/* 32-bit load from any address: one (unaligned) LDR on Cortex-M4. */
static inline uint32_t mn_ld32(const void *src)
{
    uint32_t v;
    memcpy(&v, src, sizeof v);
    return v;
}

/* SXTB16 of x rotated right by 8 bits: the odd bytes [b1 b3] of [b0 b1 b2 b3]. */
static inline int16x2_t mn_sxtb16_ror8(uint32_t x)
{
#if defined(__GNUC__)
    int16x2_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
#else
    return __sxtb16((int8x4_t)((x >> 8) | (x << 24)));
#endif
}

/* [off.lo + x1, off.hi + x3] for the bytes [x0 x1 x2 x3] of x (SXTAB16 with rotation). */
static inline int16x2_t mn_sxtab16_ror8(int16x2_t off, uint32_t x)
{
#if defined(__GNUC__)
    int16x2_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(off), "r"(x));
    return r;
#else
    return __sxtab16(off, (int8x4_t)((x >> 8) | (x << 24)));
#endif
}

/* Halfwords [a.lo b.lo] (PKHBT). */
static inline uint32_t mn_pack_lo(uint32_t a, uint32_t b)
{
#if defined(__GNUC__)
    uint32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    return (a & 0xFFFFu) | (b << 16);
#endif
}

/* Halfwords [a.hi b.hi] (PKHTB). */
static inline uint32_t mn_pack_hi(uint32_t a, uint32_t b)
{
#if defined(__GNUC__)
    uint32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(b), "r"(a));
    return r;
#else
    return (a >> 16) | (b & 0xFFFF0000u);
#endif
}
#endif /* __ARM_FEATURE_DSP */

#endif /* MN_DSP_H */
