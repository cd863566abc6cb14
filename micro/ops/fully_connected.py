"""FULLY_CONNECTED: int8 x int8 (per-tensor or per-channel weights) + int32 bias -> int8, and 16x8:
int16 x int8 + int64 (or int32) bias -> int16.

TFLM fully_connected_common.cc (Prepare) + reference_integer_ops::FullyConnected(PerChannel).
16x8 (fully_connected.cc Eval, kTfLiteInt16): int32 accumulation when the bias is int32 (or absent with
quantized_bias_type INT32), else int64; zero points applied as given. Kernels: micro.kernels.fully_connected.
"""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op, Tensor
from micro.kernels.abi import int_array
from micro.kernels.fully_connected import FULLY_CONNECTED_INT8, FULLY_CONNECTED_INT16, FULLY_CONNECTED_INT16_ACC32
from micro.lowered import KernelCall
from micro.ops.common import (activation_problems, dtype_combination_problems, fused_activation,
                              int32_accumulation, int64_requant_problems, opt, per_tensor_problems)
from micro.quant import activation_range, multiplier_problems, per_channel_multipliers, quantize_multiplier

KINDS = ("FULLY_CONNECTED",)
TYPES = ("int8", "int16")
ARITY = {"FULLY_CONNECTED": (2, 3, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks

# fully_connected.cc Prepare/Eval: the integer dtype combinations TFLM runs (int4 weights aside).
ACCEPTED = ({"input": "int8", "weights": "int8", "bias": "int32", "output": "int8"},
            {"input": "int16", "weights": "int8", "bias": ("int32", "int64"), "output": "int16"})
ROLES = {"input": 0, "weights": 1, "bias": 2, "output": -1}


def check(op: Op, g: Graph) -> list[str]:
    w = g.t(op.inputs[1])
    if w.dtype == "int4":
        return [f"weights tensor {w.index} '{w.name}' is int4 (packed); only int8 weights are supported"]
    problems = dtype_combination_problems(op, g, ROLES, ACCEPTED)
    if opt(op, "weights_format", 0) not in (0, "DEFAULT"):
        problems.append("shuffled weights format is not supported")
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    bias = g.t(op.inputs[2]) if len(op.inputs) > 2 else None
    if w.quant is None:
        problems.append(f"weights tensor {w.index} '{w.name}' is not quantized")
    problems += per_tensor_problems(g, (x.index, y.index))
    if len(w.shape) != 2:
        return problems + [f"weights tensor {w.index} '{w.name}' has shape {list(w.shape)}; "
                           "2-D [output depth, input depth] is required"]
    out_depth, in_depth = w.shape
    if not y.shape or y.shape[-1] != out_depth:
        problems.append(f"output shape {list(y.shape)} must end in the weights' output depth {out_depth}")
    elif x.size != (y.size // out_depth) * in_depth:
        problems.append(f"input has {x.size} elements; {y.size // out_depth} batch(es) of input depth "
                        f"{in_depth} need {(y.size // out_depth) * in_depth}")
    if bias is not None and bias.size != out_depth:
        problems.append(f"bias tensor {bias.index} '{bias.name}' has {bias.size} values, expected {out_depth}")
    if w.quant is not None and w.quant.scale.size not in (1, out_depth):
        problems.append(f"weights tensor {w.index} '{w.name}' has {w.quant.scale.size} scales; expected 1 or "
                        f"{out_depth}")
    if problems:
        return problems + activation_problems(op)
    for c, ws in enumerate(np.asarray(w.quant.scale, dtype=np.float32).ravel()):
        p = multiplier_problems(float(x.quant.s) * float(ws) / float(y.quant.s), f"output channel {c}")
        if p:
            problems += p
            break
    problems += activation_problems(op)
    if not problems and x.dtype == "int16" and not int32_accumulation(op, g):
        problems += int64_requant_problems(_multipliers(op, g)[1])
    return problems


def _multipliers(op: Op, g: Graph) -> tuple[np.ndarray, np.ndarray]:
    x, w, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    if w.quant.per_channel:
        return per_channel_multipliers(x.quant.s, w.quant.scale, y.quant.s)
    # GetQuantizedConvolutionMultipler: the scale product is taken in float32.
    product = float(x.quant.scale[0] * w.quant.scale[0])
    m, s = quantize_multiplier(product / float(y.quant.s))
    return int_array([m]), int_array([s])


def lower(op: Op, g: Graph) -> KernelCall:
    x, w = g.t(op.inputs[0]), g.t(op.inputs[1])
    bias_idx = op.inputs[2] if len(op.inputs) > 2 else None
    y = g.t(op.outputs[0])
    out_depth, in_depth = w.shape[0], w.shape[-1]
    batches = y.size // y.shape[-1]
    mult, shift = _multipliers(op, g)
    act_min, act_max = activation_range(fused_activation(op), y.dtype, y.quant.s, y.quant.zp)
    params = dict(
        batches=batches, in_depth=in_depth, out_depth=out_depth,
        input_offset=-x.quant.zp, filter_offset=-w.quant.zp, output_offset=y.quant.zp,
        act_min=act_min, act_max=act_max, per_channel=int(w.quant.per_channel),
        mult=int_array(mult), shift=int_array(shift))
    if x.dtype == "int16":
        kernel = FULLY_CONNECTED_INT16_ACC32 if int32_accumulation(op, g) else FULLY_CONNECTED_INT16
    else:
        kernel = FULLY_CONNECTED_INT8
        params["folded_bias"] = folded_bias(g, w, g.t(bias_idx), -x.quant.zp)
    return KernelCall(kernel, params, inputs=[op.inputs[0], op.inputs[1], bias_idx], outputs=[op.outputs[0]],
                      macs=batches * in_depth * out_depth)


def folded_bias(g: Graph, w: Tensor, bias: Tensor | None, input_offset: int) -> np.ndarray | None:
    """bias + input_offset * row sums of the filter, for constant filters with zero point 0.

    sum((x + io) * w) + b == sum(x * w) + (b + io * sum(w)) exactly in integers, so the kernel's
    inner loop becomes a plain dot product. None when the filter is not a constant.
    """
    if not w.is_const or np.any(w.quant.zero_point != 0) or (bias is not None and not bias.is_const):
        return None
    rows = w.data.reshape(w.shape[0], -1).astype(np.int64).sum(axis=1)
    b = np.zeros(w.shape[0], dtype=np.int64) if bias is None else bias.data.astype(np.int64).ravel()
    folded = b + input_offset * rows
    if np.any(np.abs(folded) >= 2**31):
        return None
    return int_array(folded)
