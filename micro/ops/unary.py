"""What the elementwise one-input op modules share (RELU, RELU6, LEAKY_RELU, HARD_SWISH, LOGISTIC, TANH,
QUANTIZE, CAST).

Each such module models TFLM's integer computation of ONE output value from ONE input value, with
Prepare's constants bound, as a Python function `int -> int` (built on micro.fixedpoint). From that one
function come
- `table_call`: for an 8-bit input and an 8-bit output, the function evaluated at all 256 input values
  at compile time and looked up by one shared kernel (micro.kernels.lut), or no code at all (Alias) when
  the table is the identity;
- `fold_elementwise`: the op's outputs for a constant input (micro.passes.fold_constants);
- the tests' model of the 16-bit kernels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from micro.dtypes import NUMPY_DTYPES, QRANGE
from micro.fixedpoint import clamp, mul_by_qmult, wrap
from micro.ir import Graph, Op, Tensor
from micro.kernels.lut import LUT_KERNELS
from micro.kernels.requantize import REQUANTIZE_KERNELS
from micro.lowered import Alias, KernelCall

Elementwise = Callable[[int], int]
IDENTITY_MULTIPLIER = (1 << 30, 1)  # MultiplyByQuantizedMultiplier(x, 2^30, 1) == x for |x| < 2^30


def describe(t: Tensor) -> str:
    return f"tensor {t.index} '{t.name}'"


def dtype_problems(op: Op, g: Graph, pairs) -> list[str]:
    """[] if (input dtype, output dtype) is one of `pairs`, else the reason naming both tensors."""
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    if (x.dtype, y.dtype) in pairs:
        return []
    allowed = ", ".join(f"{a} -> {b}" for a, b in pairs)
    return [f"input {describe(x)} is {x.dtype} and output {describe(y)} is {y.dtype}: TFLM's {op.kind} "
            f"supports {allowed}"]


def quant_problems(g: Graph, tensors, zero_point_ranges=True) -> list[str]:
    """Problems unless each tensor has per-tensor quantization with a positive scale (and, with
    zero_point_ranges, a zero point inside its dtype)."""
    problems = []
    for t in (g.t(i) for i in tensors):
        if t.quant is None:
            problems.append(f"{describe(t)} ({t.dtype}) is not quantized")
        elif t.quant.per_channel:
            problems.append(f"{describe(t)} is per-channel quantized; per-tensor is required")
        elif not t.quant.s > 0 or not np.isfinite(t.quant.s):
            problems.append(f"{describe(t)} has scale {t.quant.s}; a positive finite scale is required")
        elif zero_point_ranges and t.dtype in QRANGE and not QRANGE[t.dtype][0] <= t.quant.zp <= QRANGE[t.dtype][1]:
            problems.append(f"{describe(t)} zero point {t.quant.zp} is outside {t.dtype}")
    return problems


def shape_problems(op: Op, g: Graph) -> list[str]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    if x.size != y.size:
        return [f"input {describe(x)} has {x.size} elements but output {describe(y)} has {y.size}"]
    return []


def value_table(fn: Elementwise, in_dtype: str, out_dtype: str) -> np.ndarray:
    """fn at every value of the 8-bit in_dtype, in ascending input order, as out_dtype."""
    lo, hi = QRANGE[in_dtype]
    return np.array([fn(v) for v in range(lo, hi + 1)], dtype=NUMPY_DTYPES[out_dtype])


def can_view(op: Op, g: Graph) -> bool:
    """An op whose output equals its input may become a view (Alias) unless its input is a constant
    (a constant reaching here feeds a graph output, which needs storage of its own)."""
    return not g.t(op.inputs[0]).is_const


def table_call(op: Op, g: Graph, fn: Elementwise) -> KernelCall | Alias:
    """The op as one table lookup per element (8-bit input and output), or a view when every value
    maps to itself."""
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    table = value_table(fn, x.dtype, y.dtype)
    lo, hi = QRANGE[x.dtype]
    if x.dtype == y.dtype and np.array_equal(table, np.arange(lo, hi + 1)) and can_view(op, g):
        return Alias(src=op.inputs[0], dst=op.outputs[0])
    return KernelCall(LUT_KERNELS[(x.dtype, y.dtype)], dict(size=x.size, table=table), inputs=[op.inputs[0]],
                      outputs=[op.outputs[0]], macs=x.size, overlap_ok=(0,))


def is_table_op(op: Op, g: Graph) -> bool:
    """True when input and output are 8-bit types with a lookup kernel."""
    return (g.t(op.inputs[0]).dtype, g.t(op.outputs[0]).dtype) in LUT_KERNELS


def fold_elementwise(op: Op, g: Graph, fn: Elementwise) -> list[np.ndarray]:
    """The op applied to its constant input, element by element."""
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    values = [fn(int(v)) for v in np.asarray(x.data).ravel()]
    return [np.array(values, dtype=NUMPY_DTYPES[y.dtype]).reshape(y.shape)]


@dataclass(frozen=True)
class Requantize:
    """TFLM's affine requantization of one value, as the requantize kernels compute it
    (micro.kernels.requantize): x = v - input_zero_point; y = MultiplyByQuantizedMultiplier(x, pos) for
    x >= 0, else (-1 if neg_negate) * MultiplyByQuantizedMultiplier(x, neg); clamp(y + output_zero_point).
    Callable as an Elementwise; `kernel_call` lowers it for 16/32-bit tensors."""

    input_zero_point: int
    output_zero_point: int
    pos: tuple[int, int]
    neg: tuple[int, int]
    act_min: int
    act_max: int
    neg_negate: bool = False

    def __call__(self, v: int) -> int:
        x = wrap(v - self.input_zero_point)
        if x >= 0:
            y = mul_by_qmult(x, *self.pos)
        else:
            y = mul_by_qmult(x, *self.neg)
            y = wrap(-y) if self.neg_negate else y
        return clamp(wrap(y + self.output_zero_point), self.act_min, self.act_max)

    def kernel_call(self, op: Op, g: Graph) -> KernelCall:
        x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
        params = dict(size=x.size, input_zero_point=self.input_zero_point, output_zero_point=self.output_zero_point,
                      pos_mult=self.pos[0], pos_shift=self.pos[1], neg_mult=self.neg[0], neg_shift=self.neg[1],
                      neg_negate=int(self.neg_negate), act_min=self.act_min, act_max=self.act_max)
        narrowing = NUMPY_DTYPES[y.dtype].itemsize <= NUMPY_DTYPES[x.dtype].itemsize
        return KernelCall(REQUANTIZE_KERNELS[(x.dtype, y.dtype)], params, inputs=[op.inputs[0]],
                          outputs=[op.outputs[0]], macs=x.size, overlap_ok=(0,) if narrowing else ())

    def lower(self, op: Op, g: Graph) -> KernelCall | Alias:
        """A table for 8-bit tensors, a view when every (at most 16-bit) value maps to itself, else the
        requantize kernel."""
        if is_table_op(op, g):
            return table_call(op, g, self)
        x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
        if (x.dtype == y.dtype == "int16" and can_view(op, g) and self.pos == self.neg == IDENTITY_MULTIPLIER
                and not self.neg_negate and self.input_zero_point == self.output_zero_point
                and (self.act_min, self.act_max) == QRANGE[y.dtype]):
            return Alias(src=op.inputs[0], dst=op.outputs[0])
        return self.kernel_call(op, g)
