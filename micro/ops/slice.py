"""SLICE (TFLM slice.cc; reference_ops::Slice, up to 5-D): output = input[begin : begin + size] per axis,
size -1 meaning "to the end". TFLM reads begin and size (int32 or int64) at Eval and never checks them
against the input; micro needs them constant and in range. A strided copy (micro.kernels.strided_slice)
or, when the slice is one contiguous run of the input, a view at a byte offset."""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.lowered import KernelCall, Views
from micro.ops.movement import const_ints, index_tensor_problems, same_dtype_problems
from micro.ops.strided_slice import copy_or_view, index_map, strided_layout

KINDS = ("SLICE",)
TYPES = ("int8", "int16", "int32")  # listed by `micro ops`
ARITY = {"SLICE": (3, 3, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
MAX_RANK = 5  # slice.cc kMaxDim
ALL_DTYPES = TYPES + ("bool",)  # what SliceEval copies (float32 too)


def _axes(op: Op, g: Graph) -> list[tuple[int, int, int]]:
    """(start, stop, 1) per axis of the input, padded in front to 5-D."""
    x = g.t(op.inputs[0])
    begin, size = const_ints(g, op.inputs[1]), const_ints(g, op.inputs[2])
    shape = [int(d) for d in x.shape]
    axes = [(b, d if s == -1 else b + s, 1) for b, s, d in zip(begin, size, shape)]
    return [(0, 1, 1)] * (MAX_RANK - len(shape)) + axes


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    problems = same_dtype_problems(op, g, [op.inputs[0]], ALL_DTYPES)
    if len(x.shape) > MAX_RANK:
        problems.append(f"input has {len(x.shape)} dimensions; TFLM's SLICE accepts at most {MAX_RANK}")
    for k, what in ((1, "begin"), (2, "size")):
        problems += index_tensor_problems(g, op.inputs[k] if k < len(op.inputs) else None, what,
                                          ("int32", "int64"))
    if problems:
        return problems
    begin, size = const_ints(g, op.inputs[1]), const_ints(g, op.inputs[2])
    if len(begin) != len(x.shape) or len(size) != len(x.shape):
        return [f"begin and size have {len(begin)} and {len(size)} values for a {len(x.shape)}-D input"]
    for a, (b, s, d) in enumerate(zip(begin, size, x.shape)):
        stop = int(d) if s == -1 else b + s
        if not (0 <= b <= stop <= int(d)):
            problems.append(f"axis {a}: begin {b}, size {s} is outside the input's extent {d} (TFLM does not "
                            "check it and reads out of bounds)")
    want = [stop - start for start, stop, _ in _axes(op, g)][MAX_RANK - len(x.shape):]
    if not problems and want != [int(d) for d in y.shape]:
        problems.append(f"output shape {list(y.shape)} is not the {want} that begin and size select")
    return problems


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    x = g.t(op.inputs[0])
    start, dims, steps = strided_layout(x.shape, _axes(op, g))
    data = np.asarray(x.data).ravel()
    return [data[index_map(start, dims, steps)].reshape(g.t(op.outputs[0]).shape)]


def lower(op: Op, g: Graph) -> KernelCall | Views:
    x = g.t(op.inputs[0])
    return copy_or_view(op, g, *strided_layout(x.shape, _axes(op, g)))
