"""EXPAND_DIMS (TFLM expand_dims.cc): a view, like RESHAPE (micro.ops.reshape), but TFLM's Eval copies
int8 and int16 (and float32) only, and its Prepare needs the axis as a constant int32."""

from __future__ import annotations

from micro.ir import Graph, Op
from micro.ops.movement import const_ints, index_tensor_problems
from micro.ops.reshape import fold, lower, view_problems

KINDS = ("EXPAND_DIMS",)
TYPES = ("int8", "int16")  # ExpandDimsEval (float32 too)
ARITY = {"EXPAND_DIMS": (2, 2, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks

__all__ = ["KINDS", "TYPES", "check", "fold", "lower"]


def check(op: Op, g: Graph) -> list[str]:
    problems = view_problems(op, g)
    if problems:
        return problems
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    if x.dtype not in TYPES:
        problems.append(f"tensor {op.inputs[0]} '{x.name}' is {x.dtype}; TFLM's EXPAND_DIMS supports "
                        f"{', '.join(TYPES)}")
    problems += index_tensor_problems(g, op.inputs[1] if len(op.inputs) > 1 else None, "axis")
    if problems:
        return problems
    axis = const_ints(g, op.inputs[1])
    a = axis[0] + len(x.shape) + 1 if axis[0] < 0 else axis[0]
    if len(axis) != 1 or not 0 <= a <= len(x.shape):
        return [f"axis {axis} does not fit a {len(x.shape)}-D input"]
    want = [int(d) for d in x.shape[:a]] + [1] + [int(d) for d in x.shape[a:]]
    if want != [int(d) for d in y.shape]:
        problems.append(f"output shape {list(y.shape)} is not {want}")
    return problems
