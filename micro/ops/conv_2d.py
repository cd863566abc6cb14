"""CONV_2D: int8 x int8 (per-channel or per-tensor weights) + int32 bias -> int8, and 16x8: int16 x int8
+ int64 (or int32) bias -> int16.

TFLM conv_common.cc (Prepare) + reference_integer_ops::ConvPerChannel, including grouped convolution
(input channels = filter input channels x groups). 16x8 (conv.cc Eval, kTfLiteInt16): int32
accumulation when the bias is int32 (or absent with quantized_bias_type INT32), else int64; no zero
points applied (micro.kernels.conv_2d). Kernels: micro.kernels.conv_2d.
"""

from __future__ import annotations

from micro.ir import Graph, Op
from micro.kernels.conv_2d import CONV_2D_INT8, CONV_2D_INT16, CONV_2D_INT16_ACC32
from micro.lowered import KernelCall
from micro.ops.common import int32_accumulation, int64_requant_problems
from micro.ops.conv_packed import packed_conv_call
from micro.ops.window import (bias_index, channel_requant, channel_requant_int16, conv_problems, window_geometry,
                              window_overlap_gaps)

KINDS = ("CONV_2D",)
TYPES = ("int8", "int16")

# conv.cc ConvEval: the integer dtype combinations TFLM runs (int4 filters are refused separately).
ACCEPTED = ({"input": "int8", "filter": "int8", "bias": "int32", "output": "int8"},
            {"input": "int16", "filter": "int8", "bias": ("int32", "int64"), "output": "int16"})
ARITY = {"CONV_2D": (2, 3, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks


def check(op: Op, g: Graph) -> list[str]:
    problems = conv_problems(op, g, out_channels_axis=0, accepted=ACCEPTED)
    if problems:
        return problems
    x, w = g.t(op.inputs[0]), g.t(op.inputs[1])
    in_c, out_c, fic = x.shape[3], w.shape[0], w.shape[3]
    if fic < 1 or in_c % fic != 0:
        problems.append(f"input depth {in_c} is not a multiple of the filter depth {fic}")
    elif out_c % (in_c // fic) != 0:
        problems.append(f"output depth {out_c} is not a multiple of the group count {in_c // fic}")
    if not problems and x.dtype == "int16" and not int32_accumulation(op, g):
        problems += int64_requant_problems(channel_requant(op, g, out_c)["shift"])
    return problems


def lower(op: Op, g: Graph) -> KernelCall:
    x, w, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    out_c, k_h, k_w, fic = w.shape
    win, overlap = window_geometry(op, g, k_h, k_w), window_overlap_gaps(op, g, k_h, k_w)
    if x.dtype == "int16":
        kernel = CONV_2D_INT16_ACC32 if int32_accumulation(op, g) else CONV_2D_INT16
        return KernelCall(kernel, dict(win=win, filter_in_c=fic, rq=channel_requant_int16(op, g, out_c)),
                          inputs=[op.inputs[0], op.inputs[1], bias_index(op)], outputs=[op.outputs[0]],
                          macs=y.size * k_h * k_w * fic, **overlap)
    rq = channel_requant(op, g, out_c)
    reference = KernelCall(CONV_2D_INT8, dict(win=win, filter_in_c=fic, rq=rq),
                           inputs=[op.inputs[0], op.inputs[1], bias_index(op)], outputs=[op.outputs[0]],
                           macs=y.size * k_h * k_w * fic, **overlap)
    if fic == win["in_c"]:
        call = packed_conv_call(op, g, w.data.reshape(out_c, -1), bias_index(op), win, rq, overlap)
        if call is not None:
            call.compact = reference  # int8 weights: half the flash of the packed call's int16 records
            return call
    return reference
