"""CONV_2D kernels: micro/kernels_c/mn_conv_2d_int8.c (int8) and mn_conv_2d_int16.c (16x8)."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct
from micro.kernels.window import CHANNEL_REQUANT, CHANNEL_REQUANT_INT16, OVERLAP_CONTRACT, WINDOW

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

CONV_2D_INT16_PARAMS = Struct("mn_conv_2d_int16_params_t", "CONV_2D 16x8 geometry and requantization.", (
    Field("win", WINDOW, "geometry; k_h x k_w is the filter size"),
    Field("filter_in_c", "int32_t", "filter input channels (in_c / groups)"),
    Field("rq", CHANNEL_REQUANT_INT16, "requantization of each output channel"),
))

_INT16_DOC = """CONV_2D, int16 activations, int8 weights (per-channel or per-tensor broadcast), {bias} bias
(TFLM reference_integer_ops::ConvPerChannel<{acc}>: no input or output offset). Grouped convolution as
mn_conv_2d_int8. {acc} accumulation{wrap}.
{contract}
Each output channel of a pixel is written right after its own reads. No scratch."""

CONV_2D_INT16 = Kernel(
    func="mn_conv_2d_int16", source="mn_conv_2d_int16.c", params=CONV_2D_INT16_PARAMS,
    args=(Arg("input", "input", "int16_t", "[batches][in_h][in_w][in_c]"),
          Arg("filter", "input", "int8_t", "[out_c][k_h][k_w][filter_in_c] (zero point ignored, as TFLM)"),
          Arg("bias", "input", "int64_t", "[out_c], or NULL", optional=True),
          Arg("output", "output", "int16_t", "[batches][out_h][out_w][out_c]")),
    doc=_INT16_DOC.format(bias="int64", acc="int64_t", contract=OVERLAP_CONTRACT,
                          wrap=", requantized by the 64-bit MultiplyByQuantizedMultiplier"))

CONV_2D_INT16_ACC32 = Kernel(
    func="mn_conv_2d_int16_acc32", source="mn_conv_2d_int16.c", params=CONV_2D_INT16_PARAMS,
    args=(Arg("input", "input", "int16_t", "[batches][in_h][in_w][in_c]"),
          Arg("filter", "input", "int8_t", "[out_c][k_h][k_w][filter_in_c] (zero point ignored, as TFLM)"),
          Arg("bias", "input", "int32_t", "[out_c], or NULL", optional=True),
          Arg("output", "output", "int16_t", "[batches][out_h][out_w][out_c]")),
    doc=_INT16_DOC.format(bias="int32", acc="int32_t", contract=OVERLAP_CONTRACT,
                          wrap=" (wrapping, as TFLM's int32 sums on every target), requantized by the "
                               "double-rounding int32 MultiplyByQuantizedMultiplier"))

CONV_2D_PACKED_PARAMS = Struct("mn_conv_2d_packed_params_t", """CONV_2D (groups = 1; also DEPTHWISE_CONV_2D with one
input channel) with its weights repacked and its requantization folded at compile time
(micro.ops.conv_packed).""", (
    Field("win", WINDOW, "geometry; k_h x k_w is the filter size"),
    Field("taps", "int32_t", "K = k_h * k_w * in_c: taps of one output channel"),
    Field("taps4", "int32_t", "K rounded up to a multiple of 4"),
    Field("col_stride", "int32_t", "int16 entries per im2col row: taps4 rounded up to 16"),
    Field("input_offset", "int32_t", "-input zero point"),
    Field("act_min", "int32_t", "lower clamp (fused activation)"),
    Field("act_max", "int32_t", "upper clamp (fused activation)"),
    Field("tap_offsets", "int32_t", """[taps] input byte offset of tap k from its window's first byte
(fy * dil_h * in_w * in_c + fx * dil_w * in_c + c): windows inside the image gather their taps by it when
their rows are not whole groups of 4 taps""", array=True),
    Field("channels", "int32_t", """[out_c] records of 1 + taps4 / 2 + 4 words, one output channel's all
in the order the kernel uses them: its bias (0 without one); its K weights in the filter's [k_h][k_w][in_c]
order, zero padded to taps4, widened to int16 and interleaved per group of 4 taps as the words [w0 w2]
[w1 w3] (meeting the im2col rows' words); its requantization {m, c_lo, c_hi, r - 1}, r = -shift in [1, 23]:
TFLM's MultiplyByQuantizedMultiplier(acc, m, -r) + output zero point in one rounding,
(int32)((acc * m + c + [acc < 0] * -2^31) >> 32) >> (r - 1) with c = 2^30 + 2^(30 + r) + zp * 2^(31 + r)
as a 64-bit {c_lo, c_hi}""", array=True),
))

CONV_2D_PACKED_INT8 = Kernel(
    func="mn_conv_2d_packed_int8", source="mn_conv_2d_packed_int8.c", params=CONV_2D_PACKED_PARAMS,
    variants=(("hifi4", "mn_conv_2d_packed_int8_hifi4.c"),),
    args=(Arg("input", "input", "int8_t", "[batches][in_h][in_w][in_c]"),
          Arg("output", "output", "int8_t", "[batches][out_h][out_w][out_c]")),
    doc=f"""CONV_2D (TFLM reference_integer_ops::ConvPerChannel, groups = 1) on compile-time packed weights: four
output pixels' im2col rows (int16, input offset added) against one output channel at a time (its bias,
weights and requantization one record). Chosen by
the lowering when every shift is in [-23, -1], K <= 576 and no sum can leave int32.
{OVERLAP_CONTRACT}
In both overlap modes the kernel writes a block of 4 consecutive output pixels after all of the block's
reads. No scratch: the 4 pixels' im2col rows (8 * col_stride bytes) and one edge window (taps bytes) on the
stack, sized by the layer.""")
