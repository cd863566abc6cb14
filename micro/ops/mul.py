"""MUL (TFLM mul.cc, mul_common.cc): int8 and int16 quantized, int32; numpy broadcasting up to 6-D
(micro.ops.broadcast).

Prepare (CalculateOpDataMul): real = double(s1) * double(s2) / double(s_out) through QuantizeMultiplier
(any positive real); int16 requires every zero point to be 0. Eval: MultiplyByQuantizedMultiplier of the
product of the offset inputs (double rounding; its `x * (1 << left_shift)` wraps for large multipliers,
as in TFLM's build). TFLM quirks kept: int32 MUL wraps on overflow (WrappingMul), clamps to the int32
fused-activation range and ignores any quantization of its tensors.
"""

from __future__ import annotations

import numpy as np

from micro.fixedpoint import clamp_cast, mul_by_qmult
from micro.ir import Graph, Op
from micro.kernels.mul import MUL_INT8, MUL_INT16
from micro.lowered import KernelCall
import micro.ops.arith_int32 as arith_int32
from micro.ops.broadcast import (binary_problems, folded_operands, inplace_positions, int32_activation_range,
                                 operands, quantized_problems, rescaled_params, zero_point_problems)
from micro.quant import quantize_multiplier

KINDS = ("MUL",)
TYPES = ("int8", "int16", "int32")
ARITY = {"MUL": (2, 2, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
KERNELS = {"int8": MUL_INT8, "int16": MUL_INT16}
MAX_SHIFT = 30  # TFLM computes x * (1 << shift): a shift of 31 or more is undefined in C++


def _multiplier(op: Op, g: Graph) -> tuple[int, int]:
    x1, x2, y = operands(op, g)
    return quantize_multiplier(float(x1.quant.s) * float(x2.quant.s) / float(y.quant.s))


def check(op: Op, g: Graph) -> list[str]:
    problems = binary_problems(op, g, TYPES)
    dtype = g.t(op.outputs[0]).dtype
    if problems or dtype == "int32":
        return problems
    problems = quantized_problems(op, g)
    if problems:
        return problems
    if dtype == "int16":
        problems += zero_point_problems(op, g, operands(op, g), "TFLM's int16 MUL requires zero points of 0")
    _, shift = _multiplier(op, g)
    if shift > MAX_SHIFT:
        x1, x2, y = operands(op, g)
        problems.append(f"the rescale s1 * s2 / s_out = {x1.quant.s} * {x2.quant.s} / {y.quant.s} needs a left "
                        f"shift of {shift} > {MAX_SHIFT}, which TFLM's MultiplyByQuantizedMultiplier cannot do")
    return problems


def _params(op: Op, g: Graph) -> dict:
    return rescaled_params(op, g, *_multiplier(op, g))


def lower(op: Op, g: Graph) -> KernelCall:
    y = g.t(op.outputs[0])
    if y.dtype == "int32":
        return arith_int32.lower(op, g, int32_activation_range(op))
    return KernelCall(KERNELS[y.dtype], _params(op, g), inputs=[op.inputs[0], op.inputs[1]],
                      outputs=[op.outputs[0]], macs=y.size, overlap_ok=inplace_positions(op, g))


def compute(p: dict, x: np.ndarray, y: np.ndarray, dtype: str) -> np.ndarray:
    """mn_mul_<dtype> on int64 arrays."""
    prod = (np.asarray(x, np.int64) + p["input1_offset"]) * (np.asarray(y, np.int64) + p["input2_offset"])
    out = mul_by_qmult(prod, p["output_mult"], p["output_shift"]) + p["output_offset"]
    return clamp_cast(out, p["act_min"], p["act_max"], dtype)


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    y = g.t(op.outputs[0])
    if y.dtype == "int32":
        return arith_int32.fold(op, g, int32_activation_range(op))
    return [compute(_params(op, g), *folded_operands(op, g), y.dtype)]
