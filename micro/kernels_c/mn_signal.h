/* Helpers of TFLM's signal library (tflite-micro signal/src) that micro's signal kernels share. */
#ifndef MN_SIGNAL_H
#define MN_SIGNAL_H

#include <limits.h>
#include <stdint.h>

/* MostSignificantBit32 (signal/src/msb_32.cc): the number of bits up to and including the highest set one.
 * TFLM QUIRK: its gcc/clang builds (__builtin_clz) give 32 for x == 0, its portable loop would give 0; micro
 * gives 32, as the oracle does. */
static inline int32_t mn_signal_msb32(uint32_t x)
{
    if (x == 0) {
        return 32;
    }
#if defined(__GNUC__) && UINT_MAX == 0xFFFFFFFFu
    return 32 - __builtin_clz(x);
#elif defined(__GNUC__) && ULONG_MAX == 0xFFFFFFFFu
    return 32 - __builtin_clzl(x);
#else
    {
        int32_t n = 0;
        while (x) {
            x >>= 1;
            ++n;
        }
        return n;
    }
#endif
}

/* MostSignificantBit64 (signal/src/msb_64.cc), 64 for x == 0 as in TFLM's gcc/clang builds. */
static inline int32_t mn_signal_msb64(uint64_t x)
{
    const uint32_t high = (uint32_t)(x >> 32);
    return high ? 32 + mn_signal_msb32(high) : (x ? mn_signal_msb32((uint32_t)x) : 64);
}

#endif /* MN_SIGNAL_H */
