"""SPLIT and SPLIT_V (TFLM split.cc, split_v.cc SplitImpl): the input cut along an axis into the
outputs' extents. The axis must be a constant int32 tensor (both Prepares); SPLIT_V's size_splits
tensor is never read: TFLM takes each output's extent from its shape, and so does micro. A raw copy.
Kernel: micro.kernels.split. When the axis is the outermost one that is not 1, every output is a
contiguous run of the input: a view (micro.arena.views)."""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.kernels.split import SPLIT
from micro.lowered import KernelCall, Views
from micro.ops.movement import (const_ints, elem_bytes, index_tensor_problems, parts_or_copy, positive_axis, runs,
                                same_dtype_problems)

KINDS = ("SPLIT", "SPLIT_V")
TYPES = ("int8", "int16", "int32")  # SplitEval / SplitVEval (float32 too)
ARITY = {"SPLIT": (2, 2, None), "SPLIT_V": (3, 3, None)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks


def _positions(op: Op) -> tuple[int, int]:
    """(input, axis) tensor positions among the op's inputs."""
    return (1, 0) if op.kind == "SPLIT" else (0, 2)


def _axis(op: Op, g: Graph) -> int | None:
    data, axis = _positions(op)
    return positive_axis(const_ints(g, op.inputs[axis])[0], len(g.t(op.inputs[data]).shape))


def check(op: Op, g: Graph) -> list[str]:
    data, axis_pos = _positions(op)
    if len(op.inputs) <= max(data, axis_pos):
        return [f"{op.kind} needs {max(data, axis_pos) + 1} inputs, the op has {len(op.inputs)}"]
    x = g.t(op.inputs[data])
    problems = same_dtype_problems(op, g, [op.inputs[data]], TYPES)
    problems += index_tensor_problems(g, op.inputs[axis_pos], "axis")
    if problems:
        return problems
    axis = _axis(op, g)
    if axis is None:
        return [f"axis {const_ints(g, op.inputs[axis_pos])[0]} is outside the input's {len(x.shape)} dimensions"]
    total = 0
    for o in op.outputs:
        y = g.t(o)
        if len(y.shape) != len(x.shape) or any(int(a) != int(b) for k, (a, b) in enumerate(zip(x.shape, y.shape))
                                               if k != axis):
            problems.append(f"output {o} '{y.name}' shape {list(y.shape)} is not a part of {list(x.shape)} "
                            f"along axis {axis}")
        else:
            total += int(y.shape[axis])
    if op.kind == "SPLIT" and len({int(g.t(o).shape[axis]) for o in op.outputs}) > 1:
        problems.append("SPLIT outputs differ in size (TFLM copies each with the first output's extent)")
    if not problems and total != int(x.shape[axis]):
        problems.append(f"outputs add up to {total} along axis {axis}, the input has {x.shape[axis]}")
    return problems


def _extents(op: Op, g: Graph, axis: int) -> list[int]:
    return [int(g.t(o).shape[axis]) for o in op.outputs]


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    axis = _axis(op, g)
    cuts = np.cumsum(_extents(op, g, axis))[:-1]
    return np.split(np.asarray(g.t(op.inputs[_positions(op)[0]]).data), cuts, axis=axis)


def lower(op: Op, g: Graph) -> KernelCall | Views:
    x_idx = op.inputs[_positions(op)[0]]
    x = g.t(x_idx)
    axis = _axis(op, g)
    outer, copy_bytes = runs(x.shape, axis, _extents(op, g, axis), elem_bytes(x))
    call = KernelCall(SPLIT, dict(outer=outer, num_outputs=len(op.outputs), copy_bytes=int_array(copy_bytes)),
                      inputs=[x_idx], outputs=list(op.outputs))
    return parts_or_copy(call, x_idx, list(op.outputs), outer, copy_bytes)
