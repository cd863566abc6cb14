/* MAXIMUM and MINIMUM kernels (bit-exact with TFLM MaximumMinimumBroadcastSlow: stored values
 * compared as integers, whatever the quantization). */
#include "mn_broadcast.h"

void mn_maximum_int8(const mn_broadcast_t *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    int8_t *out = output;
    MN_BROADCAST_MAP(p, int8_t, input1, input2, out, x, y, x > y ? x : y);
}

void mn_maximum_int16(const mn_broadcast_t *p, const int16_t *input1, const int16_t *input2, int16_t *output)
{
    int16_t *out = output;
    MN_BROADCAST_MAP(p, int16_t, input1, input2, out, x, y, x > y ? x : y);
}

void mn_maximum_int32(const mn_broadcast_t *p, const int32_t *input1, const int32_t *input2, int32_t *output)
{
    int32_t *out = output;
    MN_BROADCAST_MAP(p, int32_t, input1, input2, out, x, y, x > y ? x : y);
}

void mn_maximum_int64(const mn_broadcast_t *p, const int64_t *input1, const int64_t *input2, int64_t *output)
{
    int64_t *out = output;
    MN_BROADCAST_MAP(p, int64_t, input1, input2, out, x, y, x > y ? x : y);
}

void mn_minimum_int8(const mn_broadcast_t *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    int8_t *out = output;
    MN_BROADCAST_MAP(p, int8_t, input1, input2, out, x, y, x < y ? x : y);
}

void mn_minimum_int16(const mn_broadcast_t *p, const int16_t *input1, const int16_t *input2, int16_t *output)
{
    int16_t *out = output;
    MN_BROADCAST_MAP(p, int16_t, input1, input2, out, x, y, x < y ? x : y);
}

void mn_minimum_int32(const mn_broadcast_t *p, const int32_t *input1, const int32_t *input2, int32_t *output)
{
    int32_t *out = output;
    MN_BROADCAST_MAP(p, int32_t, input1, input2, out, x, y, x < y ? x : y);
}

void mn_minimum_int64(const mn_broadcast_t *p, const int64_t *input1, const int64_t *input2, int64_t *output)
{
    int64_t *out = output;
    MN_BROADCAST_MAP(p, int64_t, input1, input2, out, x, y, x < y ? x : y);
}
