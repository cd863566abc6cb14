"""STRIDED_SLICE (TFLM strided_slice.cc, strided_slice_common.cc; reference_ops::StridedSlice).

TFLM quirks reproduced here:
- Prepare accepts inputs of at most 4 dimensions ("input dim should not exceed 4"), although the
  reference kernel pads everything to 5-D.
- begin, end and strides must be constant (TFLM reads them as int32 whatever their type: micro requires
  int32), and only their first rank values are read (a converter writes more for new axes).
- ellipsis_mask, new_axis_mask and the offset option are IGNORED (BuildStridedSliceParams sets them to
  0 / false); the output shape Prepare checks is computed without them (CheckOutputSize), so a model
  that relies on them is rejected by TFLM (and here) unless its output shape happens to agree.
- A shrunk axis whose start is clamped to the axis size (begin >= size) copies nothing in Eval
  although Prepare accepted it; such models are rejected here (their output would be uninitialized).
  So are shrunk axes with a negative stride (start + 1 is behind start: nothing is copied either).

The slice becomes a strided copy (micro.kernels.strided_slice): a start element and, per merged
output dimension, an extent and an input step. A slice that is one contiguous run of the input (the
sliced axis is the outermost one that is not 1, stride 1) is a view of its input at a byte offset.
"""

from __future__ import annotations

import math

import numpy as np

from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.kernels.strided_slice import STRIDED_SLICE
from micro.lowered import Alias, KernelCall, Views
from micro.ops.common import opt
from micro.ops.movement import const_ints, elem_bytes, index_tensor_problems, product, same_dtype_problems

