"""Fold RESHAPE/SQUEEZE/EXPAND_DIMS of constant tensors into new constants."""

from __future__ import annotations

import copy

from micro.ir import Graph

VIEW_OPS = ("RESHAPE", "SQUEEZE", "EXPAND_DIMS")


def fold_constant_views(g: Graph) -> Graph:
    out = copy.copy(g)
    out.tensors = list(g.tensors)
    ops = []
    for op in g.ops:
        src = out.tensors[op.inputs[0]] if op.inputs and op.inputs[0] is not None else None
        if op.kind in VIEW_OPS and src is not None and src.is_const and op.outputs[0] not in g.outputs:
            dst = copy.copy(out.tensors[op.outputs[0]])
            dst.data = src.data.reshape(dst.shape)
            out.tensors[dst.index] = dst
            continue
        ops.append(op)
    out.ops = ops
    return out
