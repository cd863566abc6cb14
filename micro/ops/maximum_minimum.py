"""MAXIMUM and MINIMUM (TFLM maximum_minimum.cc): int8, int16, int32, int64; numpy broadcasting up to 6-D
(micro.ops.broadcast).

TFLM has no Prepare for them: Eval compares the stored integers, so the quantization of the tensors
plays no part (a converter gives all three operands one scale and zero point; with different ones
TFLM's result, and micro's, is the raw integer maximum/minimum all the same).
"""

from __future__ import annotations

import numpy as np

from micro.dtypes import NUMPY_DTYPES
from micro.ir import Graph, Op
from micro.kernels.maximum_minimum import DTYPES as TYPES, MAXIMUM_MINIMUM
from micro.lowered import KernelCall
from micro.ops.broadcast import binary_problems, broadcast_layout, folded_operands, inplace_positions, operands

KINDS = ("MAXIMUM", "MINIMUM")
ARITY = {"MAXIMUM": (2, 2, 1), "MINIMUM": (2, 2, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks


def check(op: Op, g: Graph) -> list[str]:
    return binary_problems(op, g, TYPES, activation=False)


def lower(op: Op, g: Graph) -> KernelCall:
    x1, x2, y = operands(op, g)
    return KernelCall(MAXIMUM_MINIMUM[(op.kind, y.dtype)], broadcast_layout(x1.shape, x2.shape, y.shape),
                      inputs=[op.inputs[0], op.inputs[1]], outputs=[op.outputs[0]], macs=y.size,
                      overlap_ok=inplace_positions(op, g))


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    x, y = folded_operands(op, g)
    out = np.maximum(x, y) if op.kind == "MAXIMUM" else np.minimum(x, y)
    return [out.astype(NUMPY_DTYPES[g.t(op.outputs[0]).dtype])]