KINDS = ("STRIDED_SLICE",)
TYPES = ("int8", "int16", "int32")  # listed by `micro ops`
ARITY = {"STRIDED_SLICE": (4, 4, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
MAX_RANK = 4    # strided_slice_common.cc kMaxDim
KERNEL_RANK = 5  # reference_ops::StridedSlice pads to 5-D
ALL_DTYPES = TYPES + ("bool",)  # what StridedSliceEval copies (float32 too)
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def _clamp(v: int, lo: int, hi: int) -> int:
    return hi if v > hi else lo if v < lo else v


def _bit(mask: int, axis: int) -> bool:
    return bool(mask >> axis & 1)


def eval_axes(in_shape, begin, end, strides, begin_mask, end_mask, shrink_axis_mask) -> list[tuple[int, int, int]]:
    """(start, stop, stride) of each of the 5 axes TFLM's Eval loops over (StridedSlicePadIndices, then
    StridedSliceStartForAxis / StridedSliceEndForAxis)."""
    pad = KERNEL_RANK - len(in_shape)
    shape = [1] * pad + [int(d) for d in in_shape]
    begin, end, strides = [0] * pad + list(begin), [1] * pad + list(end), [1] * pad + list(strides)
    fill = (1 << pad) - 1
    begin_mask = ((begin_mask << pad) | fill) & 0xFFFF  # uint16_t fields
    end_mask = ((end_mask << pad) | fill) & 0xFFFF
    shrink_axis_mask = (shrink_axis_mask << pad) & 0xFFFF
    out = []
    for axis in range(KERNEL_RANK):
        size, stride = shape[axis], strides[axis]
        start = begin[axis] + (size if begin[axis] < 0 else 0)
        start = _clamp(start, 0, size) if stride > 0 else _clamp(start, -1, size - 1)
        if _bit(begin_mask, axis):
            start = 0 if stride > 0 else size - 1
        if _bit(shrink_axis_mask, axis):
            stop = start if start >= size else start + 1
        else:
            stop = end[axis] + (size if end[axis] < 0 else 0)
            stop = _clamp(stop, 0, size) if stride > 0 else _clamp(stop, -1, size - 1)
            if _bit(end_mask, axis):
                stop = size if stride > 0 else -1
        out.append((start, stop, stride))
    return out


def count(start: int, stop: int, stride: int) -> int:
    """Iterations of `for (i = start; stride > 0 ? i < stop : i > stop; i += stride)`."""
    n = (stop - start + stride - 1) // stride if stride > 0 else (start - stop - stride - 1) // -stride
    return max(0, n)


def prepare_shape(in_shape, begin, end, strides, begin_mask, end_mask, shrink_axis_mask) -> list[int]:
    """The output shape TFLM's Prepare (CheckOutputSize, with StartForAxis / StopForAxis) requires."""
    shape = []
    for axis, size in enumerate(int(d) for d in in_shape):
        stride = strides[axis]
        if size == 0:
            start = stop = 0
        else:
            start = (INT_MIN if stride > 0 else INT_MAX) if _bit(begin_mask, axis) else begin[axis]
            start += size if start < 0 else 0
            start = _clamp(start, 0, size) if stride > 0 else _clamp(start, -1, size - 1)
            stop = (INT_MAX if stride > 0 else INT_MIN) if _bit(end_mask, axis) else end[axis]
            stop += size if stop < 0 else 0
            stop = _clamp(stop, 0, size) if stride > 0 else _clamp(stop, -1, size - 1)
        if _bit(shrink_axis_mask, axis):
            continue
        dim = math.ceil(float(np.float32(stop - start) / np.float32(stride)))
        shape.append(max(0, dim))
    return shape


def strided_layout(in_shape, axes) -> tuple[int, list[int], list[int]]:
    """(first input element, output extents, input element steps) of a 5-D strided copy, after dropping
    unit extents and merging dimensions that stay contiguous (padded in front to 5-D)."""
    shape = [1] * (KERNEL_RANK - len(in_shape)) + [int(d) for d in in_shape]
    in_strides = [product(shape[d + 1:]) for d in range(KERNEL_RANK)]
    start = sum(a[0] * s for a, s in zip(axes, in_strides))
    merged: list[list[int]] = []  # [extent, step]
    for (first, stop, stride), s in zip(axes, in_strides):
        n = count(first, stop, stride)
        if n == 0:
            return start, [1] * (KERNEL_RANK - 1) + [0], [0] * (KERNEL_RANK - 1) + [1]
        if n == 1:
            continue
        if merged and merged[-1][1] == stride * s * n:
            merged[-1] = [merged[-1][0] * n, stride * s]
        else:
            merged.append([n, stride * s])
    full = [[1, 0]] * (KERNEL_RANK - len(merged)) + merged
    return start, [m[0] for m in full], [m[1] for m in full]


def index_map(start: int, dims, steps) -> np.ndarray:
    """The input element index of every output element, in output order."""
    idx = np.full((1,) * len(dims), start, dtype=np.int64)
    for d, (n, s) in enumerate(zip(dims, steps)):
        shape = [1] * len(dims)
        shape[d] = n
        idx = idx + (np.arange(n, dtype=np.int64) * s).reshape(shape)
    return idx.ravel()


def copy_or_view(op: Op, g: Graph, start: int, dims, steps) -> KernelCall | Views:
    """The strided copy, or a view of the input at a byte offset when the output is one contiguous run."""
    x, y = g.t(op.inputs[0]), op.outputs[0]
    size = elem_bytes(x)
    call = KernelCall(STRIDED_SLICE, dict(elem_bytes=size, start=start, dims=int_array(dims),
                                          steps=int_array(steps)), inputs=[op.inputs[0]], outputs=[y])
    runs = [(n, s) for n, s in zip(dims, steps) if n != 1]
    if len(runs) <= 1 and all(s == 1 for _, s in runs):
        return Views((Alias(src=op.inputs[0], dst=y, offset=start * size),), call)
    return call


def _options(op: Op, g: Graph):
    """(input shape, [begin, end, strides], [begin_mask, end_mask, shrink_axis_mask]) as TFLM reads them:
    the first rank values of each vector (BuildStridedSliceParams; a converter may write more, for
    new axes)."""
    x = g.t(op.inputs[0])
    vectors = [const_ints(g, op.inputs[k])[:len(x.shape)] for k in (1, 2, 3)]
    masks = [int(opt(op, k, 0) or 0) for k in ("begin_mask", "end_mask", "shrink_axis_mask")]
    return x.shape, vectors, masks


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    problems = same_dtype_problems(op, g, [op.inputs[0]], ALL_DTYPES)
    if len(x.shape) > MAX_RANK:
        problems.append(f"input has {len(x.shape)} dimensions; TFLM's STRIDED_SLICE accepts at most {MAX_RANK}")
    for k, what in ((1, "begin"), (2, "end"), (3, "strides")):
        problems += index_tensor_problems(g, op.inputs[k] if k < len(op.inputs) else None, what)
    if problems:
        return problems
    shape, (begin, end, strides), (bm, em, sm) = _options(op, g)
    if any(len(v) < len(shape) for v in (begin, end, strides)):
        return [f"begin/end/strides have {len(begin)}/{len(end)}/{len(strides)} values for a "
                f"{len(shape)}-D input (TFLM reads one per input dimension)"]
    if 0 in strides:
        return ["a stride is 0 (TFLM: stride value has to be non-zero)"]
    want = prepare_shape(shape, begin, end, strides, bm, em, sm)
    if want != [int(d) for d in y.shape]:
        ignored = [k for k in ("ellipsis_mask", "new_axis_mask", "offset") if opt(op, k)]
        why = f" (TFLM ignores {', '.join(ignored)})" if ignored else ""
        return [f"output shape {list(y.shape)} is not the {want} TFLM computes{why}"]
    axes = eval_axes(shape, begin, end, strides, bm, em, sm)
    shrunk = [a for a in range(len(shape)) if _bit(sm, a)]
    pad = KERNEL_RANK - len(shape)
    for a in shrunk:
        start, stop, stride = axes[a + pad]
        if count(start, stop, stride) != 1:
            problems.append(f"shrunk axis {a} (begin {begin[a]}, stride {stride}) selects no element in "
                            "TFLM's kernel, which then leaves the output unwritten")
    copied = product(count(*a) for a in axes)
    if not problems and copied != y.size:
        problems.append(f"TFLM's kernel copies {copied} elements into an output of {y.size}")
    return problems


def _layout(op: Op, g: Graph):
    shape, (begin, end, strides), (bm, em, sm) = _options(op, g)
    return strided_layout(shape, eval_axes(shape, begin, end, strides, bm, em, sm))


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    start, dims, steps = _layout(op, g)
    data = np.asarray(g.t(op.inputs[0]).data).ravel()
    return [data[index_map(start, dims, steps)].reshape(g.t(op.outputs[0]).shape)]


def lower(op: Op, g: Graph) -> KernelCall | Views:
    return copy_or_view(op, g, *_layout(op, g))
