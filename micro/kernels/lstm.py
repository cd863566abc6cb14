"""UNIDIRECTIONAL_SEQUENCE_LSTM kernel: micro/kernels_c/mn_lstm_int8.c, HiFi 4 variant mn_lstm_int8_hifi4.c, one
body mn_lstm_body.h (int8 activations and weights, int32 biases, int16 cell state)."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

I32 = "int32_t"
GATES = ("input", "forget", "cell", "output")  # the order of TFLite's weight tensors and of these arrays

LSTM_INT8_PARAMS = Struct("mn_lstm_int8_params_t", "Integer LSTM shapes and requantizations (TFLM "
                          "lstm_eval_common.cc PrepareGateParametersInteger).", (
    Field("batches", I32, "sequences"),
    Field("time_steps", I32, "steps per sequence"),
    Field("input_size", I32, "input features per step"),
    Field("units", I32, "state dimension (hidden and cell units)"),
    Field("time_major", I32, "1: input/output [time][batch][features]; 0: [batch][time][features]"),
    Field("input_mult", I32, "[4] input FC -> gate (Q3.12) multipliers, gate order input, forget, cell, output",
          array=True),
    Field("input_shift", I32, "[4] their shifts", array=True),
    Field("recurrent_mult", I32, "[4] recurrent FC -> gate (Q3.12) multipliers", array=True),
    Field("recurrent_shift", I32, "[4] their shifts", array=True),
    Field("input_bias", I32, "[4][units] gate bias - input zero point * row sums of the input weights", array=True),
    Field("recurrent_bias", I32, "[4][units] -hidden zero point * row sums of the recurrent weights", array=True),
    Field("forget_cell_mult", I32, "forget gate (Q0.15) x cell state -> cell state multiplier"),
    Field("forget_cell_shift", I32, "its shift"),
    Field("input_cell_mult", I32, "input gate x cell gate (Q0.15 x Q0.15) -> cell state multiplier"),
    Field("input_cell_shift", I32, "its shift"),
    Field("hidden_mult", I32, "tanh(cell) x output gate (Q0.15 x Q0.15) -> hidden state multiplier"),
    Field("hidden_shift", I32, "its shift"),
    Field("hidden_zero_point", I32, "hidden state (and output) zero point"),
    Field("clip_cell", I32, "1: clamp the cell state to [-cell_clip, cell_clip] (the op's cell_clip > 0)"),
    Field("cell_clip", I32, "quantized cell clip, in [0, 32767]"),
    Field("cell_tanh_mult", I32, "tanh(cell) input rescale multiplier (from the cell scale 2^-k)"),
    Field("cell_tanh_shift", I32, "its right shift"),
    Field("table", "uint16_t", "[256] TFLM's sigmoid_table_uint16", array=True),
))

LSTM_INT8 = Kernel(
    func="mn_lstm_int8", source="mn_lstm_int8.c", params=LSTM_INT8_PARAMS,
    variants=(("hifi4", "mn_lstm_int8_hifi4.c"),),
    args=(Arg("input", "input", "int8_t", "[batches][time_steps][input_size] (time_major: [time][batch][input])"),
          *(Arg(f"input_to_{g}_weights", "input", "int8_t", "[units][input_size]") for g in GATES),
          *(Arg(f"recurrent_to_{g}_weights", "input", "int8_t", "[units][units]") for g in GATES),
          Arg("hidden_state", "input", "int8_t", "[batches][units], a variable tensor", in_place=True),
          Arg("cell_state", "input", "int16_t", "[batches][units], a variable tensor", in_place=True),
          Arg("output", "output", "int8_t", "[batches][time_steps][units] (time_major: [time][batch][units])")),
    doc="""UNIDIRECTIONAL_SEQUENCE_LSTM, int8 x int8 -> int16 gates, int16 cell state (TFLM lstm_eval.h
EvalLstm<int8_t, int8_t, int16_t, int32_t>), every time step. Per step and unit u, for each gate g:
  gate = sat16(sat16(rq(input_bias + input . W_x[g][u], input_mult[g]))
               + sat16(rq(recurrent_bias + hidden . W_h[g][u], recurrent_mult[g])))   (Q3.12)
then sigmoid (tanh for the cell gate, the op's activation) to Q0.15, and
  cell = clip(sat16(sat16(rq(forget * cell)) + sat16(rq(input * cell_gate))))
  hidden = clamp(hidden_zero_point + rq(tanh(cell) * output), -128, 127)
with rq TFLM's MultiplyByQuantizedMultiplier. The new hidden values go to the step's output row and are
copied into the hidden state once every unit is done (all gates read the previous hidden state). No
scratch: TFLM keeps four [batch][units] int16 gate buffers.""")
