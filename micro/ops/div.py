"""DIV (TFLM div.cc): int8 quantized and int32 unquantized; numpy broadcasting up to 6-D
(micro.ops.broadcast).

Prepare: real = s1 / (s2 * s_out) through QuantizeMultiplier. TFLM's source casts a float quotient to
double; the pinned oracle's results are those of double arithmetic (with float, scales 0.05 / 0.02 / 0.1
give 843 of the 65536 int8 pairs off by one), so micro computes it in double. Eval per element: see
micro.kernels.div. TFLM quirks kept, as its x86-64 build computes them: a zero denominator (y equal to
its zero point) gives the finite value of a reciprocal of 0, and RoundingDivideByPOT exponents above 31
(zero or tiny numerators) round as that build does. TFLM has no int16 DIV (its Eval rejects it); int32
DIV requires unquantized operands.
"""

from __future__ import annotations

import numpy as np

from micro.fixedpoint import clamp_cast, clrsb32, get_reciprocal, i64, rdbpot, srdhm, wrap32
from micro.ir import Graph, Op
from micro.kernels.div import DIV_INT8
from micro.lowered import KernelCall
import micro.ops.arith_int32 as arith_int32
from micro.ops.broadcast import (binary_problems, folded_operands, inplace_positions, int32_activation_range,
                                 operands, quantized_problems, rescaled_params)
from micro.quant import quantize_multiplier

KINDS = ("DIV",)
TYPES = ("int8", "int32")
ARITY = {"DIV": (2, 2, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
# Every element's total shift output_shift - recip_shift - headroom must be <= 0: recip_shift >= -1 and
# headroom >= 23 for |x - zp| <= 255.
MAX_OUTPUT_SHIFT = 22


def _multiplier(op: Op, g: Graph) -> tuple[int, int]:
    x1, x2, y = operands(op, g)
    return quantize_multiplier(float(x1.quant.s) / (float(x2.quant.s) * float(y.quant.s)))


def check(op: Op, g: Graph) -> list[str]:
    problems = binary_problems(op, g, TYPES)
    if problems:
        return problems
    if g.t(op.outputs[0]).dtype == "int32":
        return arith_int32.unquantized_problems(op, g)
    problems = quantized_problems(op, g)
    if not problems and _multiplier(op, g)[1] > MAX_OUTPUT_SHIFT:
        x1, x2, y = operands(op, g)
        problems.append(f"the rescale s1 / (s2 * s_out) = {x1.quant.s} / ({x2.quant.s} * {y.quant.s}) is "
                        f"above 2^{MAX_OUTPUT_SHIFT}: TFLM's DIV would shift by a negative amount")
    return problems


def _params(op: Op, g: Graph) -> dict:
    return rescaled_params(op, g, *_multiplier(op, g))


def lower(op: Op, g: Graph) -> KernelCall:
    y = g.t(op.outputs[0])
    if y.dtype == "int32":
        return arith_int32.lower(op, g, int32_activation_range(op))
    return KernelCall(DIV_INT8, _params(op, g), inputs=[op.inputs[0], op.inputs[1]], outputs=[op.outputs[0]],
                      macs=y.size, overlap_ok=inplace_positions(op, g))


def compute(p: dict, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """mn_div_int8 on int64 arrays."""
    a, b = i64(x) + p["input1_offset"], i64(y) + p["input2_offset"]
    a, b = np.where(b < 0, -a, a), np.abs(b)
    inv, recip_shift = get_reciprocal(b, 31)
    headroom = clrsb32(a)
    quotient = srdhm(wrap32(a << headroom), inv)
    total_shift = p["output_shift"] - recip_shift - headroom
    out = rdbpot(srdhm(quotient, p["output_mult"]), -total_shift) + p["output_offset"]
    return clamp_cast(out, p["act_min"], p["act_max"], "int8")


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    if g.t(op.outputs[0]).dtype == "int32":
        return arith_int32.fold(op, g, int32_activation_range(op))
    return [compute(_params(op, g), *folded_operands(op, g))]
