"""int16 TANH kernel: micro/kernels_c/mn_tanh_int16.c (int8 TANH is a table lookup, micro.kernels.lut)."""

from __future__ import annotations

from micro.kernels.abi import Arg, Kernel
from micro.kernels.logistic import SIGMOID_INT16_PARAMS

TANH_INT16 = Kernel(
    func="mn_tanh_int16", source="mn_tanh_int16.c", params=SIGMOID_INT16_PARAMS,
    args=(Arg("input", "input", "int16_t", "size elements, zero point 0"),
          Arg("output", "output", "int16_t", "size elements, scale 2^-15, zero point 0; may be the input")),
    doc="""TANH, int16 (TFLM reference_integer_ops::Tanh, int16 overload), through the sigmoid table
(tanh(x) = 2 sigmoid(2x) - 1):
  x = (input * input_multiplier + round) >> input_left_shift, round = 2^(shift-1) (0 for shift 0)
  |x| indexes the table by |x| >> 8 and interpolates with its low 8 bits (saturating from index 255),
  recentred by 2^23, mirrored for negative x, and shifted right by 8 to Q0.15.
TFLM's power-of-two input case (multiplier 0) arrives here already as multiplier 3 << shift, shift 0.""")
