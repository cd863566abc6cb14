"""TRANSPOSE, int8 (TFLM transpose.cc, transpose_common.cc; reference_ops::Transpose, up to 5-D).

The permutation must be constant (TFLM requires it). Here it becomes collapsed output
extents plus the input stride along each; a permutation that keeps the element order
(only size-1 dims move) is a view (Alias). Kernel: micro.kernels.transpose.
"""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.dtypes import DTYPE_BYTES
from micro.kernels.transpose import TRANSPOSE
from micro.lowered import Alias, KernelCall
from micro.ops.common import require_dtypes

KINDS = ("TRANSPOSE",)
TYPES = ("int8", "int16")  # TFLM transpose.cc: no integer type wider than int16 at Eval
ARITY = {"TRANSPOSE": (2, 2, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
MAX_RANK = 5  # transpose_common.cc: "Transpose op only supports 1D-5D input arrays."


def transpose_perm(op: Op, g: Graph) -> list[int] | None:
    p = g.t(op.inputs[1])
    if p is None or p.data is None:
        return None
    return [int(v) for v in np.asarray(p.data).ravel()]


def transpose_layout(in_shape, perm, rank=MAX_RANK, strides=None) -> tuple[list[int], list[int]]:
    """(dims, in_strides) padded in front to `rank`, after dropping size-1 output dims
    and merging output dims that are adjacent, in order, in the input too. strides: the input's element
    strides when it is part of a larger tensor (a band of rows, micro.patch), else dense."""
    n = len(in_shape)
    in_strides, acc = [0] * n, 1
    for i in reversed(range(n)):
        in_strides[i] = acc if strides is None else int(strides[i])
        acc *= int(in_shape[i])
    merged: list[list[int]] = []  # [extent, input stride]
    for k in range(n):
        extent, stride = int(in_shape[perm[k]]), in_strides[perm[k]]
        if extent == 1:
            continue
        if merged and merged[-1][1] == stride * extent:
            merged[-1] = [merged[-1][0] * extent, stride]
        else:
            merged.append([extent, stride])
    if not merged:
        merged = [[1, 1]]
    full = [[1, 0]] * (rank - len(merged)) + merged
    return [m[0] for m in full], [m[1] for m in full]


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    problems = require_dtypes(op, g, positions=(0,), dtypes=TYPES)
    if x.dtype != y.dtype:
        problems.append(f"input '{x.name}' is {x.dtype} but output '{y.name}' is {y.dtype}: TFLM's {op.kind} moves "
                        "elements of one type (no requantization)")
    pt = g.t(op.inputs[1])
    if pt.dtype != "int32":
        problems.append(f"perm tensor {pt.index} '{pt.name}' is {pt.dtype}, supported: int32")
    perm = transpose_perm(op, g)
    if perm is None:
        problems.append("non-constant perm tensor is not supported (TFLM needs it constant)")
        return problems
    if not 1 <= len(x.shape) <= MAX_RANK:
        problems.append(f"TRANSPOSE supports 1-D to {MAX_RANK}-D inputs (TFLM), input has {len(x.shape)}")
    if sorted(perm) != list(range(len(x.shape))):
        problems.append(f"perm {perm} is not a permutation of the input's {len(x.shape)} dims")
    elif tuple(int(x.shape[p]) for p in perm) != tuple(int(d) for d in y.shape):
        problems.append(f"output shape {list(y.shape)} != input {list(x.shape)} permuted by {perm}")
    return problems


def lower(op: Op, g: Graph) -> KernelCall | Alias:
    x = g.t(op.inputs[0])
    dims, strides = transpose_layout(x.shape, transpose_perm(op, g))
    if strides[-1] == 1 and all(d == 1 for d in dims[:-1]):
        return Alias(src=op.inputs[0], dst=op.outputs[0])
    params = dict(size=x.size, elem_bytes=DTYPE_BYTES[x.dtype], dims=int_array(dims), in_strides=int_array(strides))
    return KernelCall(TRANSPOSE, params, inputs=[op.inputs[0]], outputs=[op.outputs[0]])
