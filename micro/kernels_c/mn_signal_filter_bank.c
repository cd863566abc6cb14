/* TFLM's signal filter bank kernels: SignalFilterBank (signal/src/filter_bank.cc), SignalFilterBankSquareRoot
 * (filter_bank_square_root.cc, square_root_32.cc, square_root_64.cc) and SignalFilterBankLog
 * (filter_bank_log.cc, log.cc). */
#include "mn_kernels.h" /* generated; these kernels' ABI is declared in micro/kernels/signal_filter_bank.py */
#include "mn_signal.h"

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
            for (j = 0; j < width; ++j) {
                weighted += (uint64_t)(int64_t)w[j] * x[j];
                unweighted += (uint64_t)(int64_t)u[j] * x[j];
            }
        }
        if (i > 0) {
            output[i - 1] = weighted;
        }
        weighted = unweighted;
        unweighted = 0;
    }
}

/* Sqrt32: bit by bit, then rounded up when the remainder is larger than the root (unless that overflows) */
static uint16_t mn_sqrt32(uint32_t num)
{
    uint32_t res = 0, bit;
    int32_t max_bit_number, iterations;
    if (num == 0) {
        return 0;
    }
    max_bit_number = (32 - mn_signal_msb32(num)) | 1;
    bit = UINT32_C(1) << (31 - max_bit_number);
    iterations = (31 - max_bit_number) / 2 + 1;
    while (iterations--) {
        if (num >= res + bit) {
            num -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    if (num > res && res != 0xFFFF) {
        ++res;
    }
    return (uint16_t)res;
}

/* Sqrt64. TFLM QUIRK: below 2^32 it takes Sqrt32, whose uint16 result cannot round up past 0xFFFF. */
static uint32_t mn_sqrt64(uint64_t num)
{
    uint64_t res = 0, bit;
    int32_t max_bit_number, iterations;
    if ((num >> 32) == 0) {
        return mn_sqrt32((uint32_t)num);
    }
    max_bit_number = (64 - mn_signal_msb64(num)) | 1;
    bit = UINT64_C(1) << (63 - max_bit_number);
    iterations = (63 - max_bit_number) / 2 + 1;
    while (iterations--) {
        if (num >= res + bit) {
            num -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    if (num > res && res != UINT64_C(0xFFFFFFFF)) {
        ++res;
    }
    return (uint32_t)res;
}

void mn_signal_filter_bank_square_root(const mn_signal_filter_bank_square_root_params_t *p, const uint64_t *input,
                                       const int32_t *scale_bits, uint32_t *output)
{
    /* TFLM shifts the uint32 root right by scale_bits unchecked; x86 (the oracle) takes the count modulo 32,
     * and so does micro (a count outside [0, 31] is undefined in C++; FftAutoScale gives 0..14). */
    const uint32_t shift = (uint32_t)*scale_bits & 31u;
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        output[i] = mn_sqrt64(input[i]) >> shift;
    }
}

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
