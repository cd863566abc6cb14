/* Firmware of the xtensa_qemu board: runs a model on input sets embedded at build time (mn_xt_vectors.c,
 * written by micro/deploy/xtensa_qemu.py) and streams every tensor an op produces, each output and the
 * state after every invoke to QEMU's standard output through semihosting, for the host to compare with
 * TFLM (micro verify MODEL --board xtensa_qemu). A self-test firmware with embedded vectors rather than
 * the serial protocol: QEMU's xtensa sim machine has no UART (docs/hifi.md).
 *
 * Records, little-endian: {magic "MNR", kind, int32 a, int32 b, uint32 n} then n bytes.
 *   kind 'S': input set a starts;  'T': op a produced tensor b;  'O': output a;  'Z': the state region;
 *   'E': end (a = sets run).
 * Before the traced sets, set 0 is invoked once without the trace between mn_xt_cost_begin and
 * mn_xt_cost_end (the QEMU instruction-count plugin's markers; an empty pair first calibrates them), then
 * the model is initialised afresh. Between sets the state is reset unless the sets stream (mn_xt_stream).
 * MN_MODEL: the model's C name (-DMN_MODEL=kws -DMN_MODEL_HEADER='"kws.h"'). */
#include <stdint.h>
#include <string.h>

#include "mn_xtensa.h"
#include MN_MODEL_HEADER

#define MN_CAT_(a, b) a##_##b
#define MN_CAT(a, b) MN_CAT_(a, b)
#define MN_FN(x) MN_CAT(MN_MODEL, x)

extern const uint32_t mn_xt_sets, mn_xt_stream, mn_xt_num_inputs, mn_xt_num_outputs, mn_xt_state_bytes;
extern const uint32_t mn_xt_input_bytes[], mn_xt_output_bytes[];
extern const uint8_t *const mn_xt_inputs[]; /* set s, input i: [s * num_inputs + i] */

static void mn_xt_record(char kind, int32_t a, int32_t b, const void *data, uint32_t n)
{
    unsigned char h[16];
    const uint32_t v[3] = {(uint32_t)a, (uint32_t)b, n};
    int i, k;
    h[0] = 'M';
    h[1] = 'N';
    h[2] = 'R';
    h[3] = (unsigned char)kind;
    for (i = 0; i < 3; ++i) {
        for (k = 0; k < 4; ++k) {
            h[4 + 4 * i + k] = (unsigned char)(v[i] >> (8 * k));
        }
    }
    mn_xt_write(h, sizeof h);
    if (n) {
        mn_xt_write(data, n);
    }
}

static void mn_xt_trace(int op, int tensor, const void *data, size_t n)
{
    mn_xt_record('T', op, tensor, data, (uint32_t)n);
}

/* The instruction-count plugin's markers: never inlined, so their first instructions are addresses. */
void mn_xt_cost_begin(void) __attribute__((noinline));
void mn_xt_cost_end(void) __attribute__((noinline));
void mn_xt_cost_begin(void)
{
    __asm__ volatile("" ::: "memory");
}
void mn_xt_cost_end(void)
{
    __asm__ volatile("" ::: "memory");
}

static void mn_xt_load_inputs(uint32_t s)
{
    uint32_t i;
    for (i = 0; i < mn_xt_num_inputs; ++i) {
        memcpy(MN_FN(input)((int)i), mn_xt_inputs[s * mn_xt_num_inputs + i], mn_xt_input_bytes[i]);
    }
}

int main(void)
{
    uint32_t s, o;
    MN_FN(init)();
    mn_xt_cost_begin();
    mn_xt_cost_end();
    if (mn_xt_sets) {
        mn_xt_load_inputs(0);
        mn_xt_cost_begin();
        MN_FN(invoke)();
        mn_xt_cost_end();
        MN_FN(init)();
    }
    MN_FN(trace_hook) = mn_xt_trace;
    for (s = 0; s < mn_xt_sets; ++s) {
        if (s && !mn_xt_stream) {
            MN_FN(reset)();
        }
        mn_xt_record('S', (int32_t)s, 0, 0, 0);
        mn_xt_load_inputs(s);
        MN_FN(invoke)();
        for (o = 0; o < mn_xt_num_outputs; ++o) {
            mn_xt_record('O', (int32_t)o, 0, MN_FN(output)((int)o), mn_xt_output_bytes[o]);
        }
        mn_xt_record('Z', 0, 0, MN_FN(state)(), mn_xt_state_bytes);
    }
    mn_xt_record('E', (int32_t)mn_xt_sets, 0, 0, 0);
    return 0;
}
