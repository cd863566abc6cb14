/* CAST kernels (same values as TFLM cast.cc's static_cast per element). Narrowing conversions to a
 * signed type keep the low bits: implementation-defined in C99, two's-complement wrap-around on every
 * compiler micro supports (gcc, clang, arm-none-eabi-gcc), as in TFLM's builds. */
#include "mn_kernels.h" /* generated; these kernels' ABI is declared in micro/kernels/cast.py */

#define MN_CAST_KERNEL(func, in_t, out_t)                                  \
    void func(const mn_cast_params_t *p, const in_t *input, out_t *output) \
    {                                                                      \
        int32_t i;                                                         \
        for (i = 0; i < p->size; ++i) {                                    \
            output[i] = (out_t)input[i];                                   \
        }                                                                  \
    }

MN_CAST_KERNEL(mn_cast_int8_int16, int8_t, int16_t)
MN_CAST_KERNEL(mn_cast_int8_int32, int8_t, int32_t)
MN_CAST_KERNEL(mn_cast_int8_uint32, int8_t, uint32_t)
MN_CAST_KERNEL(mn_cast_int16_int8, int16_t, int8_t)
MN_CAST_KERNEL(mn_cast_int16_int32, int16_t, int32_t)
MN_CAST_KERNEL(mn_cast_int16_uint32, int16_t, uint32_t)
MN_CAST_KERNEL(mn_cast_int32_int8, int32_t, int8_t)
MN_CAST_KERNEL(mn_cast_int32_int16, int32_t, int16_t)
MN_CAST_KERNEL(mn_cast_uint32_int8, uint32_t, int8_t)
MN_CAST_KERNEL(mn_cast_uint32_int16, uint32_t, int16_t)
