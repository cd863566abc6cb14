"""DEPTHWISE_CONV_2D: int8 x int8 (per-channel or per-tensor weights) + int32 bias -> int8.

TFLM depthwise_conv_common.cc (Prepare) + reference_integer_ops::DepthwiseConvPerChannel.
Output channel oc = ic * depth_multiplier + m reads input channel ic.
"""

from __future__ import annotations

from micro.ir import Graph, Op
from micro.ops.conv_2d import bias_index, common_problems, geometry_and_quant
from micro.ops.base import window_overlap_gaps, KernelCall, opt

KIND = "DEPTHWISE_CONV_2D"


def check(op: Op, g: Graph) -> list[str]:
    problems = common_problems(op, g, out_channels_axis=3)
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
    x, w, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    _, k_h, k_w, out_c = w.shape
    params = dict(
        batches=y.shape[0], in_h=x.shape[1], in_w=x.shape[2], in_c=x.shape[3],
        out_h=y.shape[1], out_w=y.shape[2], out_c=out_c,
        depth_mult=int(opt(op, "depth_multiplier")), k_h=k_h, k_w=k_w)
    params.update(geometry_and_quant(op, g, k_h, k_w, out_c))
    macs = y.size * k_h * k_w
    return KernelCall("mn_depthwise_conv_2d_int8", "mn_depthwise_conv_2d_int8.c",
                      "mn_depthwise_conv_2d_params_t", params,
                      inputs=[op.inputs[0], op.inputs[1], bias_index(op)], outputs=[op.outputs[0]],
                      macs=macs, **window_overlap_gaps(op, g, k_h, k_w))
