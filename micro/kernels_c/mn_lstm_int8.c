/* UNIDIRECTIONAL_SEQUENCE_LSTM int8 kernel, portable set: the gate dot products by mn_dot4_s8 (with the Arm
 * DSP path where __ARM_FEATURE_DSP is defined); the kernel itself is mn_lstm_body.h (bit-exact with TFLM
 * lstm_eval.h EvalLstm<int8_t, int8_t, int16_t, int32_t>). */
#include "mn_dot.h"

#define MN_LSTM_DOT4 mn_dot4_s8
#include "mn_lstm_body.h"
