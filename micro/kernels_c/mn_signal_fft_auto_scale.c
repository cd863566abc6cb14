/* SignalFftAutoScale (TFLM signal/micro/kernels/fft_auto_scale_kernel.cc, signal/src/fft_auto_scale.cc,
 * max_abs.cc): the input shifted left as far as its largest magnitude allows, and the shift. */
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/signal_fft.py */
#include "mn_signal.h"

void mn_signal_fft_auto_scale(const mn_signal_fft_auto_scale_params_t *p, const int16_t *input, int16_t *output,
                              int32_t *scale_bits)
{
    /* MaxAbs16. TFLM QUIRK: -(-32768) does not fit the int16 maximum, which becomes -32768, so every later
     * value is larger than it again; scale_bits is then 0 (MostSignificantBit32 of 0xFFFF8000 is 32). */
    int16_t max = 0;
    int32_t bits;
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int16_t value = input[i];
        if (value > max) {
            max = value;
        } else if (-(int32_t)value > max) {
            max = (int16_t)-(int32_t)value;
        }
    }
    bits = 16 - mn_signal_msb32((uint32_t)(int32_t)max) - 1;
    if (bits <= 0) {
        bits = 0;
    }
    for (i = 0; i < p->size; ++i) {
        output[i] = (int16_t)((int32_t)input[i] * ((int32_t)1 << bits));
    }
    *scale_bits = bits;
}
