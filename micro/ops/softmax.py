"""SOFTMAX over the last axis: int8 -> int8 or int16, and int16 -> int16 (TFLM softmax_common.cc
CalculateSoftmaxParams, reference_ops::Softmax and SoftmaxInt16).

int8 input, Prepare facts reproduced here:
- int8 output must have zero point -128 and scale exactly 1/256 (float32 compare);
  int16 output zero point -32768 and scale within 0.001/65536 of 1/65536;
- PreprocessSoftmaxScaling(beta, input_scale, 5): real = min(beta * input_scale * 2^26,
  2^31 - 1) in double, then QuantizeMultiplierGreaterThanOne (requires real > 1);
- diff_min = -CalculateInputRadius(5, left_shift, 31) = -floor(31 * 2^26 / 2^left_shift).
int16 input (output int16 only): both zero points 0, output scale within 0.001/32768 of 1/32768;
multiplier = QuantizeMultiplier(double(input_scale) * double(beta) / (10.0 / 65535.0)); the exp and
1/(1+x) tables TFLM builds in Prepare with float32 math (LUTPopulate<int16_t>) are rebuilt bit for bit by
micro.quant.lut_populate_int16 (they do not depend on the model).
Kernels: micro.kernels.softmax. `fold` evaluates the same integer algorithms in Python (micro.fixedpoint).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from micro.fixedpoint import (INT16_MAX, INT16_MIN, clamp, exp_on_negative_values, mul_by_qmult,
                              one_over_one_plus_x_for_x_in_0_1, rdbpot, srdhm, wrap)
from micro.ir import Graph, Op
from micro.kernels.softmax import SOFTMAX_INT8, SOFTMAX_INT8_INT16, SOFTMAX_INT16
from micro.lowered import KernelCall
from micro.ops.common import opt
from micro.quant import expf, f32, input_radius, lut_populate_int16, quantize_multiplier

KINDS = ("SOFTMAX",)
TYPES = ("int8", "int16")  # int8 input (int8 or int16 output), int16 input (int16 output)
ARITY = {"SOFTMAX": (1, 1, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks

SCALED_DIFF_INTEGER_BITS = 5
ACCUM_INTEGER_BITS = 12
INT16_RANGE = INT16_MAX - INT16_MIN  # 65535
MAX_INT16_DEPTH = (2**31 - 1) // INT16_MAX  # the int32 sum of exps (each <= 32767) must not wrap


def softmax_input_params(beta: float, input_scale: float) -> tuple[int, int, int]:
    """(input_multiplier, input_left_shift, diff_min) as TFLM computes them for int8 input."""
    real = min(float(beta) * float(input_scale) * float(1 << (31 - SCALED_DIFF_INTEGER_BITS)),
               float((1 << 31) - 1))
    if not real > 1.0:
        raise ValueError(f"beta * input_scale * 2^26 = {real} must exceed 1 (TFLM check)")
    mult, shift = quantize_multiplier(real)
    assert shift >= 0
    return mult, shift, -input_radius(SCALED_DIFF_INTEGER_BITS, shift)


def int16_input_params(beta: float, input_scale: float) -> tuple[int, int]:
    return quantize_multiplier(float(input_scale) * float(f32(beta)) / (10.0 / 65535.0))


@cache
def int16_luts() -> tuple[np.ndarray, np.ndarray]:
    """(exp LUT, 1/(1+x) LUT) exactly as TFLM's Prepare populates them."""
    exp_lut = lut_populate_int16(expf, float(f32(10.0) / f32(INT16_RANGE)), INT16_MAX,
                                 float(f32(2.0) / f32(INT16_RANGE)), 0)
    recip_lut = lut_populate_int16(lambda v: f32(f32(1.0) / f32(f32(1.0) + v)), float(f32(1.0) / f32(INT16_RANGE)),
                                   INT16_MIN, float(f32(2.0) / f32(INT16_RANGE)), 0)
    return exp_lut, recip_lut


def _near(scale: float, target: np.float32) -> bool:
    return not abs(np.float32(scale) - target) > np.float32(0.001) * target


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    if (x.dtype, y.dtype) not in (("int8", "int8"), ("int8", "int16"), ("int16", "int16")):
        return [f"input tensor {x.index} '{x.name}' is {x.dtype} and output tensor {y.index} '{y.name}' is "
                f"{y.dtype}: TFLM's SOFTMAX supports int8 -> int8, int8 -> int16, int16 -> int16"]
    if x.quant is None or y.quant is None:
        return ["input and output must be quantized"]
    problems = []
    if len(x.shape) < 1 or x.shape != y.shape:
        problems.append(f"shapes {list(x.shape)} -> {list(y.shape)}: need rank >= 1 and equal shapes")
    if x.dtype == "int16":
        if (x.quant.zp, y.quant.zp) != (0, 0) or not _near(y.quant.s, np.float32(1.0) / np.float32(32768.0)):
            problems.append("int16 SOFTMAX needs zero points 0 and output scale 1/32768 (TFLM check)")
        if x.shape and x.shape[-1] > MAX_INT16_DEPTH:
            problems.append(f"last dimension {x.shape[-1]} exceeds {MAX_INT16_DEPTH}: the int32 sum of exps "
                            "would overflow (undefined in TFLM)")
        if int16_input_params(float(opt(op, "beta", 1.0)), x.quant.s)[1] > 30:
            problems.append(f"input scale {x.quant.s} * beta is too large (TFLM's rescale overflows)")
        return problems
    if y.dtype == "int8":
        if y.quant.zp != -128 or np.float32(y.quant.s) != np.float32(1.0) / np.float32(256.0):
            problems.append("int8 output must have scale 1/256 and zero point -128 (TFLM check)")
    elif y.quant.zp != -32768 or not _near(y.quant.s, np.float32(1.0) / np.float32(65536.0)):
        problems.append("int16 output must have scale 1/65536 and zero point -32768 (TFLM check)")
    try:
        softmax_input_params(float(opt(op, "beta", 1.0)), x.quant.s)
    except ValueError as e:
        problems.append(str(e))
    return problems


