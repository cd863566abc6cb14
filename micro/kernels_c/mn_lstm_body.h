/* The body of the UNIDIRECTIONAL_SEQUENCE_LSTM int8 kernel mn_lstm_int8 (bit-exact with TFLM lstm_eval.h
 * EvalLstm<int8_t, int8_t, int16_t, int32_t>: int8 activations and weights, int32 biases, int16 gates and
 * cell state).
 *
 * TFLM computes a step gate by gate over all units (two FullyConnected calls into int16 buffers, a
 * saturating add, the activation), then the cell update and the hidden update, each over all units,
 * in four [batch][units] int16 scratch buffers. Every one of those operations is elementwise per unit
 * once the dot products are known, so here each unit runs its four gates, its cell update and its new
 * hidden value in registers: no scratch. Only the new hidden values must wait (every gate of every unit
 * reads the previous hidden state): they are written to the step's output row, which TFLM fills with a
 * copy of the hidden state anyway, and copied into the hidden state after the last unit. The input and
 * hidden zero points are folded into input_bias / recurrent_bias at compile time.
 *
 * One copy of the logic for every kernel set: the includer defines MN_LSTM_DOT4(a, w0, w1, w2, w3, n, out), the
 * four gate rows' dot products against one vector with mn_dot4_s8's contract (micro/kernels_c/mn_dot.h), and
 * includes this header once: mn_lstm_int8.c (portable: mn_dot4_s8) and mn_lstm_int8_hifi4.c (HiFi 4:
 * mn_hifi4_dot4_s8). */
#ifndef MN_LSTM_BODY_H
#define MN_LSTM_BODY_H

#ifndef MN_LSTM_DOT4
#error "define MN_LSTM_DOT4 (the four gate rows' dot products) before including mn_lstm_body.h"
#endif

#include <string.h>

#include "mn_fixedpoint.h"
#include "mn_kernels.h" /* generated; this kernel's ABI is declared in micro/kernels/lstm.py */
#include "mn_sigmoid_int16.h"

enum { GATE_INPUT, GATE_FORGET, GATE_CELL, GATE_OUTPUT };

/* Gate g's Q3.12 pre-activation for unit u from its two dot products, times 3: TFLM runs the gate
 * activations as Logistic(0, 0) and Tanh(cell_state_scale_power = -12), TFLM's power-of-two case, whose
 * input rescale is x * 3. Each FullyConnected result is clamped to int16 (its activation range) before
 * the saturating add. */
static int32_t gate_input(const mn_lstm_int8_params_t *p, int32_t g, int32_t u, int32_t dot_x, int32_t dot_h)
{
    const int32_t k = g * p->units + u;
    int32_t from_x = mn_mul_by_qmult(p->input_bias[k] + dot_x, p->input_mult[g], p->input_shift[g]);
    int32_t from_h = mn_mul_by_qmult(p->recurrent_bias[k] + dot_h, p->recurrent_mult[g], p->recurrent_shift[g]);
    from_x = MN_CLAMP(from_x, INT16_MIN, INT16_MAX);
    from_h = MN_CLAMP(from_h, INT16_MIN, INT16_MAX);
    return MN_CLAMP(from_x + from_h, INT16_MIN, INT16_MAX) * 3;
}

/* TFLM MulElementwise of two int16 values (offsets 0): rq(a * b), clamped by the caller. */
static int32_t mul_q(int32_t a, int32_t b, int32_t mult, int32_t shift)
{
    return mn_mul_by_qmult(a * b, mult, shift);
}

/* One unit of one step: its four gates, its cell update (in place), and its new hidden value. */
static int8_t lstm_unit(const mn_lstm_int8_params_t *p, int32_t u, const int8_t *x, const int8_t *const *w_x,
                        const int8_t *h, const int8_t *const *w_h, int16_t *c)
{
    const int32_t tanh_round = p->cell_tanh_shift > 0 ? (int32_t)1 << (p->cell_tanh_shift - 1) : 0;
    const int32_t size = p->input_size, n = p->units;
    int32_t dot_x[4], dot_h[4], gate[4], kept, added, cell, hidden, g;
    /* The four gates' rows against the step's input, then against the previous hidden state. */
    MN_LSTM_DOT4(x, w_x[0] + u * size, w_x[1] + u * size, w_x[2] + u * size, w_x[3] + u * size, size, dot_x);
    MN_LSTM_DOT4(h, w_h[0] + u * n, w_h[1] + u * n, w_h[2] + u * n, w_h[3] + u * n, n, dot_h);
    for (g = 0; g < 4; ++g) {
        const int32_t v = gate_input(p, g, u, dot_x[g], dot_h[g]);
        gate[g] = g == GATE_CELL ? mn_tanh_q15(v, p->table) : mn_sigmoid_q15(v, p->table);
    }
    kept = mul_q(gate[GATE_FORGET], c[u], p->forget_cell_mult, p->forget_cell_shift);
    added = mul_q(gate[GATE_INPUT], gate[GATE_CELL], p->input_cell_mult, p->input_cell_shift);
    kept = MN_CLAMP(kept, INT16_MIN, INT16_MAX);
    added = MN_CLAMP(added, INT16_MIN, INT16_MAX);
    cell = MN_CLAMP(kept + added, INT16_MIN, INT16_MAX);
    if (p->clip_cell) {
        cell = MN_CLAMP(cell, -p->cell_clip, p->cell_clip);
    }
    c[u] = (int16_t)cell;
    hidden = mn_tanh_q15((cell * p->cell_tanh_mult + tanh_round) >> p->cell_tanh_shift, p->table);
    hidden = p->hidden_zero_point + mul_q(hidden, gate[GATE_OUTPUT], p->hidden_mult, p->hidden_shift);
    return (int8_t)MN_CLAMP(hidden, INT8_MIN, INT8_MAX);
}

void mn_lstm_int8(const mn_lstm_int8_params_t *p, const int8_t *input, const int8_t *input_to_input_weights,
                  const int8_t *input_to_forget_weights, const int8_t *input_to_cell_weights,
                  const int8_t *input_to_output_weights, const int8_t *recurrent_to_input_weights,
                  const int8_t *recurrent_to_forget_weights, const int8_t *recurrent_to_cell_weights,
                  const int8_t *recurrent_to_output_weights, int8_t *hidden_state, int16_t *cell_state,
                  int8_t *output)
{
    const int8_t *const w_x[4] = {input_to_input_weights, input_to_forget_weights, input_to_cell_weights,
                                  input_to_output_weights};
    const int8_t *const w_h[4] = {recurrent_to_input_weights, recurrent_to_forget_weights,
                                  recurrent_to_cell_weights, recurrent_to_output_weights};
    const int32_t n = p->units;
    const int32_t rows = p->batches * p->time_steps;
    int32_t row, u;
    /* Rows (one time step of one sequence) in ascending memory order: each sequence still sees its steps
     * in order (batch-major: b outer, t inner; time-major: t outer, b inner, as TFLM), and the output may
     * start before the input in the arena (micro/ops/lstm.py, overlap_gap). */
    for (row = 0; row < rows; ++row) {
        const int32_t b = p->time_major ? row % p->batches : row / p->time_steps;
        const int8_t *x = input + row * p->input_size;
        int8_t *h = hidden_state + b * n;
        int8_t *y = output + row * n;
        for (u = 0; u < n; ++u) {
            y[u] = lstm_unit(p, u, x, w_x, h, w_h, cell_state + b * n);
        }
        memcpy(h, y, (size_t)n);
    }
}

#endif /* MN_LSTM_BODY_H */
