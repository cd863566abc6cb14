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

DEPTHWISE_CONV_2D_PACKED_PARAMS = Struct("mn_depthwise_conv_2d_packed_params_t", """DEPTHWISE_CONV_2D with depth_mult 1
and a channel count that is a multiple of 4, its weights regrouped and its requantization folded at compile
time (micro.ops.conv_packed).""", (
    Field("win", WINDOW, "geometry; in_c = out_c, a multiple of 4"),
    Field("input_offset", "int32_t", "-input zero point"),
    Field("act_min", "int32_t", "lower clamp (fused activation)"),
    Field("act_max", "int32_t", "upper clamp (fused activation)"),
    Field("groups", "int32_t", """[out_c / 4] records of 4 + 2 * k_h * k_w + 16 words, one group of 4 channels
c0..c3 all in the order the kernel uses them: its 4 folded biases (bias + input_offset * the channel's
weight sum, for 3x3 windows); its taps' weights widened to int16, per tap the words [w_c0 w_c2] [w_c1 w_c3]
(the halfword pairs SXTB16 makes of 4 input bytes); its 4 channels' requantization {m, c_lo, c_hi, r - 1}
(as mn_conv_2d_packed_params_t.channels)""", array=True),
))

DEPTHWISE_CONV_2D_PACKED_INT8 = Kernel(
    func="mn_depthwise_conv_2d_packed_int8", source="mn_depthwise_conv_2d_packed_int8.c",
    variants=(("hifi4", "mn_depthwise_conv_2d_packed_int8_hifi4.c"),),
    params=DEPTHWISE_CONV_2D_PACKED_PARAMS,
    args=(Arg("input", "input", "int8_t", "[batches][in_h][in_w][in_c]"),
          Arg("bias", "input", "int32_t", "[out_c], or NULL", optional=True),
          Arg("output", "output", "int8_t", "[batches][out_h][out_w][out_c]")),
    doc=f"""DEPTHWISE_CONV_2D (TFLM reference_integer_ops::DepthwiseConvPerChannel) with depth_mult 1 and
out_c % 4 == 0, on compile-time regrouped int16 weights: per output pixel and group of 4 channels, each tap
one input word (4 channels) against two weight words; 3x3 windows unrolled. Chosen by the lowering when every shift is
in [-23, -1] and no sum can leave int32.
{OVERLAP_CONTRACT}
The kernel always writes pixel by pixel (every channel of a pixel after that pixel's reads), ascending,
or descending in the reverse mode. No scratch: an edge pixel's padded 3x3 window (9 * out_c bytes) on the
stack.""")
