"""CAST between integer types (TFLM cast.cc): `static_cast<Out>(in)` per element, no quantization read.

TFLM casts from int8, int16, int32, uint32, bool and float32 to int8, int16, int32, uint32 and float32.
micro compiles the integer ones: int8, int16, int32, uint32 in any combination. A cast that keeps every
bit (same type, int32 <-> uint32) is a view; narrowing keeps the low bits (wrap-around), widening
sign-extends (into uint32 modulo 2^32). bool input (produced by comparison ops micro does not compile)
and float32 are rejected. Kernels: micro.kernels.cast.
"""

from __future__ import annotations

import numpy as np

from micro.dtypes import NUMPY_DTYPES
from micro.fixedpoint import wrap
from micro.ir import Graph, Op
from micro.kernels.cast import CAST_KERNELS
from micro.lowered import Alias, KernelCall
from micro.ops.unary import Elementwise, can_view, dtype_problems, fold_elementwise, shape_problems

KINDS = ("CAST",)
TYPES = ("int8", "int16", "int32", "uint32")
ARITY = {"CAST": (1, 1, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
INTEGER_TYPES = ("int8", "int16", "int32", "uint32")
PAIRS = tuple((a, b) for a in INTEGER_TYPES for b in INTEGER_TYPES)
SAME_BITS = {("int32", "uint32"), ("uint32", "int32")}


def elementwise(out_dtype: str) -> Elementwise:
    bits = NUMPY_DTYPES[out_dtype].itemsize * 8
    if NUMPY_DTYPES[out_dtype].kind == "u":
        return lambda v: v % (1 << bits)
    return lambda v: wrap(v, bits)


def _keeps_bits(op: Op, g: Graph) -> bool:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    return x.dtype == y.dtype or (x.dtype, y.dtype) in SAME_BITS


def check(op: Op, g: Graph) -> list[str]:
    problems = dtype_problems(op, g, PAIRS) + shape_problems(op, g)
    if not problems and _keeps_bits(op, g) and not can_view(op, g) and op.outputs[0] in g.outputs:
        problems.append(f"CAST {g.t(op.inputs[0]).dtype} -> {g.t(op.outputs[0]).dtype} of a constant into a "
                        "graph output is a copy micro has no kernel for; the output is constant: drop the op "
                        "and use the constant in the application")
    return problems


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    return fold_elementwise(op, g, elementwise(g.t(op.outputs[0]).dtype))


def lower(op: Op, g: Graph) -> KernelCall | Alias:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    if _keeps_bits(op, g):
        return Alias(src=op.inputs[0], dst=op.outputs[0])
    narrowing = NUMPY_DTYPES[y.dtype].itemsize < NUMPY_DTYPES[x.dtype].itemsize
    return KernelCall(CAST_KERNELS[(x.dtype, y.dtype)], dict(size=x.size), inputs=[op.inputs[0]],
                      outputs=[op.outputs[0]], macs=x.size, overlap_ok=(0,) if narrowing else ())
