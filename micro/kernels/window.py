"""Structs shared by the window kernels (conv, depthwise, pooling): NHWC geometry and per-channel
requantization. The Python side fills them in micro.ops.window."""

from __future__ import annotations

from micro.kernels.abi import Field, Struct

I32 = "int32_t"

WINDOW = Struct("mn_window_t", """NHWC window geometry of conv, depthwise and pooling ops.
Output pixel (oy, ox) of batch b starts at input (oy * stride_h - pad_h, ox * stride_w - pad_w);
its tap (fy, fx) reads input row/col start + dil * f; taps outside the image are skipped (zero
padding in the real domain, not counted by the average pool). stride_*, dil_* >= 1; pad_h/pad_w >= 0
are TFLite's leading paddings (ComputePaddingHeightWidth).""", (
    Field("batches", I32, "batch count (input and output)"),
    Field("in_h", I32, "input height"),
    Field("in_w", I32, "input width"),
    Field("in_c", I32, "input channels"),
    Field("out_h", I32, "output height"),
    Field("out_w", I32, "output width"),
    Field("out_c", I32, "output channels"),
    Field("k_h", I32, "window (filter) height"),
    Field("k_w", I32, "window (filter) width"),
    Field("stride_h", I32, "vertical stride"),
    Field("stride_w", I32, "horizontal stride"),
    Field("dil_h", I32, "vertical dilation (1 for pooling)"),
    Field("dil_w", I32, "horizontal dilation (1 for pooling)"),
    Field("pad_h", I32, "leading (top) padding"),
    Field("pad_w", I32, "leading (left) padding"),
))

CHANNEL_REQUANT = Struct("mn_channel_requant_t", """int32 accumulators of one output channel to int8:
clamp(MultiplyByQuantizedMultiplier(acc, mult[c], shift[c]) + output_offset, act_min, act_max).
input_offset = -input_zero_point in [-127, 128]; output_offset = output_zero_point in [-128, 127];
act_min <= act_max within [-128, 127]. mult/shift: one TFLite multiplier per output channel (also for
per-tensor weights), mult in [2^30, 2^31), shift in [-31, 30].
rq_round/rq_scale: NULL, or (only when every shift <= 0) one entry per channel with r = -shift[c]:
rq_round = r > 0 ? 2^(r-1) : 0 and rq_scale = 2^(31 - r) as a uint32 bit pattern (2^31 stored as
INT32_MIN). They let a kernel requantize a row of channels with vectorizable unsigned products, the same
integers as MultiplyByQuantizedMultiplier (micro.ops.window.requant_rows).""", (
    Field("input_offset", I32, "-input zero point"),
    Field("output_offset", I32, "output zero point"),
    Field("act_min", I32, "lower clamp (fused activation)"),
    Field("act_max", I32, "upper clamp (fused activation)"),
    Field("mult", I32, "per-channel multipliers", array=True),
    Field("shift", I32, "per-channel shifts", array=True),
    Field("rq_round", I32, "per-channel rounding terms, or NULL", array=True, optional=True),
    Field("rq_scale", I32, "per-channel unsigned scales, or NULL", array=True, optional=True),
))

OVERLAP_CONTRACT = """The output may overlap the input; the mode is chosen at run time from the pointers (overlap:
out < in_end && in < out_end):
  forward (output at or before the input): output pixels (batch, row, column) in ascending raster
    order; once any byte of output pixel p is written, no input byte before the first byte of the
    window of p or of a later pixel is read (window: top-left corner clipped to the image, channel 0).
    Safe when the output starts at least micro.geometry.raster_gap bytes before the input.
  reverse (output after the input): output pixels in DESCENDING raster order; once any byte of output
    pixel p is written, no input byte beyond the last byte of the window of p or of an earlier pixel is
    read (bottom-right corner clipped to the image, last input channel). Safe when the output starts at
    least micro.geometry.raster_gap_reverse bytes after the input.
  no overlap: the fastest order."""

CHANNEL_REQUANT_INT16 = Struct("mn_channel_requant_int16_t", """Accumulators of one output channel of a
16x8 window op (int16 activations, int8 weights) to int16: clamp(MultiplyByQuantizedMultiplier(acc,
mult[c], shift[c]), act_min, act_max). No zero points: TFLM's int16 ConvPerChannel and
DepthwiseConvPerChannel add neither an input nor an output offset (the converter makes both 0).
With int64 accumulators TFLM's 64-bit MultiplyByQuantizedMultiplier rounds the multiplier to 16 bits
and rounds once (shift in [-31, 7]); with int32 accumulators (int32 bias) it is the double-rounding
int32 one of mn_channel_requant_t. act_min <= act_max within [-32768, 32767].""", (
    Field("act_min", I32, "lower clamp (fused activation)"),
    Field("act_max", I32, "upper clamp (fused activation)"),
    Field("mult", I32, "per-channel multipliers", array=True),
    Field("shift", I32, "per-channel shifts", array=True),
))
