/* ARG_MAX / ARG_MIN int8 reference kernel (same output as TFLM reference_ops::ArgMinMax with
 * std::greater / std::less: strict comparisons, so the first extreme index wins). */
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/arg_min_max.py */

void mn_arg_min_max_int8(const mn_arg_min_max_params_t *p, const int8_t *input, int32_t *output)
{
    int32_t o, n, i;

    for (o = 0; o < p->outer; ++o) {
        const int8_t *base = input + (size_t)o * (size_t)p->axis_size * (size_t)p->inner;
        for (n = 0; n < p->inner; ++n) {
            int32_t best = base[n];
            int32_t at = 0;
            for (i = 1; i < p->axis_size; ++i) {
                const int32_t v = base[(size_t)i * (size_t)p->inner + (size_t)n];
                if (p->is_max ? v > best : v < best) {
                    best = v;
                    at = i;
                }
            }
            *output++ = at;
        }
    }
}
