/* SignalWindow (TFLM signal/micro/kernels/window.cc, signal/src/window.cc): each window_size run of the
 * input times the window, shifted right, saturated to int16. */
#include "mn_kernels.h" /* generated; these kernels' ABI is declared in micro/kernels/signal_window.py */

void mn_signal_window(const mn_signal_window_params_t *p, const int16_t *input, const int16_t *weights,
                      int16_t *output)
{
    int32_t i, j;
    for (i = 0; i < p->size; i += p->window_size) {
        for (j = 0; j < p->window_size; ++j) {
            const int32_t raw = ((int32_t)input[i + j] * weights[j]) >> p->shift;
            output[i + j] = (int16_t)(raw < INT16_MIN ? INT16_MIN : raw > INT16_MAX ? INT16_MAX : raw);
        }
    }
}
