/* SignalFilterBankSpectralSubtraction (TFLM signal/micro/kernels/filter_bank_spectral_subtraction.cc,
 * signal/src/filter_bank_spectral_subtraction.cc): a per-channel noise estimate, smoothed over the invokes,
 * subtracted from the signal. The estimate is the kernel's state (zeros after init and reset, as TFLM's
 * Prepare and Reset memset it); the second output is a copy of it after the invoke. */
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/signal_spectral_subtraction.py */

void mn_signal_spectral_subtraction(const mn_signal_spectral_subtraction_params_t *p, const uint32_t *input,
                                    uint32_t *output, uint32_t *noise_estimate, void *state)
{
    uint32_t *estimate = (uint32_t *)state;
    int32_t i;
    for (i = 0; i < p->num_channels; ++i) {
        /* TFLM QUIRK: odd channels always use the alternate coefficients, even when they are 0 */
        const uint32_t smoothing = (i & 1) ? p->alternate_smoothing : p->smoothing;
        const uint32_t one_minus_smoothing = (i & 1) ? p->alternate_one_minus_smoothing : p->one_minus_smoothing;
        const uint32_t signal_scaled_up = input[i] << p->smoothing_bits;
        uint32_t estimate_scaled_up, floor, subtracted;
        estimate[i] = (uint32_t)(((uint64_t)signal_scaled_up * smoothing + (uint64_t)estimate[i] * one_minus_smoothing) >>
                                 p->spectral_subtraction_bits);
        estimate_scaled_up = estimate[i];
        if (estimate_scaled_up > signal_scaled_up) {
            estimate_scaled_up = signal_scaled_up;
            if (p->clamping) {
                estimate[i] = estimate_scaled_up;
            }
        }
        floor = (uint32_t)(((uint64_t)input[i] * p->min_signal_remaining) >> p->spectral_subtraction_bits);
        subtracted = (signal_scaled_up - estimate_scaled_up) >> p->smoothing_bits;
        output[i] = subtracted > floor ? subtracted : floor;
        noise_estimate[i] = estimate[i];
    }
}
