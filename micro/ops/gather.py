"""GATHER (TFLM gather.cc): slices of the input picked along `axis` by int32 indices, per batch for the
first `batch_dims` dimensions. TFLM supports int8 inputs (and float32) with int32 indices only; the
indices may be computed at run time (the kernel reads them) or constant (an index table in flash, checked
here to be in range: TFLM only DCHECKs it). Constant indices that pick one contiguous run of the input
make the output a view of it (micro.arena.views). Kernel: micro.kernels.gather."""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.kernels.gather import GATHER
from micro.lowered import Alias, KernelCall, Views
from micro.ops.common import opt
from micro.ops.movement import const_ints, elem_bytes, positive_axis, product, same_dtype_problems

KINDS = ("GATHER",)
TYPES = ("int8",)  # GatherPrepare (float32 too)
ARITY = {"GATHER": (2, 2, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks


def _geometry(op: Op, g: Graph) -> tuple[int, int] | None:
    """(axis, batch_dims) made non-negative as TFLM does, or None when out of range."""
    x, idx = g.t(op.inputs[0]), g.t(op.inputs[1])
    axis = positive_axis(opt(op, "axis", 0), len(x.shape))
    batch_dims = int(opt(op, "batch_dims", 0) or 0)
    if batch_dims < 0:
        batch_dims += len(idx.shape)
    if axis is None or not (0 <= batch_dims <= axis and batch_dims < len(x.shape) and batch_dims <= len(idx.shape)):
        return None
    return axis, batch_dims


def check(op: Op, g: Graph) -> list[str]:
    if len(op.inputs) != 2:
        return [f"GATHER takes 2 inputs, the op has {len(op.inputs)}"]
    x, idx, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    problems = same_dtype_problems(op, g, op.inputs[:1], TYPES)
    if idx.dtype != "int32":
        problems.append(f"indices tensor {op.inputs[1]} '{idx.name}' is {idx.dtype}; TFLM's GATHER takes int32")
    geometry = _geometry(op, g)
    if geometry is None:
        return problems + [f"axis {opt(op, 'axis', 0)} / batch_dims {opt(op, 'batch_dims', 0)} do not fit input "
                           f"{list(x.shape)} and indices {list(idx.shape)} (TFLM needs 0 <= batch_dims <= axis)"]
    axis, batch_dims = geometry
    if [int(d) for d in x.shape[:batch_dims]] != [int(d) for d in idx.shape[:batch_dims]]:
        problems.append(f"the first {batch_dims} extents of input {list(x.shape)} and indices {list(idx.shape)} differ")
    want = list(x.shape[:axis]) + list(idx.shape[batch_dims:]) + list(x.shape[axis + 1:])
    if [int(d) for d in want] != [int(d) for d in y.shape]:
        problems.append(f"output shape {list(y.shape)} is not the {[int(d) for d in want]} TFLM computes")
    values = const_ints(g, op.inputs[1])
    if values is not None and any(not 0 <= v < int(x.shape[axis]) for v in values):
        bad = next(v for v in values if not 0 <= v < int(x.shape[axis]))
        problems.append(f"index {bad} is outside [0, {x.shape[axis]}) (TFLM reads out of bounds)")
    return problems


def _sizes(op: Op, g: Graph) -> dict:
    x, idx = g.t(op.inputs[0]), g.t(op.inputs[1])
    axis, batch_dims = _geometry(op, g)
    return dict(batches=product(x.shape[:batch_dims]), outer=product(x.shape[batch_dims:axis]),
                coords=product(idx.shape[batch_dims:]), axis_size=int(x.shape[axis]),
                inner_bytes=product(x.shape[axis + 1:]) * elem_bytes(x))


def _source_bytes(op: Op, g: Graph) -> np.ndarray:
    """The input byte offset of each gathered slice, in output order (constant indices)."""
    s = _sizes(op, g)
    coords = np.asarray(const_ints(g, op.inputs[1]), dtype=np.int64).reshape(s["batches"], 1, s["coords"])
    b = np.arange(s["batches"]).reshape(-1, 1, 1)
    o = np.arange(s["outer"]).reshape(1, -1, 1)
    return (((b * s["outer"] + o) * s["axis_size"] + coords) * s["inner_bytes"]).ravel()


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    x = g.t(op.inputs[0])
    s = _sizes(op, g)
    raw = np.ascontiguousarray(x.data).view(np.uint8).ravel()
    rows = [raw[a:a + s["inner_bytes"]] for a in _source_bytes(op, g)]
    data = np.concatenate(rows) if rows else raw[:0]
    return [data.view(np.asarray(x.data).dtype).reshape(g.t(op.outputs[0]).shape)]


def lower(op: Op, g: Graph) -> KernelCall | Views:
    call = KernelCall(GATHER, _sizes(op, g), inputs=list(op.inputs), outputs=[op.outputs[0]])
    if g.t(op.inputs[1]).is_const:
        starts = _source_bytes(op, g)
        inner = _sizes(op, g)["inner_bytes"]
        if starts.size and np.array_equal(starts, starts[0] + inner * np.arange(starts.size)):
            return Views((Alias(src=op.inputs[0], dst=op.outputs[0], offset=int(starts[0])),), call)
    return call
