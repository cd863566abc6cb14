/* micro kernels: TFLM's per-channel requantization in its single-rounding form, for the kernels whose
 * lowering folds it at compile time (micro.ops.conv_packed.single_rounding_requant).
 *
 * rq = {m, c_lo, c_hi, r - 1} per channel (r = -shift >= 1): TFLM's MultiplyByQuantizedMultiplier(acc, m, -r)
 * plus the output zero point is the high word of the 64-bit acc * m + c + [acc < 0] * -2^31, shifted right
 * (arithmetic) by r - 1; c = {c_lo, c_hi} holds TFLM's two rounding nudges and the zero point.
 * mn_rq_clamp4 then clamps four such values to [lo, hi] and packs them into the 4 bytes of a word
 * (byte i = value i), with SIMD byte compares on the Arm DSP extension. */
#ifndef MN_REQUANT_H
#define MN_REQUANT_H

#include <stdint.h>

#include "mn_dsp.h"

/* The requantized value (zero point added), before the activation clamp. */
static inline int32_t mn_rq_single(int32_t acc, const int32_t *rq)
{
    const uint32_t neg = (uint32_t)(acc >> 31);
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && defined(__OPTIMIZE__)
    uint32_t neg_;
#endif
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && defined(__OPTIMIZE__)
    /* One LDM of the channel's 4 constants into r8-r11 (pinned: LDM names its registers), then
     * y = acc * m + {c_lo, c_hi} + [acc < 0] * -2^31 in r9:r10 and the shift: 6 instructions. */
    register int32_t m __asm__("r8");
    register uint32_t y_lo __asm__("r9");
    register int32_t y_hi __asm__("r10");
    register int32_t rs __asm__("r11");
    int32_t v = acc;
    (void)neg;
    __asm__("ldm %[rq], {r8, r9, r10, r11}\n\t"
            "asr %[n], %[v], #31\n\t"
            "adds r9, r9, %[n], lsl #31\n\t"
            "adc r10, r10, %[n]\n\t"
            "smlal r9, r10, %[v], r8\n\t"
            "asr %[v], r10, r11"
            : [v] "+r"(v), [n] "=&r"(neg_), "=&r"(m), "=&r"(y_lo), "=&r"(y_hi), "=&r"(rs)
            : [rq] "r"(rq)
            : "cc", "memory");
    return v;
#else
    const int64_t c = (int64_t)(((uint64_t)(uint32_t)rq[2] << 32) | (uint32_t)rq[1]);
    const int64_t y = (int64_t)acc * rq[0] + c + (int64_t)(int32_t)neg * ((int64_t)1 << 31);
    return (int32_t)(y >> 32) >> rq[3];
#endif
}

/* mn_rq_single of the 4 values v[0..3] with the same channel's constants (one load of them). */
static inline void mn_rq_single4(int32_t *v, const int32_t *rq)
{
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && defined(__OPTIMIZE__)
    register int32_t m __asm__("r8");
    register uint32_t c_lo __asm__("r9");
    register int32_t c_hi __asm__("r10");
    register int32_t rs __asm__("r11");
    int32_t v0 = v[0], v1 = v[1], v2 = v[2], v3 = v[3];
    uint32_t n, y_lo, y_hi;
#define MN_RQ_ONE(x)                                  \
    "asr %[n], %[" x "], #31\n\t"                     \
    "adds %[l], r9, %[n], lsl #31\n\t"                \
    "adc %[h], r10, %[n]\n\t"                         \
    "smlal %[l], %[h], %[" x "], r8\n\t"              \
    "asr %[" x "], %[h], r11\n\t"
    __asm__("ldm %[rq], {r8, r9, r10, r11}\n\t" MN_RQ_ONE("v0") MN_RQ_ONE("v1") MN_RQ_ONE("v2") MN_RQ_ONE("v3")
            : [v0] "+r"(v0), [v1] "+r"(v1), [v2] "+r"(v2), [v3] "+r"(v3), [n] "=&r"(n), [l] "=&r"(y_lo),
              [h] "=&r"(y_hi), "=&r"(m), "=&r"(c_lo), "=&r"(c_hi), "=&r"(rs)
            : [rq] "r"(rq)
            : "cc", "memory");
#undef MN_RQ_ONE
    v[0] = v0;
    v[1] = v1;
    v[2] = v2;
    v[3] = v3;
#else
    v[0] = mn_rq_single(v[0], rq);
    v[1] = mn_rq_single(v[1], rq);
    v[2] = mn_rq_single(v[2], rq);
    v[3] = mn_rq_single(v[3], rq);
#endif
}

