"""HARD_SWISH, int8 -> int8 (TFLM hard_swish.cc, hard_swish_common.cc, reference_ops::HardSwish).

Prepare (float32 where TFLM writes float): hires_input_scale = input_scale / 128; output multiplier =
QuantizeMultiplier(double(hires_input_scale / output_scale)) and reluish multiplier =
QuantizeMultiplier(double(hires_input_scale / (3 / 32768))), both rounded to Q0.15
(DownScaleInt32ToInt16Multiplier); TFLM requires the output exponent <= 0.
Eval works in int16 gemmlowp arithmetic: x = (v - input_zp) * 128; preshift = SRDHM16(x, output mult);
reluish = x rescaled to [-1, 1] with saturating shifts, then to [0, 1]; product by SaturatingDoublingHighMul
(truncating, not rounding -- TFLM's bias fix); RoundingDivideByPOT by -output exponent; + output zp in int16.
Quirk: int16 RoundingDivideByPOT with an exponent >= 16 degenerates (its mask wraps to -1): once the
output scale is 2^10 x the input's or more, TFLM outputs output_zp + 1 wherever the pre-shift product
is >= 0 and output_zp - 1 where it is negative, never output_zp itself (tests/test_ops_activation.py
pins it); micro.fixedpoint.rdbpot reproduces it.

Runs as a table lookup (micro.ops.unary).
"""

from __future__ import annotations

import numpy as np

from micro.fixedpoint import INT16_MAX, INT16_MIN, clamp, rdbpot, srdhm_16, wrap
from micro.ir import Graph, Op
from micro.lowered import Alias, KernelCall
from micro.ops.unary import Elementwise, dtype_problems, fold_elementwise, quant_problems, shape_problems, table_call
from micro.quant import down_scale_multiplier_to_int16, f32, quantize_multiplier

KINDS = ("HARD_SWISH",)
TYPES = ("int8",)
ARITY = {"HARD_SWISH": (1, 1, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
PAIRS = (("int8", "int8"),)
MAX_EXPONENT = 31  # shifts beyond the int width are undefined in TFLM's C++


def multipliers(input_scale: float, output_scale: float) -> tuple[int, int, int, int]:
    """(output mult Q0.15, output exponent, reluish mult Q0.15, reluish exponent) as TFLM's Prepare."""
    hires = f32(f32(1.0 / 128.0) * f32(input_scale))
    out_mult, out_exp = quantize_multiplier(float(f32(hires / f32(output_scale))))
    rel_mult, rel_exp = quantize_multiplier(float(f32(hires / f32(f32(3.0) / f32(32768.0)))))
    return down_scale_multiplier_to_int16(out_mult), out_exp, down_scale_multiplier_to_int16(rel_mult), rel_exp


def _saturating_left_shift_16(v: int, amount: int) -> int:
    return clamp(v * (1 << amount), INT16_MIN, INT16_MAX)


def _saturating_doubling_high_mul_16(a: int, b: int) -> int:
    """SQDMULH-like: a * b / 2^15 truncated toward zero (no rounding), INT16_MIN^2 saturates."""
    if a == b == INT16_MIN:
        return INT16_MAX
    ab = a * b
    return wrap(abs(ab) // (1 << 15) * (1 if ab >= 0 else -1), 16)


def hard_swish(input_zp: int, output_zp: int, out_mult: int, out_exp: int, rel_mult: int,
               rel_exp: int) -> Elementwise:
    def value(v: int) -> int:
        hires = wrap(wrap(v - input_zp, 16) * 128, 16)
        preshift = srdhm_16(hires, out_mult)
        reluish = hires
        if rel_exp > 0:
            reluish = _saturating_left_shift_16(reluish, rel_exp - 1)
        reluish = srdhm_16(reluish, rel_mult)
        if rel_exp > 0:
            reluish = _saturating_left_shift_16(reluish, 1)
        if rel_exp < 0:
            reluish = rdbpot(reluish, -rel_exp, 16)
        reluish = wrap((reluish + (1 << 15)) >> 1, 16)
        out = rdbpot(_saturating_doubling_high_mul_16(reluish, preshift), -out_exp, 16)
        return clamp(wrap(out + output_zp, 16), -128, 127)
    return value


def elementwise(op: Op, g: Graph) -> Elementwise:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    return hard_swish(x.quant.zp, y.quant.zp, *multipliers(x.quant.s, y.quant.s))


def check(op: Op, g: Graph) -> list[str]:
    problems = dtype_problems(op, g, PAIRS) + shape_problems(op, g)
    if problems:
        return problems
    problems = quant_problems(g, [op.inputs[0], op.outputs[0]])
    if problems:
        return problems
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    _, out_exp, _, rel_exp = multipliers(x.quant.s, y.quant.s)
    if out_exp > 0:
        problems.append(f"output scale {y.quant.s} is below input scale / 128 ({x.quant.s} / 128): TFLM requires "
                        "the output multiplier exponent <= 0")
    if -out_exp > MAX_EXPONENT or abs(rel_exp) > MAX_EXPONENT:
        problems.append(f"scales {x.quant.s} -> {y.quant.s} need shifts beyond {MAX_EXPONENT} bits (undefined in "
                        "TFLM)")
    return problems


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    return fold_elementwise(op, g, elementwise(op, g))


def lower(op: Op, g: Graph) -> KernelCall | Alias:
    return table_call(op, g, elementwise(op, g))
