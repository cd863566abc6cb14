/* SVDF int8, HiFi 4 variants of mn_svdf_int8.c (the same ABI, micro/kernels/svdf.py; bit-exact with TFLM
 * svdf_common.cc EvalIntegerSvdfReference<T>): the same kernel body (mn_svdf_body.h) with
 *   - the feature filters' dot products (int8 weights x int8 input) by mn_hifi4_dot4_s8 / mn_hifi4_dot_s8
 *     (mn_hifi4.h): the input widened to int16 once per four filters, each filter through aligned F-form weight
 *     loads, unaligned 16-bit input loads and quad multiply-accumulates into a 64-bit accumulator;
 *   - each filter's time product after its memory shift (a memmove, then the newest value stored last): int16
 *     time weights x int16 state by mn_hifi4_dot_s16 (two unaligned 16-bit streams, quad multiply-accumulates),
 *     int8 x int8 by mn_hifi4_dot_s8 (the state widened, the time weights as the row).
 * Each exact 64-bit sum wraps to TFLM's int32. Stack: MN_HIFI4_CHUNK + 4 int16 (264 bytes). */
#include <string.h>

#include "mn_hifi4.h"

static int32_t shift_and_dot_s16(int16_t *s, const int16_t *w, int32_t memory, int16_t newest)
{
    memmove(s, s + 1, (size_t)(memory - 1) * sizeof *s);
    s[memory - 1] = newest;
    return mn_hifi4_dot_s16(s, w, memory);
}

static int32_t shift_and_dot_s8(int8_t *s, const int8_t *w, int32_t memory, int8_t newest)
{
    memmove(s, s + 1, (size_t)(memory - 1));
    s[memory - 1] = newest;
    return mn_hifi4_dot_s8(s, w, memory);
}

#define MN_SVDF_DOT4 mn_hifi4_dot4_s8
#define MN_SVDF_DOT mn_hifi4_dot_s8
#define MN_SVDF_SHIFT_AND_DOT_S16 shift_and_dot_s16
#define MN_SVDF_SHIFT_AND_DOT_S8 shift_and_dot_s8
#include "mn_svdf_body.h"
