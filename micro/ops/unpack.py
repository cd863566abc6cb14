"""UNPACK (TFLM unpack.cc UnpackImpl): the input split into `num` slices along an axis that disappears.
A raw copy. Kernel: micro.kernels.split (one run per outer index for each output). When the axis is the
outermost one that is not 1, every output is a contiguous run of the input: a view (micro.arena.views)."""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.kernels.split import SPLIT
from micro.lowered import KernelCall, Views
from micro.ops.common import opt
from micro.ops.movement import elem_bytes, parts_or_copy, positive_axis, runs, same_dtype_problems

KINDS = ("UNPACK",)
TYPES = ("int8", "int16", "int32")  # UnpackEval (float32 too)
ARITY = {"UNPACK": (1, 1, None)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks


def _axis(op: Op, g: Graph) -> int | None:
    return positive_axis(opt(op, "axis", 0), len(g.t(op.inputs[0]).shape))


def check(op: Op, g: Graph) -> list[str]:
    x = g.t(op.inputs[0])
    problems = same_dtype_problems(op, g, op.inputs[:1], TYPES)
    num = opt(op, "num", len(op.outputs))
    if num != len(op.outputs):
        problems.append(f"num is {num} but the op has {len(op.outputs)} outputs (TFLM writes num outputs)")
    axis = _axis(op, g)
    if axis is None:
        return problems + [f"axis {opt(op, 'axis', 0)} is outside the input's {len(x.shape)} dimensions"]
    want = [int(d) for k, d in enumerate(x.shape) if k != axis]
    if int(x.shape[axis]) != len(op.outputs):
        problems.append(f"input extent {x.shape[axis]} along axis {axis} != {len(op.outputs)} outputs")
    for o in op.outputs:
        if [int(d) for d in g.t(o).shape] != want:
            problems.append(f"output {o} '{g.t(o).name}' shape {list(g.t(o).shape)} is not {want}")
    return problems


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    data = np.asarray(g.t(op.inputs[0]).data)
    return [np.take(data, k, axis=_axis(op, g)) for k in range(len(op.outputs))]


def lower(op: Op, g: Graph) -> KernelCall | Views:
    x = g.t(op.inputs[0])
    axis = _axis(op, g)
    outer, copy_bytes = runs(x.shape, axis, [1] * len(op.outputs), elem_bytes(x))
    call = KernelCall(SPLIT, dict(outer=outer, num_outputs=len(op.outputs), copy_bytes=int_array(copy_bytes)),
                      inputs=[op.inputs[0]], outputs=list(op.outputs))
    return parts_or_copy(call, op.inputs[0], list(op.outputs), outer, copy_bytes)
