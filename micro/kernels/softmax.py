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

SOFTMAX_INT16_PARAMS = Struct("mn_softmax_int16_params_t", "SOFTMAX over the last axis, int16 input.", (
    Field("outer", I32, "rows (product of all but the last dimension)"),
    Field("depth", I32, "the last dimension"),
    Field("input_multiplier", I32, "input_scale * beta / (10 / 65535) as a quantized multiplier"),
    Field("input_left_shift", I32, "its shift"),
    Field("exp_lut", "int16_t", "[513] exp(x) for x in [-10, 0] on 2/65535 (TFLM LUTPopulate)", array=True),
    Field("one_over_one_plus_x_lut", "int16_t", "[513] 1 / (1 + x) for x in [0, 1] on 2/65535", array=True),
))

SOFTMAX_INT16 = Kernel(
    func="mn_softmax_int16", source="mn_softmax_int16.c", params=SOFTMAX_INT16_PARAMS,
    args=(Arg("input", "input", "int16_t", "[outer][depth], zero point 0"),
          Arg("output", "output", "int16_t", "[outer][depth], scale 1/32768, zero point 0; may be the input")),
    doc="""SOFTMAX over the last axis, int16 (TFLM reference_ops::SoftmaxInt16). Per row: each difference to
the row maximum is rescaled so that [-65535, 0] covers [-10, 0], recentred by 32767 and looked up in
exp_lut (9-bit index, 7-bit linear interpolation); the Q16.15 sum is normalized by its leading zeros,
recentred and looked up in one_over_one_plus_x_lut; each exp times that reciprocal, rounded and shifted
back, clamped to [0, 32767]. The exps are kept in the output row between the two passes, as TFLM does.""")
