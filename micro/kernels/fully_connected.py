"""FULLY_CONNECTED kernels: micro/kernels_c/mn_fully_connected_int8.c (int8) and mn_fully_connected_int16.c
(16x8)."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

I32 = "int32_t"

FULLY_CONNECTED_PARAMS = Struct("mn_fully_connected_params_t", "FULLY_CONNECTED shapes and requantization.", (
    Field("batches", I32, "rows of the input"),
    Field("in_depth", I32, "input features"),
    Field("out_depth", I32, "output units"),
    Field("input_offset", I32, "-input zero point, in [-127, 128]"),
    Field("filter_offset", I32, "-filter zero point (0 for TFLite int8)"),
    Field("output_offset", I32, "output zero point, in [-128, 127]"),
    Field("act_min", I32, "lower clamp (fused activation)"),
    Field("act_max", I32, "upper clamp (fused activation)"),
    Field("per_channel", I32, "0: mult[0]/shift[0] for every unit; 1: mult[o]/shift[o] per unit"),
    Field("mult", I32, "multipliers (1 or out_depth)", array=True),
    Field("shift", I32, "shifts (1 or out_depth)", array=True),
    Field("folded_bias", I32, "[out_depth] bias + input_offset * row sums of the filter, or NULL",
          array=True, optional=True),
))

FULLY_CONNECTED_INT8 = Kernel(
    func="mn_fully_connected_int8", source="mn_fully_connected_int8.c", params=FULLY_CONNECTED_PARAMS,
    variants=(("hifi4", "mn_fully_connected_int8_hifi4.c"),),
    args=(Arg("input", "input", "int8_t", "[batches][in_depth]"),
          Arg("filter", "input", "int8_t", "[out_depth][in_depth]"),
          Arg("bias", "input", "int32_t", "[out_depth], or NULL", optional=True),
          Arg("output", "output", "int8_t", "[batches][out_depth]")),
    doc="""FULLY_CONNECTED, int8 activations and weights, int32 bias (TFLM reference FullyConnected /
FullyConnectedPerChannel). folded_bias, when given (computed at compile time for constant filters with
filter_offset 0), replaces bias and the input offset: the kernel accumulates plain input*filter
products (the same integer result, fewer operations).""")

FULLY_CONNECTED_INT16_PARAMS = Struct("mn_fully_connected_int16_params_t",
                                      "FULLY_CONNECTED 16x8 shapes and requantization.", (
    Field("batches", I32, "rows of the input"),
    Field("in_depth", I32, "input features"),
    Field("out_depth", I32, "output units"),
    Field("input_offset", I32, "-input zero point (0 for converter-made int16)"),
    Field("filter_offset", I32, "-filter zero point (0 for TFLite int8 weights)"),
    Field("output_offset", I32, "output zero point (0 for converter-made int16)"),
    Field("act_min", I32, "lower clamp (fused activation)"),
    Field("act_max", I32, "upper clamp (fused activation)"),
    Field("per_channel", I32, "0: mult[0]/shift[0] for every unit (filter offset applied); 1: mult[o]/shift[o] "
                              "per unit (TFLM's per-channel kernel ignores the filter offset)"),
    Field("mult", I32, "multipliers (1 or out_depth)", array=True),
    Field("shift", I32, "shifts (1 or out_depth)", array=True),
))

_FC_INT16_DOC = """FULLY_CONNECTED, int16 activations, int8 weights (per-tensor or per-channel), {bias} bias (TFLM
reference_integer_ops::FullyConnected / FullyConnectedPerChannel with {acc} accumulators): acc = sum
(filter + filter_offset) * (input + input_offset) (per-channel: filter * (input + input_offset)) + bias,
then {rq}, + output_offset, clamped."""

FULLY_CONNECTED_INT16 = Kernel(
    func="mn_fully_connected_int16", source="mn_fully_connected_int16.c", params=FULLY_CONNECTED_INT16_PARAMS,
    args=(Arg("input", "input", "int16_t", "[batches][in_depth]"),
          Arg("filter", "input", "int8_t", "[out_depth][in_depth]"),
          Arg("bias", "input", "int64_t", "[out_depth], or NULL", optional=True),
          Arg("output", "output", "int16_t", "[batches][out_depth]")),
    doc=_FC_INT16_DOC.format(bias="int64", acc="int64_t", rq="the 64-bit MultiplyByQuantizedMultiplier"))

FULLY_CONNECTED_INT16_ACC32 = Kernel(
    func="mn_fully_connected_int16_acc32", source="mn_fully_connected_int16.c",
    params=FULLY_CONNECTED_INT16_PARAMS,
    args=(Arg("input", "input", "int16_t", "[batches][in_depth]"),
          Arg("filter", "input", "int8_t", "[out_depth][in_depth]"),
          Arg("bias", "input", "int32_t", "[out_depth], or NULL", optional=True),
          Arg("output", "output", "int16_t", "[batches][out_depth]")),
    doc=_FC_INT16_DOC.format(bias="int32", acc="wrapping int32_t",
                             rq="the double-rounding int32 MultiplyByQuantizedMultiplier"))
