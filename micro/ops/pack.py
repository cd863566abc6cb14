"""PACK (TFLM pack.cc PackImpl): N equally shaped inputs stacked along a new axis. A raw copy (no
requantization; TFLM has no Prepare for PACK and checks nothing). Kernel: micro.kernels.concatenation
(each input is one run per outer index). When the new axis is outside every dimension that is not 1,
the inputs are contiguous runs of the output and become views into it (micro.arena.views)."""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.kernels.concatenation import CONCATENATION
from micro.lowered import KernelCall, Views
from micro.ops.common import opt
from micro.ops.movement import elem_bytes, parts_or_copy, positive_axis, runs, same_dtype_problems

KINDS = ("PACK",)
TYPES = ("int8", "int16", "int32")  # listed by `micro ops`
ARITY = {"PACK": (1, None, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
ALL_DTYPES = TYPES + ("int64",)  # what PackEval copies (float32 too)


def _axis(op: Op, g: Graph) -> int | None:
    return positive_axis(opt(op, "axis", 0), len(g.t(op.outputs[0]).shape))


def check(op: Op, g: Graph) -> list[str]:
    y = g.t(op.outputs[0])
    problems = same_dtype_problems(op, g, op.inputs, ALL_DTYPES)
    count = opt(op, "values_count", len(op.inputs))
    if count != len(op.inputs):
        problems.append(f"values_count is {count} but the op has {len(op.inputs)} inputs")
    axis = _axis(op, g)
    if axis is None:
        return problems + [f"axis {opt(op, 'axis', 0)} is outside the output's {len(y.shape)} dimensions"]
    want = [int(d) for k, d in enumerate(y.shape) if k != axis]
    for i in op.inputs:
        if [int(d) for d in g.t(i).shape] != want or int(y.shape[axis]) != len(op.inputs):
            problems.append(f"input {i} '{g.t(i).name}' shape {list(g.t(i).shape)}: {len(op.inputs)} of them "
                            f"do not stack into {list(y.shape)} along axis {axis}")
    return problems


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    return [np.stack([np.asarray(g.t(i).data) for i in op.inputs], axis=_axis(op, g))]


def lower(op: Op, g: Graph) -> KernelCall | Views:
    y = g.t(op.outputs[0])
    axis = _axis(op, g)
    outer, copy_bytes = runs(y.shape, axis, [1] * len(op.inputs), elem_bytes(y))
    call = KernelCall(CONCATENATION, dict(outer=outer, num_inputs=len(op.inputs), copy_bytes=int_array(copy_bytes)),
                      inputs=list(op.inputs), outputs=[op.outputs[0]])
    return parts_or_copy(call, op.outputs[0], list(op.inputs), outer, copy_bytes)
