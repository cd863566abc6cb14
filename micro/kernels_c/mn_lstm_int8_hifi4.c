/* UNIDIRECTIONAL_SEQUENCE_LSTM int8, HiFi 4 variant of mn_lstm_int8.c (the same ABI, micro/kernels/lstm.py;
 * bit-exact with TFLM lstm_eval.h EvalLstm<int8_t, int8_t, int16_t, int32_t>): the same kernel body
 * (mn_lstm_body.h) with each unit's four gate dot products, against the step's input and against the previous
 * hidden state, by mn_hifi4_dot4_s8 (mn_hifi4.h): the vector widened to int16 once per four rows, each row
 * through aligned F-form weight loads, unaligned 16-bit vector loads and quad multiply-accumulates into a
 * 64-bit accumulator, its exact sum wrapped to TFLM's int32. Stack: MN_HIFI4_CHUNK + 4 int16 (264 bytes). */
#include "mn_hifi4.h"

#define MN_LSTM_DOT4 mn_hifi4_dot4_s8
#include "mn_lstm_body.h"
