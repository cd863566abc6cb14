"""ARG_MAX and ARG_MIN (TFLM arg_min_max.cc; reference_ops::ArgMinMax). TFLM supports int8 inputs
(and float32) with an int32 axis and int32 output only (output_type int64 fails in Eval); the axis is
read at Eval, micro needs it constant (output shapes are static). Ties go to the first index
(std::greater / std::less). Kernel: micro.kernels.arg_min_max."""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.kernels.arg_min_max import ARG_MIN_MAX_INT8
from micro.lowered import KernelCall
from micro.ops.movement import const_ints, index_tensor_problems, positive_axis, product

KINDS = ("ARG_MAX", "ARG_MIN")
TYPES = ("int8",)  # arg_min_max.cc Eval (float32 too)
ARITY = {"ARG_MAX": (2, 2, 1), "ARG_MIN": (2, 2, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks


def _axis(op: Op, g: Graph) -> int | None:
    return positive_axis(const_ints(g, op.inputs[1])[0], len(g.t(op.inputs[0]).shape))


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    problems = [] if x.dtype == "int8" else [
        f"input tensor {op.inputs[0]} '{x.name}' is {x.dtype}; TFLM's {op.kind} supports int8 (and float32)"]
    if y.dtype != "int32":
        problems.append(f"output tensor {op.outputs[0]} '{y.name}' is {y.dtype}; TFLM's {op.kind} writes int32 only")
    problems += index_tensor_problems(g, op.inputs[1] if len(op.inputs) > 1 else None, "axis")
    if problems:
        return problems
    axis = _axis(op, g)
    if axis is None:
        return [f"axis {const_ints(g, op.inputs[1])[0]} is outside the input's {len(x.shape)} dimensions"]
    want = [int(d) for k, d in enumerate(x.shape) if k != axis]
    if want != [int(d) for d in y.shape]:
        problems.append(f"output shape {list(y.shape)} is not the input's without axis {axis}: {want}")
    if int(x.shape[axis]) < 1:
        problems.append(f"the input is empty along axis {axis}")
    return problems


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    reduce = np.argmax if op.kind == "ARG_MAX" else np.argmin  # first index on ties, as TFLM
    return [reduce(np.asarray(g.t(op.inputs[0]).data), axis=_axis(op, g)).astype(np.int32)]


def lower(op: Op, g: Graph) -> KernelCall:
    x = g.t(op.inputs[0])
    axis = _axis(op, g)
    params = dict(outer=product(x.shape[:axis]), axis_size=int(x.shape[axis]), inner=product(x.shape[axis + 1:]),
                  is_max=int(op.kind == "ARG_MAX"))
    return KernelCall(ARG_MIN_MAX_INT8, params, inputs=[op.inputs[0]], outputs=[op.outputs[0]], macs=x.size)
