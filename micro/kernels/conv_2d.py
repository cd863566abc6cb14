"""CONV_2D kernel: micro/kernels_c/mn_conv_2d_int8.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct
from micro.kernels.window import CHANNEL_REQUANT, OVERLAP_CONTRACT, WINDOW

CONV_2D_PARAMS = Struct("mn_conv_2d_params_t", "CONV_2D geometry and requantization.", (
    Field("win", WINDOW, "geometry; k_h x k_w is the filter size"),
    Field("filter_in_c", "int32_t", "filter input channels (in_c / groups)"),
    Field("rq", CHANNEL_REQUANT, "requantization of each output channel"),
))

CONV_2D_INT8 = Kernel(
    func="mn_conv_2d_int8", source="mn_conv_2d_int8.c", params=CONV_2D_PARAMS,
    args=(Arg("input", "input", "int8_t", "[batches][in_h][in_w][in_c]"),
          Arg("filter", "input", "int8_t", "[out_c][k_h][k_w][filter_in_c] (zero point ignored, as TFLM)"),
          Arg("bias", "input", "int32_t", "[out_c], or NULL", optional=True),
          Arg("output", "output", "int8_t", "[batches][out_h][out_w][out_c]")),
    doc=f"""CONV_2D, int8 activations, int8 weights (per-channel, or per-tensor broadcast to every output
channel), int32 bias (TFLM reference_integer_ops::ConvPerChannel).
Grouped convolution: groups = in_c / filter_in_c (1 for an ordinary conv); output channel oc reads
input channels [g * filter_in_c, (g + 1) * filter_in_c) with g = oc / (out_c / groups).
Accumulation is int32, as TFLM: k_h * k_w * filter_in_c must stay below 2^16.
{OVERLAP_CONTRACT}
In both overlap modes the kernel writes the pixels of a block (up to 4 consecutive pixels of one batch)
after all of the block's reads. Only when a block would re-read its windows (groups > 1, or
k_h * k_w * filter_in_c > 192 with more than 32 output channels per group) and out_c > 352 does it
fall back to one-pixel blocks, within both contracts.
No scratch: about 2.4 KB of im2col/sum buffers on the stack.""")