def _get_reciprocal(x: int, integer_bits: int) -> tuple[int, int]:
    """TFLite GetReciprocal: (1/x in Q0.31 scaled by 2^-num_bits_over_unit, num_bits_over_unit)."""
    headroom_plus_one = 32 - int(x).bit_length()
    shifted_sum_minus_one = wrap((x << headroom_plus_one) - (1 << 31))
    return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one), integer_bits - headroom_plus_one


def softmax_row_int8(row: list[int], mult: int, shift: int, diff_min: int, out_bits: int) -> list[int]:
    """One row of TFLM's int8 Softmax (gemmlowp fixed point); out_bits 8 (int8) or 16 (int16 output)."""
    out_min = -(1 << (out_bits - 1))
    max_in_row = max(row)
    exps = [exp_on_negative_values(srdhm(wrap((v - max_in_row) << shift), mult), SCALED_DIFF_INTEGER_BITS)
            if v - max_in_row >= diff_min else None for v in row]
    total = 0
    for e in exps:
        if e is not None:
            total = wrap(total + rdbpot(e, ACCUM_INTEGER_BITS))
    scale, bits_over_unit = _get_reciprocal(total, ACCUM_INTEGER_BITS)
    exponent = bits_over_unit + 31 - out_bits
    out = []
    for e in exps:
        if e is None:
            out.append(out_min)
            continue
        unsat = 0 if exponent > 31 else rdbpot(srdhm(scale, e), exponent)
        out.append(clamp(unsat + out_min, out_min, -out_min - 1))
    return out


def _lut_lookup(value: int, lut: np.ndarray) -> int:
    index = 256 + (value >> 7)
    slope = wrap(int(lut[index + 1]) - int(lut[index]), 16)
    return wrap(int(lut[index]) + ((slope * (value & 0x7F) + 64) >> 7), 16)


def softmax_row_int16(row: list[int], mult: int, shift: int) -> list[int]:
    """One row of TFLM's SoftmaxInt16."""
    exp_lut, recip_lut = int16_luts()
    max_in_row = max(row)
    exps = [_lut_lookup(clamp(mul_by_qmult(v - max_in_row, mult, shift) + 32767, INT16_MIN, INT16_MAX),
                        exp_lut) for v in row]
    total = wrap(sum(exps))
    headroom_plus_one = 32 - int(total).bit_length()
    shifted_sum = ((total << (headroom_plus_one - 1)) + (1 << 13)) >> 14
    reciprocal = _lut_lookup(clamp(shifted_sum - ((1 << 15) + (1 << 16)), INT16_MIN, INT16_MAX), recip_lut)
    right_shift = 31 - headroom_plus_one
    return [clamp((e * reciprocal + (1 << (right_shift - 1))) >> right_shift, 0, INT16_MAX) for e in exps]


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    beta = float(opt(op, "beta", 1.0))
    rows = np.asarray(x.data).reshape(-1, x.shape[-1]).tolist()
    if x.dtype == "int16":
        mult, shift = int16_input_params(beta, x.quant.s)
        out = [softmax_row_int16(r, mult, shift) for r in rows]
    else:
        mult, shift, diff_min = softmax_input_params(beta, x.quant.s)
        out = [softmax_row_int8(r, mult, shift, diff_min, 8 if y.dtype == "int8" else 16) for r in rows]
    return [np.array(out, dtype=np.int8 if y.dtype == "int8" else np.int16).reshape(y.shape)]


def lower(op: Op, g: Graph) -> KernelCall:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    depth = int(x.shape[-1])
    outer = x.size // depth if depth else 0
    beta = float(opt(op, "beta", 1.0))
    if x.dtype == "int16":
        mult, shift = int16_input_params(beta, x.quant.s)
        exp_lut, recip_lut = int16_luts()
        params = dict(outer=outer, depth=depth, input_multiplier=mult, input_left_shift=shift, exp_lut=exp_lut,
                      one_over_one_plus_x_lut=recip_lut)
        return KernelCall(SOFTMAX_INT16, params, inputs=[op.inputs[0]], outputs=[op.outputs[0]], macs=x.size * 2,
                          overlap_ok=(0,))
    mult, shift, diff_min = softmax_input_params(beta, x.quant.s)
    params = dict(outer=outer, depth=depth, input_multiplier=mult, input_left_shift=shift,
                  diff_min=diff_min)
    int8_out = y.dtype == "int8"
    return KernelCall(SOFTMAX_INT8 if int8_out else SOFTMAX_INT8_INT16, params, inputs=[op.inputs[0]],
                      outputs=[op.outputs[0]], macs=x.size * 2, overlap_ok=(0,) if int8_out else ())
