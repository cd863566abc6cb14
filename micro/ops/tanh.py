"""TANH, int8 -> int8 and int16 -> int16 (TFLM tanh.cc, reference_integer_ops::Tanh).

int8: the same input multiplier, shift and radius as LOGISTIC (micro.ops.logistic.int8_input_params,
4 integer bits); per value: x = v - input_zp, x <= -radius -> -128, x >= radius -> 127, else gemmlowp tanh
of MultiplyByQuantizedMultiplier(x) in Q4.27, rounded to Q0.7 (RoundingDivideByPOT by 24), clamped.
TFLM quirk: the output's scale AND zero point are never read (the result is always on 1/128 around 0),
and unlike LOGISTIC nothing checks them. Runs as a table lookup.

int16: as LOGISTIC int16 (zero points 0, output scale 2^-15), except that a power-of-two input scale is
recognised for input shifts 0 and 1 (scales 2^-12 and 2^-11); table interpolation by 8 bits
(micro.kernels.tanh, modelled by `tanh_int16` below).
"""

from __future__ import annotations

import numpy as np

from micro.fixedpoint import clamp, mul_by_qmult, rdbpot, tanh
from micro.ir import Graph, Op
from micro.kernels.tanh import TANH_INT16
from micro.lowered import Alias, KernelCall
from micro.ops.logistic import (INPUT_INTEGER_BITS, int8_input_params, int8_prepare_problems, int16_input_params,
                                int16_problems, sigmoid_table_call)
from micro.ops.sigmoid_table import SIGMOID_TABLE_UINT16
from micro.ops.unary import Elementwise, dtype_problems, fold_elementwise, quant_problems, shape_problems, table_call

KINDS = ("TANH",)
TYPES = ("int8", "int16")
ARITY = {"TANH": (1, 1, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
PAIRS = (("int8", "int8"), ("int16", "int16"))
POT_MAX_SHIFT = 1


def tanh_int8(input_zp: int, input_scale: float) -> Elementwise:
    mult, shift, radius = int8_input_params(input_scale)

    def value(v: int) -> int:
        x = v - input_zp
        if x <= -radius:
            return -128
        if x >= radius:
            return 127
        q0 = tanh(mul_by_qmult(x, mult, shift), INPUT_INTEGER_BITS)
        return clamp(rdbpot(q0, 31 - 7), -128, 127)
    return value


def tanh_int16(mult: int, shift: int) -> Elementwise:
    rnd = (1 << (shift - 1)) if shift > 0 else 0

    def value(v: int) -> int:
        x = (v * mult + rnd) >> shift
        a = abs(x)
        index = a >> 8
        if index >= 255:
            r = 0xFFFF << 8
        else:
            lo, hi = int(SIGMOID_TABLE_UINT16[index]), int(SIGMOID_TABLE_UINT16[index + 1])
            r = (lo << 8) + (a & 0xFF) * (hi - lo)
        r = r - (1 << 23) + (1 << 7) if x >= 0 else -r + (1 << 23) + (1 << 7) - 1
        return r >> 8
    return value


def elementwise(op: Op, g: Graph) -> Elementwise:
    x = g.t(op.inputs[0])
    if x.dtype == "int8":
        return tanh_int8(x.quant.zp, x.quant.s)
    return tanh_int16(*int16_input_params(x.quant.s, POT_MAX_SHIFT))


def check(op: Op, g: Graph) -> list[str]:
    problems = dtype_problems(op, g, PAIRS) + shape_problems(op, g)
    if problems:
        return problems
    x = g.t(op.inputs[0])
    if x.dtype == "int8":
        # The output's quantization is never read (quirk above).
        return quant_problems(g, [x.index]) or int8_prepare_problems(x)
    return quant_problems(g, [x.index, op.outputs[0]]) or int16_problems(op, g, POT_MAX_SHIFT)


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    return fold_elementwise(op, g, elementwise(op, g))


def lower(op: Op, g: Graph) -> KernelCall | Alias:
    if g.t(op.inputs[0]).dtype == "int8":
        return table_call(op, g, elementwise(op, g))
    return sigmoid_table_call(op, g, TANH_INT16, POT_MAX_SHIFT)
