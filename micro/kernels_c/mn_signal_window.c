/* SignalWindow (TFLM signal/micro/kernels/window.cc, signal/src/window.cc): each window_size run of the
 * input times the window, shifted right, saturated to int16. With the Arm DSP extension, two samples at a
 * time: SMULBB / SMULTT products, shifted, SSAT to 16 bits, packed (the same values). */
#include "mn_kernels.h" /* generated; these kernels' ABI is declared in micro/kernels/signal_window.py */
#include "mn_dsp.h"

static inline int16_t mn_window_one(int16_t x, int16_t w, int32_t shift)
{
    const int32_t raw = ((int32_t)x * w) >> shift;
    return (int16_t)(raw < INT16_MIN ? INT16_MIN : raw > INT16_MAX ? INT16_MAX : raw);
}

void mn_signal_window(const mn_signal_window_params_t *p, const int16_t *input, const int16_t *weights,
                      int16_t *output)
{
    const int32_t shift = p->shift;
    int32_t i, j;
    for (i = 0; i < p->size; i += p->window_size) {
        const int16_t *x = input + i;
        int16_t *y = output + i;
        j = 0;
#if defined(__ARM_FEATURE_DSP)
        for (; j + 1 < p->window_size; j += 2) {
            const int32_t xx = (int32_t)mn_ld32(x + j), ww = (int32_t)mn_ld32(weights + j);
            const int32_t lo = (int32_t)(int16_t)xx * (int16_t)ww; /* SMULBB */
            const int32_t hi = (xx >> 16) * (ww >> 16);            /* SMULTT */
            const uint32_t pair = mn_pack_lo((uint32_t)__ssat(lo >> shift, 16), (uint32_t)__ssat(hi >> shift, 16));
            memcpy(y + j, &pair, sizeof pair);
        }
#endif
        for (; j < p->window_size; ++j) {
            y[j] = mn_window_one(x[j], weights[j], shift);
        }
    }
}
