/* SignalFilterBank (TFLM signal/micro/kernels/filter_bank.cc, signal/src/filter_bank.cc). */
#include "mn_kernels.h" /* generated; these kernels' ABI is declared in micro/kernels/signal_filter_bank.py */

void mn_signal_filter_bank(const mn_signal_filter_bank_params_t *p, const uint32_t *input, const int16_t *weights,
                           const int16_t *unweights, const int16_t *channel_frequency_starts,
                           const int16_t *channel_weight_starts, const int16_t *channel_widths, uint64_t *output)
{
    /* FilterbankAccumulateChannels: num_channels + 1 channels, the first one only carrying the unweighted
     * sums into channel 1 (TFLM's work area, whose element 0 it discards). Products are uint64: a negative
     * weight counts as 2^64 + weight, as in TFLM. */
    uint64_t weighted = 0, unweighted = 0;
    int32_t i, j;
    for (i = 0; i <= p->num_channels; ++i) {
        const int32_t width = channel_widths[i];
        if (width > 0) { /* lowering checked these runs lie inside the input and the weights */
            const uint32_t *x = input + channel_frequency_starts[i];
            const int16_t *w = weights + channel_weight_starts[i];
            const int16_t *u = unweights + channel_weight_starts[i];
            if (p->unsigned_weights) { /* the same products as 32 x 32 -> 64 multiply-adds (UMLAL) */
                for (j = 0; j < width; ++j) {
                    weighted += (uint64_t)(uint16_t)w[j] * x[j];
                    unweighted += (uint64_t)(uint16_t)u[j] * x[j];
                }
            } else {
                for (j = 0; j < width; ++j) {
                    weighted += (uint64_t)(int64_t)w[j] * x[j];
                    unweighted += (uint64_t)(int64_t)u[j] * x[j];
                }
            }
        }
        if (i > 0) {
            output[i - 1] = weighted;
        }
        weighted = unweighted;
        unweighted = 0;
    }
}
