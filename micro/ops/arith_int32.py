"""The int32 path of ADD, SUB, MUL, DIV and SQUARED_DIFFERENCE (TFLM's templated reference kernels on
unquantized int32 tensors): lowering to micro.kernels.arith_int32 and the same integers in numpy for
constant folding. Not an op module: the op modules call it for their int32 operands."""

from __future__ import annotations

import numpy as np

from micro.fixedpoint import wrap32
from micro.ir import Graph, Op
from micro.kernels.arith_int32 import ARITH_INT32, ARITH_OPS
from micro.lowered import KernelCall
from micro.ops.broadcast import broadcast_layout, folded_operands, inplace_positions, operands


def unquantized_problems(op: Op, g: Graph) -> list[str]:
    """ADD, SUB and DIV: TFLM's Prepare requires int32 operands without quantization."""
    return [f"tensor {t.index} '{t.name}' is a quantized int32 tensor; TFLM's {op.kind} takes int32 only "
            "unquantized" for t in operands(op, g) if t.quant is not None]


def lower(op: Op, g: Graph, act_range: tuple[int, int]) -> KernelCall:
    x1, x2, y = operands(op, g)
    params = dict(op=ARITH_OPS[op.kind], act_min=act_range[0], act_max=act_range[1],
                  layout=broadcast_layout(x1.shape, x2.shape, y.shape))
    return KernelCall(ARITH_INT32, params, inputs=[op.inputs[0], op.inputs[1]], outputs=[op.outputs[0]],
                      macs=y.size, overlap_ok=inplace_positions(op, g))


def compute(kind: str, x: np.ndarray, y: np.ndarray, act_range: tuple[int, int]) -> np.ndarray:
    """mn_arith_int32 on int64 arrays of int32 values."""
    x, y = np.asarray(x, np.int64), np.asarray(y, np.int64)
    if kind == "ADD":
        r = wrap32(x + y)
    elif kind == "SUB":
        r = wrap32(x - y)
    elif kind == "MUL":
        r = wrap32(x * y)
    elif kind == "DIV":
        safe = np.where(y == 0, 1, y)
        q = np.abs(x) // np.abs(safe) * np.sign(x) * np.sign(safe)  # C division truncates toward zero
        r = wrap32(np.where(y == 0, 0, q))
    else:
        d = wrap32(x - y)
        return wrap32(d * d).astype(np.int32)  # no activation
    return np.clip(r, *act_range).astype(np.int32)


def fold(op: Op, g: Graph, act_range: tuple[int, int]) -> list[np.ndarray]:
    x, y = folded_operands(op, g)
    return [compute(op.kind, x, y, act_range)]
