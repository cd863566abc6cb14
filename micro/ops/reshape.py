"""RESHAPE, SQUEEZE and EXPAND_DIMS: views. No code runs; the output shares the input's storage.

Types as TFLM: RESHAPE and SQUEEZE copy bytes of any type (reshape_common.cc, squeeze.cc);
EXPAND_DIMS copies int8, int16 (and float32) only, and needs its axis as a constant int32
(expand_dims.cc)."""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.lowered import Alias
from micro.ops.movement import const_ints, index_tensor_problems

KINDS = ("RESHAPE", "SQUEEZE", "EXPAND_DIMS")
EXPAND_DIMS_DTYPES = ("int8", "int16")  # ExpandDimsEval (float32 too)
SQUEEZE_MAX_RANK = 8  # squeeze.cc max_squeeze_dims


def _expand_dims_problems(op: Op, g: Graph) -> list[str]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    problems = [] if x.dtype in EXPAND_DIMS_DTYPES else [
        f"tensor {op.inputs[0]} '{x.name}' is {x.dtype}; TFLM's EXPAND_DIMS supports {', '.join(EXPAND_DIMS_DTYPES)}"]
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


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    problems = []
    if x.dtype != y.dtype:
        problems.append(f"input is {x.dtype} but output is {y.dtype}")
    if x.size != y.size:
        problems.append(f"input has {x.size} elements but output shape {list(y.shape)} has {y.size}")
    if op.kind == "SQUEEZE" and len(x.shape) > SQUEEZE_MAX_RANK:
        problems.append(f"input has {len(x.shape)} dimensions; TFLM's SQUEEZE accepts at most {SQUEEZE_MAX_RANK}")
    if op.kind == "EXPAND_DIMS" and not problems:
        problems += _expand_dims_problems(op, g)
    return problems


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    """A view of a constant is the constant, reshaped."""
    return [g.t(op.inputs[0]).data.reshape(g.t(op.outputs[0]).shape)]


def lower(op: Op, g: Graph) -> Alias:
    return Alias(src=op.inputs[0], dst=op.outputs[0])
