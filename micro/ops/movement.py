"""Helpers of the data-movement ops (STRIDED_SLICE, SLICE, CONCATENATION, PACK, UNPACK, SPLIT, SPLIT_V,
GATHER): axes, byte runs around an axis, and the views that replace a copy when the parts are
contiguous (micro.lowered.Views; the planner keeps them where it can: micro.arena.views)."""

from __future__ import annotations

import numpy as np

from micro.dtypes import DTYPE_BYTES
from micro.ir import Graph, Op, Tensor
from micro.lowered import Alias, KernelCall, Views


def product(dims) -> int:
    n = 1
    for d in dims:
        n *= int(d)
    return n


def positive_axis(axis: int, rank: int) -> int | None:
    """axis + rank for a negative axis (TFLM's convention), None when outside [0, rank)."""
    a = int(axis) + rank if int(axis) < 0 else int(axis)
    return a if 0 <= a < rank else None


def elem_bytes(t: Tensor) -> int:
    return DTYPE_BYTES[t.dtype]


def const_ints(g: Graph, t_idx: int | None) -> list[int] | None:
    """The values of a constant integer tensor, flattened; None when absent or computed at run time."""
    t = g.t(t_idx)
    if t is None or t.data is None:
        return None
    return [int(v) for v in np.asarray(t.data).ravel()]


def index_tensor_problems(g: Graph, t_idx: int | None, what: str, dtypes=("int32",)) -> list[str]:
    """Problems unless tensor t_idx is a constant of one of `dtypes` (TFLM reads these at Prepare)."""
    t = g.t(t_idx)
    if t is None:
        return [f"the {what} tensor is missing"]
    problems = []
    if t.dtype not in dtypes:
        problems.append(f"{what} tensor {t_idx} '{t.name}' is {t.dtype}, supported: {', '.join(dtypes)}")
    if t.data is None:
        problems.append(f"{what} tensor {t_idx} '{t.name}' is computed at run time; TFLM (and micro) need "
                        "it constant")
    return problems


def same_dtype_problems(op: Op, g: Graph, data_inputs, dtypes) -> list[str]:
    """Problems unless every data input and every output has one dtype, among `dtypes`."""
    tensors = [i for i in data_inputs if i is not None] + list(op.outputs)
    first = g.tensors[tensors[0]].dtype
    problems = []
    if first not in dtypes:
        problems.append(f"tensor {tensors[0]} '{g.tensors[tensors[0]].name}' is {first}; TFLM's {op.kind} supports "
                        f"{', '.join(dtypes)}")
    for t in tensors[1:]:
        if g.tensors[t].dtype != first:
            problems.append(f"tensor {t} '{g.tensors[t].name}' is {g.tensors[t].dtype} but tensor {tensors[0]} is "
                            f"{first}: every input and output must have the same type")
    return problems


def runs(shape, axis: int, extents, elem: int) -> tuple[int, list[int]]:
    """(outer, bytes per outer index of each part) for parts of `extents` along `axis` of `shape`."""
    inner = product(shape[axis + 1:])
    return product(shape[:axis]), [int(e) * inner * elem for e in extents]


def contiguous_offsets(outer: int, part_bytes: list[int]) -> list[int] | None:
    """Byte offset of each part inside the whole when every part is one contiguous run (the axis is the
    outermost one that is not 1), else None."""
    if outer != 1:
        return None
    return [int(v) for v in np.concatenate([[0], np.cumsum(part_bytes)[:-1]])] if part_bytes else []


def parts_or_copy(call: KernelCall, whole: int, parts: list[int], outer: int, part_bytes: list[int]
                  ) -> KernelCall | Views:
    """Views placing each part inside the whole when the parts are contiguous, with `call` (the copy)
    to fall back on; else `call`."""
    offsets = contiguous_offsets(outer, part_bytes)
    if offsets is None:
        return call
    return Views(tuple(Alias(src=whole, dst=p, offset=o) for p, o in zip(parts, offsets)), call)
