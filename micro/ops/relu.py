"""RELU and RELU6, int8 -> int8 and int16 -> int16 (TFLM activations.cc, activations_common.cc).

RELU (CalculateReluOpData): multiplier = QuantizeMultiplier(double(float(input_scale / output_scale)))
(the division in float32); output = clamp(output_zp + MultiplyByQuantizedMultiplier(x - input_zp),
max(type min, output_zp + roundf(0 / output_scale)), type max). int16 needs both zero points 0.

RELU6 (Relu6Prepare) -- TFLM quirk: the clamp happens in the INPUT's quantized domain and the output's
scale and zero point are ignored: output = clamp(x, input_zp, FloatToQuantizedType(6.0f, input_scale,
input_zp)). The converter gives a standalone RELU6 its own output quantization, so TFLM's result differs
from TFLite's (up to 128 steps on the ops corpus, /work/shared/models/ops/INDEX.md); micro matches TFLM.

int8 runs as a table lookup (micro.ops.unary), int16 through the requantize kernel (RELU6 int16 as an
identity rescale with the clamp). RELU_N1_TO_1 exists in TFLM only as a fused activation, not as an op.
"""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.lowered import Alias, KernelCall
from micro.quant import QRANGE, f32, float_to_quantized, quantize_multiplier
from micro.ops.unary import (IDENTITY_MULTIPLIER, Requantize, describe, dtype_problems, fold_elementwise,
                             quant_problems, shape_problems)

KINDS = ("RELU", "RELU6")
TYPES = ("int8", "int16")
ARITY = {"RELU": (1, 1, 1), "RELU6": (1, 1, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
PAIRS = (("int8", "int8"), ("int16", "int16"))
MAX_LEFT_SHIFT = 30  # TFLM's `x * (1 << shift)` is undefined from 31 on


def requantization(op: Op, g: Graph) -> Requantize:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    lo, hi = QRANGE[x.dtype]
    if op.kind == "RELU6":
        six = float_to_quantized(6.0, x.quant.s, x.quant.zp, x.dtype)
        return Requantize(0, 0, IDENTITY_MULTIPLIER, IDENTITY_MULTIPLIER, x.quant.zp, six)
    mult = quantize_multiplier(float(f32(f32(x.quant.s) / f32(y.quant.s))))
    return Requantize(x.quant.zp, y.quant.zp, mult, mult, max(lo, y.quant.zp), hi)


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    problems = dtype_problems(op, g, PAIRS) + shape_problems(op, g)
    if problems:
        return problems
    # RELU6 reads only the input's quantization (the quirk above).
    problems = quant_problems(g, [x.index] if op.kind == "RELU6" else [x.index, y.index])
    if problems:
        return problems
    if op.kind == "RELU" and x.dtype == "int16" and (x.quant.zp, y.quant.zp) != (0, 0):
        problems.append(f"int16 RELU needs zero points 0 (TFLM check): input {describe(x)} has {x.quant.zp}, "
                        f"output {describe(y)} has {y.quant.zp}")
    try:
        rq = requantization(op, g)
    except ValueError as e:
        return problems + [f"RELU6 bound: {e}"]
    if rq.pos[1] > MAX_LEFT_SHIFT:
        problems.append(f"input scale {x.quant.s} / output scale {y.quant.s} needs a left shift of {rq.pos[1]} "
                        f"(TFLM's arithmetic overflows above {MAX_LEFT_SHIFT})")
    return problems


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    return fold_elementwise(op, g, requantization(op, g))


def lower(op: Op, g: Graph) -> KernelCall | Alias:
    return requantization(op, g).lower(op, g)
