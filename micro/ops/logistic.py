"""LOGISTIC, int8 -> int8 and int16 -> int16 (TFLM logistic.cc, logistic_common.cc,
reference_integer_ops::Logistic).

int8 (CalculateArithmeticOpDataLogistic): input multiplier from frexp(double(input_scale) * 2^27) (4
integer bits), input_range_radius = CalculateInputRadius(4, shift, 31); per value: x = v - input_zp,
x <= -radius -> -128, x >= radius -> 127, else gemmlowp logistic of MultiplyByQuantizedMultiplier(x) in
Q4.27, rounded to Q0.8 (RoundingDivideByPOT by 23), minus 128. TFLM quirks: the output zero point must
be -128 but the output SCALE is never read (the result is always on 1/256); with a radius of 0 (huge
input scales) an input equal to the zero point gives -128, not 0.5. Runs as a table lookup.

int16: both zero points 0 and the output scale 2^-15 (CheckedLog2, float32); a power-of-two input scale
2^-12 uses multiplier 3 << 0 (TFLM substitutes it in Eval; done here at compile time), any other scale
multiplier int(input_scale * 4096 * 3 * 2^k) with k the smallest shift making it exceed 32767 / 2 (k <=
31); then table interpolation (micro.kernels.logistic, modelled by `logistic_int16` below).
"""

from __future__ import annotations

import math

import numpy as np

from micro.fixedpoint import clamp, logistic, mul_by_qmult, rdbpot
from micro.ir import Graph, Op
from micro.kernels.logistic import LOGISTIC_INT16
from micro.lowered import Alias, KernelCall
from micro.ops.sigmoid_table import SIGMOID_TABLE_UINT16
from micro.ops.unary import (Elementwise, describe, dtype_problems, fold_elementwise, quant_problems,
                             shape_problems, table_call)
from micro.quant import checked_log2, input_radius, tflite_round

KINDS = ("LOGISTIC",)
TYPES = ("int8", "int16")
ARITY = {"LOGISTIC": (1, 1, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
PAIRS = (("int8", "int8"), ("int16", "int16"))
INPUT_INTEGER_BITS = 4  # int8
MAX_LEFT_SHIFT = 62  # TFLM computes 1LL << shift for the radius


def int8_input_params(input_scale: float, integer_bits: int = INPUT_INTEGER_BITS) -> tuple[int, int, int]:
    """(multiplier, left shift, radius) as LOGISTIC's and TANH's int8 Prepare compute them (frexp, not
    QuantizeMultiplier: a multiplier rounding up to 2^31 is not renormalized)."""
    q, shift = math.frexp(float(input_scale) * float(1 << (31 - integer_bits)))
    mult = int(tflite_round(q * (1 << 31)))
    return mult, shift, input_radius(integer_bits, shift)


def int8_prepare_problems(x) -> list[str]:
    _, shift, _ = int8_input_params(x.quant.s)
    if not 0 <= shift <= MAX_LEFT_SHIFT:
        return [f"input {describe(x)} scale {x.quant.s} gives input shift {shift}, outside [0, {MAX_LEFT_SHIFT}] "
                "(TFLM's radius computation is undefined there)"]
    return []


def logistic_int8(input_zp: int, input_scale: float) -> Elementwise:
    mult, shift, radius = int8_input_params(input_scale)

    def value(v: int) -> int:
        x = v - input_zp
        if x <= -radius:
            return -128
        if x >= radius:
            return 127
        q0 = logistic(mul_by_qmult(x, mult, shift), INPUT_INTEGER_BITS)
        return clamp(rdbpot(q0, 31 - 8) - 128, -128, 127)
    return value


def int16_input_params(input_scale: float, pot_max_shift: int) -> tuple[int, int]:
    """(multiplier, right shift) of the int16 LOGISTIC (pot_max_shift 0) and TANH (1) Prepare, with the
    power-of-two case already turned into multiplier 3 << shift, shift 0."""
    is_pot, log2 = checked_log2(input_scale)
    shift = (15 - 3) + log2
    if is_pot and 0 <= shift <= pot_max_shift:
        return 3 << shift, 0
    multiplier, shift = float(input_scale) * 4096.0 * 3.0, 0
    while multiplier <= 32767.0 / 2.0 and shift <= 30:
        shift += 1
        multiplier *= 2.0
    return int(multiplier), shift


def int16_problems(op: Op, g: Graph, pot_max_shift: int) -> list[str]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    problems = []
    if (x.quant.zp, y.quant.zp) != (0, 0):
        problems.append(f"int16 {op.kind} needs zero points 0 (TFLM check): input {describe(x)} has {x.quant.zp}, "
                        f"output {describe(y)} has {y.quant.zp}")
    is_pot, log2 = checked_log2(y.quant.s)
    if not (is_pot and log2 == -15):
        problems.append(f"int16 {op.kind} output {describe(y)} needs scale 2^-15 (TFLM check), got {y.quant.s}")
    mult, _ = int16_input_params(x.quant.s, pot_max_shift)
    if mult > 32767:
        problems.append(f"input {describe(x)} scale {x.quant.s} is too large: its multiplier {mult} exceeds 32767")
    return problems


def logistic_int16(mult: int, shift: int) -> Elementwise:
    rnd = (1 << (shift - 1)) if shift > 0 else 0

    def value(v: int) -> int:
        x = (v * mult + rnd) >> shift
        a = abs(x)
        index = a >> 9
        if index >= 255:
            r = 0x7FFF << 10
        else:
            lo, hi = int(SIGMOID_TABLE_UINT16[index]), int(SIGMOID_TABLE_UINT16[index + 1])
            r = (lo << 9) + (a & 0x1FF) * (hi - lo)
        r = r + (1 << 9) if x >= 0 else (1 << 25) - r + (1 << 9) - 1
        return r >> 10
    return value


def elementwise(op: Op, g: Graph) -> Elementwise:
    x = g.t(op.inputs[0])
    if x.dtype == "int8":
        return logistic_int8(x.quant.zp, x.quant.s)
    return logistic_int16(*int16_input_params(x.quant.s, 0))


def check(op: Op, g: Graph) -> list[str]:
    problems = dtype_problems(op, g, PAIRS) + shape_problems(op, g)
    if problems:
        return problems
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    # int8: the output scale is never read (quirk above), only its zero point.
    problems = quant_problems(g, [x.index, y.index])
    if problems:
        return problems
    if x.dtype == "int16":
        return int16_problems(op, g, 0)
    if y.quant.zp != -128:
        problems.append(f"int8 LOGISTIC output {describe(y)} needs zero point -128 (TFLM check), got {y.quant.zp}")
    return problems + int8_prepare_problems(x)


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    return fold_elementwise(op, g, elementwise(op, g))


def sigmoid_table_call(op: Op, g: Graph, kernel, pot_max_shift: int) -> KernelCall:
    """The int16 LOGISTIC / TANH kernel call."""
    x = g.t(op.inputs[0])
    mult, shift = int16_input_params(x.quant.s, pot_max_shift)
    params = dict(size=x.size, input_multiplier=mult, input_left_shift=shift, table=SIGMOID_TABLE_UINT16)
    return KernelCall(kernel, params, inputs=[op.inputs[0]], outputs=[op.outputs[0]], macs=x.size, overlap_ok=(0,))


def lower(op: Op, g: Graph) -> KernelCall | Alias:
    if g.t(op.inputs[0]).dtype == "int8":
        return table_call(op, g, elementwise(op, g))
    return sigmoid_table_call(op, g, LOGISTIC_INT16, 0)
