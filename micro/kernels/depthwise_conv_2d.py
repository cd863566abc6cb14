"""DEPTHWISE_CONV_2D kernels: micro/kernels_c/mn_depthwise_conv_2d_int8.c (int8) and
mn_depthwise_conv_2d_int16.c (16x8)."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct
from micro.kernels.window import CHANNEL_REQUANT, CHANNEL_REQUANT_INT16, OVERLAP_CONTRACT, WINDOW

DEPTHWISE_CONV_2D_PARAMS = Struct("mn_depthwise_conv_2d_params_t", "DEPTHWISE_CONV_2D geometry and requantization.", (
    Field("win", WINDOW, "geometry; out_c = in_c * depth_mult"),
    Field("depth_mult", "int32_t", "depth multiplier"),
    Field("rq", CHANNEL_REQUANT, "requantization of each output channel"),
))

DEPTHWISE_CONV_2D_INT8 = Kernel(
    func="mn_depthwise_conv_2d_int8", source="mn_depthwise_conv_2d_int8.c", params=DEPTHWISE_CONV_2D_PARAMS,
    args=(Arg("input", "input", "int8_t", "[batches][in_h][in_w][in_c]"),
          Arg("filter", "input", "int8_t", "[1][k_h][k_w][out_c] (zero point ignored, as TFLM)"),
          Arg("bias", "input", "int32_t", "[out_c], or NULL", optional=True),
          Arg("output", "output", "int8_t", "[batches][out_h][out_w][out_c]")),
    doc=f"""DEPTHWISE_CONV_2D, int8 activations, int8 weights (per-channel or per-tensor broadcast),
int32 bias (TFLM reference_integer_ops::DepthwiseConvPerChannel). Output channel
oc = ic * depth_mult + m reads input channel ic = oc / depth_mult.
{OVERLAP_CONTRACT}
In the overlap modes the kernel writes one pixel at a time, every channel block of a pixel before the
next pixel; otherwise it takes a faster channel-block order. No scratch (under 1 KB of stack).""")

DEPTHWISE_CONV_2D_INT16_PARAMS = Struct("mn_depthwise_conv_2d_int16_params_t",
                                        "DEPTHWISE_CONV_2D 16x8 geometry and requantization.", (
    Field("win", WINDOW, "geometry; out_c = in_c * depth_mult"),
    Field("depth_mult", "int32_t", "depth multiplier"),
    Field("rq", CHANNEL_REQUANT_INT16, "requantization of each output channel"),
))

DEPTHWISE_CONV_2D_INT16 = Kernel(
    func="mn_depthwise_conv_2d_int16", source="mn_depthwise_conv_2d_int16.c", params=DEPTHWISE_CONV_2D_INT16_PARAMS,
    args=(Arg("input", "input", "int16_t", "[batches][in_h][in_w][in_c]"),
          Arg("filter", "input", "int8_t", "[1][k_h][k_w][out_c] (zero point ignored, as TFLM)"),
          Arg("bias", "input", "int64_t", "[out_c], or NULL", optional=True),
          Arg("output", "output", "int16_t", "[batches][out_h][out_w][out_c]")),
    doc=f"""DEPTHWISE_CONV_2D, int16 activations, int8 weights (per-channel or per-tensor broadcast), int64
bias (TFLM reference_integer_ops::DepthwiseConvPerChannel for int16: int64 accumulation, no input or
output offset, the 64-bit MultiplyByQuantizedMultiplier). Output channel oc = ic * depth_mult + m reads
input channel ic.
{OVERLAP_CONTRACT}
Each output channel of a pixel is written right after its own reads. No scratch.""")
