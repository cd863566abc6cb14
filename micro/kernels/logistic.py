"""int16 LOGISTIC kernel: micro/kernels_c/mn_logistic_int16.c (int8 LOGISTIC is a table lookup,
micro.kernels.lut)."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

SIGMOID_INT16_PARAMS = Struct("mn_sigmoid_int16_params_t", "int16 LOGISTIC / TANH input rescale and table.", (
    Field("size", "int32_t", "elements"),
    Field("input_multiplier", "int32_t", "rescales the input to the table's scale, in [0, 32767]"),
    Field("input_left_shift", "int32_t", "its right shift (named as in TFLM), in [0, 31]"),
    Field("table", "uint16_t", "[256] TFLM's sigmoid_table_uint16: sigmoid(i / 24) in Q0.16", array=True),
))

LOGISTIC_INT16 = Kernel(
    func="mn_logistic_int16", source="mn_logistic_int16.c", params=SIGMOID_INT16_PARAMS,
    args=(Arg("input", "input", "int16_t", "size elements, zero point 0"),
          Arg("output", "output", "int16_t", "size elements, scale 2^-15, zero point 0; may be the input")),
    doc="""LOGISTIC, int16 (TFLM reference_integer_ops::Logistic, int16 overload):
  x = (input * input_multiplier + round) >> input_left_shift, round = 2^(shift-1) (0 for shift 0)
  |x| indexes the table by |x| >> 9 and interpolates with its low 9 bits (saturating from index 255),
  negative inputs mirror (1 - sigmoid), and the Q0.25 result is rounded to Q0.15.
TFLM's power-of-two input case (multiplier 0) arrives here already as multiplier 3 << shift, shift 0.""")
