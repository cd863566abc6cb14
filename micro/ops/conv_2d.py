"""CONV_2D: int8 x int8 (per-channel or per-tensor weights) + int32 bias -> int8.

TFLM conv_common.cc (Prepare) + reference_integer_ops::ConvPerChannel, including grouped convolution
(input channels = filter input channels x groups). Kernel: micro.kernels.conv_2d.
"""

from __future__ import annotations

from micro.ir import Graph, Op
from micro.kernels.conv_2d import CONV_2D_INT8
from micro.lowered import KernelCall
from micro.ops.conv_packed import packed_conv_call
from micro.ops.window import bias_index, channel_requant, conv_problems, window_geometry, window_overlap_gaps

KINDS = ("CONV_2D",)


def check(op: Op, g: Graph) -> list[str]:
    problems = conv_problems(op, g, out_channels_axis=0)
    if problems:
        return problems
    x, w = g.t(op.inputs[0]), g.t(op.inputs[1])
    in_c, out_c, fic = x.shape[3], w.shape[0], w.shape[3]
    if fic < 1 or in_c % fic != 0:
        problems.append(f"input depth {in_c} is not a multiple of the filter depth {fic}")
    elif out_c % (in_c // fic) != 0:
        problems.append(f"output depth {out_c} is not a multiple of the group count {in_c // fic}")
    return problems


def lower(op: Op, g: Graph) -> KernelCall:
    w, y = g.t(op.inputs[1]), g.t(op.outputs[0])
    out_c, k_h, k_w, fic = w.shape
    win, rq, overlap = window_geometry(op, g, k_h, k_w), channel_requant(op, g, out_c), window_overlap_gaps(op, g, k_h, k_w)
    if fic == win["in_c"]:
        call = packed_conv_call(op, g, w.data.reshape(out_c, -1), bias_index(op), win, rq, overlap)
        if call is not None:
            return call
    params = dict(win=win, filter_in_c=fic, rq=rq)
    return KernelCall(CONV_2D_INT8, params, inputs=[op.inputs[0], op.inputs[1], bias_index(op)],
                      outputs=[op.outputs[0]], macs=y.size * k_h * k_w * fic, **overlap)
