"""RESHAPE and SQUEEZE: views. No code runs; the output shares the input's storage. TFLM copies bytes of
any type for both (reshape_common.cc, squeeze.cc). EXPAND_DIMS, also a view: micro.ops.expand_dims."""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.lowered import Alias

KINDS = ("RESHAPE", "SQUEEZE")
TYPES = ("int8", "int16", "int32")  # a view: any activation dtype (int64 and bool too)
SQUEEZE_MAX_RANK = 8  # squeeze.cc max_squeeze_dims
# (min inputs, max inputs, outputs): TFLM's Prepare checks
ARITY = {"RESHAPE": (1, 2, 1), "SQUEEZE": (1, 1, 1)}


def view_problems(op: Op, g: Graph) -> list[str]:
    """Problems unless the output holds the input's elements, of the same type."""
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    problems = []
    if x.dtype != y.dtype:
        problems.append(f"input is {x.dtype} but output is {y.dtype}")
    if x.size != y.size:
        problems.append(f"input has {x.size} elements but output shape {list(y.shape)} has {y.size}")
    return problems


def check(op: Op, g: Graph) -> list[str]:
    problems = view_problems(op, g)
    x = g.t(op.inputs[0])
    if op.kind == "SQUEEZE" and len(x.shape) > SQUEEZE_MAX_RANK:
        problems.append(f"input has {len(x.shape)} dimensions; TFLM's SQUEEZE accepts at most {SQUEEZE_MAX_RANK}")
    return problems


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    """A view of a constant is the constant, reshaped."""
    return [g.t(op.inputs[0]).data.reshape(g.t(op.outputs[0]).shape)]


def lower(op: Op, g: Graph) -> Alias:
    return Alias(src=op.inputs[0], dst=op.outputs[0])
