"""SQUARED_DIFFERENCE (TFLM squared_difference.cc): int8 and int16 quantized, int32; numpy broadcasting up
to 6-D (micro.ops.broadcast). No fused activation: outputs clamp to the type's range.

Prepare (PrepareQuantized): left_shift 7 (int8) / 0 (int16); twice_max = 2 * double(max(s1, s2));
input_i multiplier = double(s_i) / twice_max (QuantizeMultiplierSmallerThanOneExp); output multiplier =
twice_max^2 / double((1 << 2 * left_shift) * float s_out) (QuantizeMultiplier). int16 requires zero
points of 0. TFLM quirks kept: Prepare overwrites the output's type with input2's (micro requires all
three to match instead); int32 squares the wrapped difference with wrapping.
"""

from __future__ import annotations

import numpy as np

from micro.dtypes import QRANGE
from micro.fixedpoint import clamp_cast, mul_by_qmult, wrap32
from micro.ir import Graph, Op
from micro.kernels.squared_difference import SQUARED_DIFFERENCE_INT8, SQUARED_DIFFERENCE_INT16
from micro.lowered import KernelCall
import micro.ops.arith_int32 as arith_int32
from micro.ops.add import scaled_inputs
from micro.ops.broadcast import (binary_problems, broadcast_layout, folded_operands, inplace_positions, operands,
                                 quantized_problems, zero_point_problems)
from micro.quant import quantize_multiplier, quantize_multiplier_smaller_than_one_exp

KINDS = ("SQUARED_DIFFERENCE",)
TYPES = ("int8", "int16", "int32")
ARITY = {"SQUARED_DIFFERENCE": (2, 2, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
KERNELS = {"int8": SQUARED_DIFFERENCE_INT8, "int16": SQUARED_DIFFERENCE_INT16}
LEFT_SHIFT = {"int8": 7, "int16": 0}
MAX_SHIFT = 30  # MultiplyByQuantizedMultiplier computes x * (1 << shift)


def _reals(op: Op, g: Graph) -> tuple[float, float, float]:
    x1, x2, y = operands(op, g)
    twice_max = 2.0 * float(max(x1.quant.s, x2.quant.s))
    out_denominator = float(np.float32(1 << (2 * LEFT_SHIFT[y.dtype])) * np.float32(y.quant.s))
    return float(x1.quant.s) / twice_max, float(x2.quant.s) / twice_max, twice_max * twice_max / out_denominator


def check(op: Op, g: Graph) -> list[str]:
    problems = binary_problems(op, g, TYPES, activation=False)
    dtype = g.t(op.outputs[0]).dtype
    if problems or dtype == "int32":
        return problems
    problems = quantized_problems(op, g)
    if problems:
        return problems
    if dtype == "int16":
        problems += zero_point_problems(op, g, operands(op, g),
                                        "TFLM's int16 SQUARED_DIFFERENCE requires zero points of 0")
    shift = quantize_multiplier(_reals(op, g)[2])[1]
    if shift > MAX_SHIFT:
        problems.append(f"the output rescale needs a left shift of {shift} > {MAX_SHIFT} (output scale "
                        f"{g.t(op.outputs[0]).quant.s} too small for TFLM's MultiplyByQuantizedMultiplier)")
    return problems


def _params(op: Op, g: Graph) -> dict:
    x1, x2, y = operands(op, g)
    r1, r2, ro = _reals(op, g)
    (m1, sh1), (m2, sh2) = quantize_multiplier_smaller_than_one_exp(r1), quantize_multiplier_smaller_than_one_exp(r2)
    mo, sho = quantize_multiplier(ro)
    lo, hi = QRANGE[y.dtype]
    return dict(input1_offset=-x1.quant.zp, input1_mult=m1, input1_shift=sh1,
                input2_offset=-x2.quant.zp, input2_mult=m2, input2_shift=sh2,
                output_offset=y.quant.zp, output_mult=mo, output_shift=sho, left_shift=LEFT_SHIFT[y.dtype],
                act_min=lo, act_max=hi, layout=broadcast_layout(x1.shape, x2.shape, y.shape))


def lower(op: Op, g: Graph) -> KernelCall:
    y = g.t(op.outputs[0])
    if y.dtype == "int32":
        return arith_int32.lower(op, g, QRANGE["int32"])
    return KernelCall(KERNELS[y.dtype], _params(op, g), inputs=[op.inputs[0], op.inputs[1]],
                      outputs=[op.outputs[0]], macs=y.size, overlap_ok=inplace_positions(op, g))


def compute(p: dict, x: np.ndarray, y: np.ndarray, dtype: str) -> np.ndarray:
    """mn_squared_difference_<dtype> on int64 arrays."""
    a, b = scaled_inputs(p, x, y)
    out = mul_by_qmult(wrap32((a - b) * (a - b)), p["output_mult"], p["output_shift"]) + p["output_offset"]
    return clamp_cast(out, p["act_min"], p["act_max"], dtype)


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    y = g.t(op.outputs[0])
    if y.dtype == "int32":
        return arith_int32.fold(op, g, QRANGE["int32"])
    return [compute(_params(op, g), *folded_operands(op, g), y.dtype)]
