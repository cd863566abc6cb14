/* SignalEnergy (TFLM signal/micro/kernels/energy.cc, signal/src/energy.cc): the power of complex bins. */
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/signal_fft.py */
#include "mn_dsp.h"

void mn_signal_energy(const mn_signal_energy_params_t *p, const int16_t *input, uint32_t *output)
{
    /* TFLM writes only [start_index, end_index) and leaves the rest of the output as the arena held it
     * (zeros in the oracle's preserved tensors); micro writes zeros there, so every tensor is defined. Each
     * bin in ascending order, after its own input was read: the output may be the input. */
    int32_t i;
    for (i = 0; i < p->start_index && i < p->size; ++i) {
        output[i] = 0;
    }
    for (; i < p->end_index; ++i) {
#if defined(__ARM_FEATURE_DSP)
        /* SMUAD: re^2 + im^2 wrapping as TFLM's int32 sum does */
        const int32_t c = (int32_t)mn_ld32(input + 2 * i);
        output[i] = (uint32_t)__smuad(c, c);
#else
        const int16_t re = input[2 * i];
        const int16_t im = input[2 * i + 1];
        /* int32 in TFLM, where (-32768)^2 * 2 wraps: the same bits as this unsigned sum */
        output[i] = (uint32_t)((int32_t)re * re) + (uint32_t)((int32_t)im * im);
#endif
    }
    for (; i < p->size; ++i) {
        output[i] = 0;
    }
}