/* v0..v3 clamped to [lo, hi] (within [-128, 127]) as the bytes of one word, v0 in the lowest byte.
 * lo4 / hi4: lo and hi repeated in the 4 bytes. */
static inline uint32_t mn_rq_clamp4(int32_t v0, int32_t v1, int32_t v2, int32_t v3, int32_t lo, int32_t hi,
                                    uint32_t lo4, uint32_t hi4)
{
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && defined(__OPTIMIZE__)
    /* Saturate each to int8 and pack (SSAT, BFI), then per byte max(., lo) and min(., hi): SSUB8 sets the
     * GE flags SEL reads (one asm statement, so nothing comes between them). */
    uint32_t x, t;
    (void)lo;
    (void)hi;
    if (__builtin_constant_p(lo4) && __builtin_constant_p(hi4) && lo4 == 0x80808080u && hi4 == 0x7F7F7F7Fu) {
        /* the full int8 range (known when inlined): SSAT alone clamps */
        __asm__("ssat %[x], #8, %[v0]\n\t"
                "ssat %[t], #8, %[v1]\n\t"
                "bfi %[x], %[t], #8, #8\n\t"
                "ssat %[t], #8, %[v2]\n\t"
                "bfi %[x], %[t], #16, #8\n\t"
                "ssat %[t], #8, %[v3]\n\t"
                "bfi %[x], %[t], #24, #8"
                : [x] "=&r"(x), [t] "=&r"(t)
                : [v0] "r"(v0), [v1] "r"(v1), [v2] "r"(v2), [v3] "r"(v3));
        return x;
    }
    __asm__("ssat %[x], #8, %[v0]\n\t"
            "ssat %[t], #8, %[v1]\n\t"
            "bfi %[x], %[t], #8, #8\n\t"
            "ssat %[t], #8, %[v2]\n\t"
            "bfi %[x], %[t], #16, #8\n\t"
            "ssat %[t], #8, %[v3]\n\t"
            "bfi %[x], %[t], #24, #8\n\t"
            "ssub8 %[t], %[x], %[lo]\n\t"
            "sel %[x], %[x], %[lo]\n\t"
            "ssub8 %[t], %[x], %[hi]\n\t"
            "sel %[x], %[hi], %[x]"
            : [x] "=&r"(x), [t] "=&r"(t)
            : [v0] "r"(v0), [v1] "r"(v1), [v2] "r"(v2), [v3] "r"(v3), [lo] "r"(lo4), [hi] "r"(hi4)
            : "cc");
    return x;
#else
    (void)lo4;
    (void)hi4;
    v0 = v0 < lo ? lo : v0 > hi ? hi : v0;
    v1 = v1 < lo ? lo : v1 > hi ? hi : v1;
    v2 = v2 < lo ? lo : v2 > hi ? hi : v2;
    v3 = v3 < lo ? lo : v3 > hi ? hi : v3;
    return ((uint32_t)v0 & 0xFFu) | (((uint32_t)v1 & 0xFFu) << 8) | (((uint32_t)v2 & 0xFFu) << 16) |
           ((uint32_t)v3 << 24);
#endif
}

#endif /* MN_REQUANT_H */
