/* SignalPCAN (TFLM signal/micro/kernels/pcan.cc, signal/src/pcan_argc_fixed.cc): per-channel automatic gain
 * control from the noise estimate, through the gain lookup table, then the "shrink" curve. */
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/signal_pcan.py */
#include "mn_signal.h"

#define MN_PCAN_SNR_BITS 12    /* kPcanSnrBits */
#define MN_PCAN_OUTPUT_BITS 6  /* kPcanOutputBits */

/* WideDynamicFunction: piecewise quadratic interpolation in the gain table (3 coefficients per octave).
 * TFLM's int arithmetic may overflow for extreme tables; micro wraps as TFLM's builds do. */
static int16_t mn_wide_dynamic(uint32_t x, const int16_t *lut)
{
    int32_t interval, result;
    int16_t frac;
    if (x <= 2) {
        return lut[x];
    }
    interval = mn_signal_msb32(x);
    lut += 4 * interval - 6;
    frac = (int16_t)(((interval < 11) ? (x << (11 - interval)) : (x >> (interval - 11))) & 0x3FF);
    result = ((int32_t)lut[2] * frac) >> 5;
    result += (int32_t)((uint32_t)(int32_t)lut[1] << 5);
    result = (int32_t)((uint32_t)result * (uint32_t)(int32_t)frac);
    result = (int32_t)((uint32_t)result + (UINT32_C(1) << 14)) >> 15;
    result += lut[0];
    return (int16_t)result;
}

/* PcanShrink: x^2 / 4 below 2, x - 1 above (x with MN_PCAN_SNR_BITS fractional bits, the result with
 * MN_PCAN_OUTPUT_BITS) */
static uint32_t mn_pcan_shrink(uint32_t x)
{
    if (x < (UINT32_C(2) << MN_PCAN_SNR_BITS)) {
        return (x * x) >> (2 + 2 * MN_PCAN_SNR_BITS - MN_PCAN_OUTPUT_BITS);
    }
    return (x >> (MN_PCAN_SNR_BITS - MN_PCAN_OUTPUT_BITS)) - (UINT32_C(1) << MN_PCAN_OUTPUT_BITS);
}

void mn_signal_pcan(const mn_signal_pcan_params_t *p, const uint32_t *input, const uint32_t *noise_estimate,
                    const int16_t *gain_lut, uint32_t *output)
{
    int32_t i;
    for (i = 0; i < p->num_channels; ++i) {
        /* the int16 gain as uint32: a negative gain becomes 2^32 + gain, as in TFLM */
        const uint32_t gain = (uint32_t)(int32_t)mn_wide_dynamic(noise_estimate[i], gain_lut);
        const uint32_t snr = (uint32_t)(((uint64_t)input[i] * gain) >> p->snr_shift);
        output[i] = mn_pcan_shrink(snr);
    }
}
