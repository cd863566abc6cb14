"""DEPTHWISE_CONV_2D: int8 x int8 (per-channel or per-tensor weights) + int32 bias -> int8, and 16x8:
int16 x int8 + int64 bias -> int16.

TFLM depthwise_conv_common.cc (Prepare) + reference_integer_ops::DepthwiseConvPerChannel.
Output channel oc = ic * depth_multiplier + m reads input channel ic. 16x8 (depthwise_conv.cc Eval,
kTfLiteInt16): the bias is always read as int64 (TFLM has no int32-bias variant: micro refuses an
int32 bias rather than misread it), int64 accumulation, no zero points applied.
Kernels: micro.kernels.depthwise_conv_2d.
"""

from __future__ import annotations

from micro.ir import Graph, Op
from micro.kernels.depthwise_conv_2d import DEPTHWISE_CONV_2D_INT8, DEPTHWISE_CONV_2D_INT16
from micro.lowered import KernelCall
from micro.ops.common import int64_requant_problems, opt
from micro.ops.conv_packed import packed_conv_call, packed_depthwise_call
from micro.ops.window import (bias_index, channel_requant, channel_requant_int16, conv_problems, window_geometry,
                              window_overlap_gaps)

KINDS = ("DEPTHWISE_CONV_2D",)
TYPES = ("int8", "int16")

# depthwise_conv.cc DepthwiseConvEval: the integer dtype combinations TFLM runs.
ACCEPTED = ({"input": "int8", "filter": "int8", "bias": "int32", "output": "int8"},
            {"input": "int16", "filter": "int8", "bias": "int64", "output": "int16"})
ARITY = {"DEPTHWISE_CONV_2D": (2, 3, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks


def check(op: Op, g: Graph) -> list[str]:
    problems = conv_problems(op, g, out_channels_axis=3, accepted=ACCEPTED)
    if problems:
        return problems
    x, w = g.t(op.inputs[0]), g.t(op.inputs[1])
    in_c, out_c = x.shape[3], w.shape[3]
    if w.shape[0] != 1:
        problems.append(f"depthwise filter shape {list(w.shape)} must be [1, k_h, k_w, out_c]")
    # TFLM iterates input channels x the depth_multiplier *option*; micro only accepts
    # models where that covers exactly the output channels.
    mult = int(opt(op, "depth_multiplier", 0) or 0)
    if mult < 1 or in_c * mult != out_c:
        problems.append(f"depth_multiplier {mult} x input depth {in_c} != output depth {out_c}")
    if not problems and x.dtype == "int16":
        problems += int64_requant_problems(channel_requant(op, g, out_c)["shift"])
    return problems


def lower(op: Op, g: Graph) -> KernelCall:
    x, w, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    _, k_h, k_w, out_c = w.shape
    win, overlap = window_geometry(op, g, k_h, k_w), window_overlap_gaps(op, g, k_h, k_w)
    if x.dtype == "int16":
        params = dict(win=win, depth_mult=int(opt(op, "depth_multiplier")), rq=channel_requant_int16(op, g, out_c))
        return KernelCall(DEPTHWISE_CONV_2D_INT16, params, inputs=[op.inputs[0], op.inputs[1], bias_index(op)],
                          outputs=[op.outputs[0]], macs=y.size * k_h * k_w, **overlap)
    rq = channel_requant(op, g, out_c)
    params = dict(win=win, depth_mult=int(opt(op, "depth_multiplier")), rq=rq)
    reference = KernelCall(DEPTHWISE_CONV_2D_INT8, params, inputs=[op.inputs[0], op.inputs[1], bias_index(op)],
                           outputs=[op.outputs[0]], macs=y.size * k_h * k_w, **overlap)
    call = None
    if win["in_c"] == 1:  # one input channel: a convolution with filter [out_c][k_h * k_w]
        call = packed_conv_call(op, g, w.data.reshape(k_h * k_w, out_c).T, bias_index(op), win, rq, overlap)
    elif int(opt(op, "depth_multiplier")) == 1:
        call = packed_depthwise_call(op, g, w.data.reshape(k_h * k_w, out_c), bias_index(op), win, rq, overlap)
    if call is None:
        return reference
    call.compact = reference  # int8 weights: half the flash of the packed call's int16 records
    return call
