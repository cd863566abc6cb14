"""DEPTHWISE_CONV_2D: int8 x int8 (per-channel or per-tensor weights) + int32 bias -> int8.

TFLM depthwise_conv_common.cc (Prepare) + reference_integer_ops::DepthwiseConvPerChannel.
Output channel oc = ic * depth_multiplier + m reads input channel ic. Kernel: micro.kernels.depthwise_conv_2d.
"""

from __future__ import annotations

from micro.ir import Graph, Op
from micro.kernels.depthwise_conv_2d import DEPTHWISE_CONV_2D_INT8
from micro.lowered import KernelCall
from micro.ops.conv_packed import packed_conv_call, packed_depthwise_call
from micro.ops.common import opt
from micro.ops.window import bias_index, channel_requant, conv_problems, window_geometry, window_overlap_gaps

KINDS = ("DEPTHWISE_CONV_2D",)


def check(op: Op, g: Graph) -> list[str]:
    problems = conv_problems(op, g, out_channels_axis=3)
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
    return problems


def lower(op: Op, g: Graph) -> KernelCall:
    w, y = g.t(op.inputs[1]), g.t(op.outputs[0])
    _, k_h, k_w, out_c = w.shape
    win, rq, overlap = window_geometry(op, g, k_h, k_w), channel_requant(op, g, out_c), window_overlap_gaps(op, g, k_h, k_w)
    if win["in_c"] == 1:  # one input channel: a convolution with filter [out_c][k_h * k_w]
        call = packed_conv_call(op, g, w.data.reshape(k_h * k_w, out_c).T, bias_index(op), win, rq, overlap)
        if call is not None:
            return call
    elif int(opt(op, "depth_multiplier")) == 1:
        call = packed_depthwise_call(op, g, w.data.reshape(k_h * k_w, out_c), bias_index(op), win, rq, overlap)
        if call is not None:
            return call
    params = dict(win=win, depth_mult=int(opt(op, "depth_multiplier")), rq=rq)
    return KernelCall(DEPTHWISE_CONV_2D_INT8, params, inputs=[op.inputs[0], op.inputs[1], bias_index(op)],
                      outputs=[op.outputs[0]], macs=y.size * k_h * k_w, **overlap)
