"""CONCATENATION (TFLM concatenation.cc; reference_ops::Concatenation).

TFLM copies bytes and requantizes nothing:
- int8: Prepare requires every input to have the output's scale and zero point (the converter inserts
  QUANTIZE ops where they differ), so inputs with other quantization are rejected, as TFLM does;
- int16: Prepare only requires zero points of 0; inputs whose scale differs from the output's are
  copied unchanged (no rescaling: a TFLM quirk reproduced here);
- int32, int64, bool: copied; at most 10 inputs (kMaxInputNum) and 6 dimensions; the fused activation
  must be NONE (TF_LITE_ENSURE_EQ(params->activation, kTfLiteActNone)).
Kernel: micro.kernels.concatenation. When the axis is the outermost one that is not 1, every input is a
contiguous run of the output: the inputs become views into the output (their producers write straight
into it) and no code runs, where the planner can place them (micro.arena.views).
"""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.kernels.concatenation import CONCATENATION
from micro.lowered import KernelCall, Views
from micro.ops.common import fused_activation, opt
from micro.ops.movement import elem_bytes, parts_or_copy, positive_axis, runs, same_dtype_problems

KINDS = ("CONCATENATION",)
TYPES = ("int8", "int16", "int32")  # listed by `micro ops`
ARITY = {"CONCATENATION": (1, None, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
MAX_INPUTS = 10  # concatenation.cc kMaxInputNum
MAX_RANK = 6     # RuntimeShape::kMaxSmallSize
ALL_DTYPES = TYPES + ("int64", "bool")  # what ConcatenationEval copies (float32 too)


def _qparams(t) -> tuple[float, int]:
    """TfLiteTensor.params: (scale, zero point), (0, 0) when unquantized."""
    return (t.quant.s, t.quant.zp) if t.quant is not None else (0.0, 0)


def check(op: Op, g: Graph) -> list[str]:
    y = g.t(op.outputs[0])
    problems = same_dtype_problems(op, g, op.inputs, ALL_DTYPES)
    if fused_activation(op) != "NONE":
        problems.append(f"fused activation {fused_activation(op)}: TFLM's CONCATENATION requires NONE")
    if len(op.inputs) > MAX_INPUTS:
        problems.append(f"{len(op.inputs)} inputs; TFLM's CONCATENATION takes at most {MAX_INPUTS}")
    if len(y.shape) > MAX_RANK:
        problems.append(f"{len(y.shape)} dimensions; TFLM's CONCATENATION supports at most {MAX_RANK}")
    axis = positive_axis(opt(op, "axis", 0), len(y.shape))
    if axis is None:
        return problems + [f"axis {opt(op, 'axis', 0)} is outside the output's {len(y.shape)} dimensions"]
    total = 0
    for i in op.inputs:
        x = g.t(i)
        if len(x.shape) != len(y.shape) or any(int(a) != int(b) for k, (a, b) in enumerate(zip(x.shape, y.shape))
                                               if k != axis):
            problems.append(f"input {i} '{x.name}' shape {list(x.shape)} does not fit output {list(y.shape)} "
                            f"along axis {axis}")
        else:
            total += int(x.shape[axis])
        if y.dtype == "int8" and _qparams(x) != _qparams(y):
            problems.append(f"input {i} '{x.name}' has scale {_qparams(x)[0]!r} and zero point {_qparams(x)[1]}, "
                            f"the output {_qparams(y)[0]!r} and {_qparams(y)[1]}: TFLM's int8 CONCATENATION "
                            "requires them equal (requantize the input with a QUANTIZE op)")
        if y.dtype == "int16" and _qparams(x)[1] != 0:
            problems.append(f"input {i} '{x.name}' has zero point {_qparams(x)[1]}; TFLM's int16 "
                            "CONCATENATION requires 0")
    if y.dtype == "int16" and _qparams(y)[1] != 0:
        problems.append(f"output zero point {_qparams(y)[1]}; TFLM's int16 CONCATENATION requires 0")
    if not problems and total != int(y.shape[axis]):
        problems.append(f"inputs add up to {total} along axis {axis}, the output has {y.shape[axis]}")
    return problems


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    y = g.t(op.outputs[0])
    axis = positive_axis(opt(op, "axis", 0), len(y.shape))
    return [np.concatenate([np.asarray(g.t(i).data) for i in op.inputs], axis=axis)]


def lower(op: Op, g: Graph) -> KernelCall | Views:
    y = g.t(op.outputs[0])
    axis = positive_axis(opt(op, "axis", 0), len(y.shape))
    outer, copy_bytes = runs(y.shape, axis, [g.t(i).shape[axis] for i in op.inputs], elem_bytes(y))
    call = KernelCall(CONCATENATION, dict(outer=outer, num_inputs=len(op.inputs), copy_bytes=int_array(copy_bytes)),
                      inputs=list(op.inputs), outputs=[op.outputs[0]])
    return parts_or_copy(call, op.outputs[0], list(op.inputs), outer, copy_bytes)
