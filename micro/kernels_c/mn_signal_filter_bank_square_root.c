/* SignalFilterBankSquareRoot (TFLM signal/micro/kernels/filter_bank_square_root.cc,
 * signal/src/filter_bank_square_root.cc, square_root_32.cc, square_root_64.cc). */
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/signal_filter_bank.py */
#include "mn_signal.h"

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
