"""RESHAPE (and SQUEEZE, EXPAND_DIMS): a view. No code runs; the output shares the input's storage."""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.lowered import Alias

KINDS = ("RESHAPE", "SQUEEZE", "EXPAND_DIMS")
TYPES = ("int8", "int16", "int32")  # a view: any activation dtype


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    problems = []
    if x.dtype != y.dtype:
        problems.append(f"input is {x.dtype} but output is {y.dtype}")
    if x.size != y.size:
        problems.append(f"input has {x.size} elements but output shape {list(y.shape)} has {y.size}")
    return problems


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    """A view of a constant is the constant, reshaped."""
    return [g.t(op.inputs[0]).data.reshape(g.t(op.outputs[0]).shape)]


def lower(op: Op, g: Graph) -> Alias:
    return Alias(src=op.inputs[0], dst=op.outputs[0])
