"""SOFTMAX kernels: micro/kernels_c/mn_softmax_int8.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

I32 = "int32_t"

SOFTMAX_PARAMS = Struct("mn_softmax_params_t", "SOFTMAX over the last axis.", (
    Field("outer", I32, "rows (product of all but the last dimension)"),
    Field("depth", I32, "the last dimension"),
    Field("input_multiplier", I32, "beta * input_scale as a multiplier in [2^30, 2^31)"),
    Field("input_left_shift", I32, "its left shift, in [0, 31]"),
    Field("diff_min", I32, "-CalculateInputRadius: differences below it give the minimum output"),
))

_DOC = """SOFTMAX over the last axis, int8 input (TFLM reference_ops::Softmax with gemmlowp fixed point:
exp in Q0.31 of Q5.26 scaled differences, sum in Q12.19, reciprocal via GetReciprocal).
Limits inherited from TFLM: int8 output needs each row's sum of exps < 512 (always true for
depth < 512; TFLM aborts otherwise, this kernel outputs the exact rounding, -128); the Q12.19 sum wraps
for depth > 4096 as in TFLM."""

SOFTMAX_INT8 = Kernel(
    func="mn_softmax_int8", source="mn_softmax_int8.c", params=SOFTMAX_PARAMS,
    args=(Arg("input", "input", "int8_t", "[outer][depth]"),
          Arg("output", "output", "int8_t", "[outer][depth], scale 1/256, zero point -128; may be the input")),
    doc=_DOC)

SOFTMAX_INT8_INT16 = Kernel(
    func="mn_softmax_int8_int16", source="mn_softmax_int8.c", params=SOFTMAX_PARAMS,
    args=(Arg("input", "input", "int8_t", "[outer][depth]"),
          Arg("output", "output", "int16_t", "[outer][depth], scale 1/65536, zero point -32768")),
    doc=_DOC)
