"""SOFTMAX: int8 in, int8 or int16 out (TFLM softmax_common.cc CalculateSoftmaxParams).

Prepare facts reproduced here:
- int8 output must have zero point -128 and scale exactly 1/256 (float32 compare);
  int16 output zero point -32768 and scale within 0.001/65536 of 1/65536;
- PreprocessSoftmaxScaling(beta, input_scale, 5): real = min(beta * input_scale * 2^26,
  2^31 - 1) in double, then QuantizeMultiplierGreaterThanOne (requires real > 1);
- diff_min = -CalculateInputRadius(5, left_shift, 31) = -floor(31 * 2^26 / 2^left_shift).
int16 input (SoftmaxInt16 with float-generated exp/reciprocal LUTs) is not supported.
Kernels: micro.kernels.softmax.
"""

from __future__ import annotations

import math

import numpy as np

from micro.ir import Graph, Op
from micro.kernels.softmax import SOFTMAX_INT8, SOFTMAX_INT8_INT16
from micro.lowered import KernelCall
from micro.ops.common import opt
from micro.quant import quantize_multiplier

KINDS = ("SOFTMAX",)
TYPES = ("int8",)  # int8 input; int8 or int16 output

SCALED_DIFF_INTEGER_BITS = 5


def softmax_input_params(beta: float, input_scale: float) -> tuple[int, int, int]:
    """(input_multiplier, input_left_shift, diff_min) as TFLM computes them for int8 input."""
    real = min(float(beta) * float(input_scale) * float(1 << (31 - SCALED_DIFF_INTEGER_BITS)),
               float((1 << 31) - 1))
    if not real > 1.0:
        raise ValueError(f"beta * input_scale * 2^26 = {real} must exceed 1 (TFLM check)")
    mult, shift = quantize_multiplier(real)
    assert shift >= 0
    radius = math.floor(1.0 * ((1 << SCALED_DIFF_INTEGER_BITS) - 1)
                        * float(1 << (31 - SCALED_DIFF_INTEGER_BITS)) / float(1 << shift))
    return mult, shift, -int(radius)


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    problems = []
    if x.dtype != "int8":
        problems.append(f"input tensor {x.index} '{x.name}' is {x.dtype}, supported: int8")
    if y.dtype not in ("int8", "int16"):
        problems.append(f"output tensor {y.index} '{y.name}' is {y.dtype}, supported: int8, int16")
    if problems:
        return problems
    if x.quant is None or y.quant is None:
        return ["input and output must be quantized"]
    if len(x.shape) < 1 or x.shape != y.shape:
        problems.append(f"shapes {list(x.shape)} -> {list(y.shape)}: need rank >= 1 and equal shapes")
    if y.dtype == "int8":
        if y.quant.zp != -128 or np.float32(y.quant.s) != np.float32(1.0) / np.float32(256.0):
            problems.append("int8 output must have scale 1/256 and zero point -128 (TFLM check)")
    else:
        target = np.float32(1.0) / np.float32(65536.0)
        if y.quant.zp != -32768 or abs(np.float32(y.quant.s) - target) > np.float32(0.001) * target:
            problems.append("int16 output must have scale 1/65536 and zero point -32768 (TFLM check)")
    try:
        softmax_input_params(float(opt(op, "beta", 1.0)), x.quant.s)
    except ValueError as e:
        problems.append(str(e))
    return problems


def lower(op: Op, g: Graph) -> KernelCall:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    mult, shift, diff_min = softmax_input_params(float(opt(op, "beta", 1.0)), x.quant.s)
    depth = int(x.shape[-1])
    outer = x.size // depth if depth else 0
    params = dict(outer=outer, depth=depth, input_multiplier=mult, input_left_shift=shift,
                  diff_min=diff_min)
    int8_out = y.dtype == "int8"
    return KernelCall(SOFTMAX_INT8 if int8_out else SOFTMAX_INT8_INT16, params, inputs=[op.inputs[0]], outputs=[op.outputs[0]],
                      macs=x.size * 2, overlap_ok=(0,) if int8_out else ())
