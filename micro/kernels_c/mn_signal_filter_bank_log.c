/* SignalFilterBankLog (TFLM signal/micro/kernels/filter_bank_log.cc, signal/src/filter_bank_log.cc, log.cc). */
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/signal_filter_bank.py */
#include "mn_signal.h"

/* kLogLut of signal/src/log.cc: 128 segments of the log2 fraction, scale 2^16, and one of padding */
static const uint16_t mn_signal_log_lut[130] = {
    0,    224,  442,  654,  861,  1063, 1259, 1450, 1636, 1817, 1992, 2163, 2329, 2490, 2646, 2797, 2944, 3087,
    3224, 3358, 3487, 3611, 3732, 3848, 3960, 4068, 4172, 4272, 4368, 4460, 4549, 4633, 4714, 4791, 4864, 4934,
    5001, 5063, 5123, 5178, 5231, 5280, 5326, 5368, 5408, 5444, 5477, 5507, 5533, 5557, 5578, 5595, 5610, 5622,
    5631, 5637, 5640, 5641, 5638, 5633, 5626, 5615, 5602, 5586, 5568, 5547, 5524, 5498, 5470, 5439, 5406, 5370,
    5332, 5291, 5249, 5203, 5156, 5106, 5054, 5000, 4944, 4885, 4825, 4762, 4697, 4630, 4561, 4490, 4416, 4341,
    4264, 4184, 4103, 4020, 3935, 3848, 3759, 3668, 3575, 3481, 3384, 3286, 3186, 3084, 2981, 2875, 2768, 2659,
    2549, 2437, 2323, 2207, 2090, 1971, 1851, 1729, 1605, 1480, 1353, 1224, 1094, 963,  830,  695,  559,  421,
    282,  142,  0,    0};

/* Log2FractionPart32: the fraction of log2(x) above log2x, scale 2^16, interpolated in the table */
static uint32_t mn_log2_fraction(uint32_t x, int32_t log2x)
{
    int32_t frac = (int32_t)(x - ((uint32_t)1 << log2x));
    uint32_t base_seg;
    int32_t c0, c1, seg_base, rel_pos;
    if (log2x < 16) {
        frac <<= 16 - log2x;
    } else {
        frac >>= log2x - 16;
    }
    base_seg = (uint32_t)(frac >> 9);
    c0 = mn_signal_log_lut[base_seg];
    c1 = mn_signal_log_lut[base_seg + 1];
    seg_base = (int32_t)(base_seg << 9);
    rel_pos = ((c1 - c0) * (frac - seg_base)) >> 16;
    return (uint32_t)(frac + c0 + rel_pos);
}

/* Log32: ln(x) * out_scale, rounded (uint32 arithmetic wraps as in TFLM) */
static uint32_t mn_log32(uint32_t x, uint32_t out_scale)
{
    const int32_t integer = mn_signal_msb32(x) - 1;
    const uint32_t log2 = ((uint32_t)integer << 16) + mn_log2_fraction(x, integer);
    const uint32_t loge = (uint32_t)((UINT64_C(45426) * log2 + UINT32_C(32768)) >> 16);
    return (out_scale * loge + UINT32_C(32768)) >> 16;
}

void mn_signal_filter_bank_log(const mn_signal_filter_bank_log_params_t *p, const uint32_t *input, int16_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const uint32_t scaled = input[i] << p->input_correction_bits;
        if (scaled > 1) {
            const uint32_t value = mn_log32(scaled, p->output_scale);
            output[i] = (int16_t)(value < UINT32_C(32767) ? value : UINT32_C(32767));
        } else {
            output[i] = 0;
        }
    }
}
