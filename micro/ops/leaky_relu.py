"""LEAKY_RELU, int8 -> int8 and int16 -> int16 (TFLM leaky_relu.cc, leaky_relu_common.cc,
reference_ops::QuantizeLeakyRelu).

Prepare, in float32 as TFLM writes it: alpha multiplier = QuantizeMultiplier(double(float(input_scale *
alpha) / output_scale)), identity multiplier = QuantizeMultiplier(double(input_scale / output_scale)).
Eval: x = v - input_zp; x >= 0 scales by the identity multiplier, x < 0 by the alpha one; plus the
output zero point, clamped to the type. A negative alpha gives a negative multiplier: TFLM applies its
magnitude and negates the product (rounding ties then go the other way than a signed multiplier would),
reproduced by the requantize kernel's neg_negate. alpha = 0 gives a zero multiplier: every negative input
maps to the output zero point.

int8 runs as a table lookup, int16 through the requantize kernel (micro.ops.unary.Requantize).
"""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.lowered import Alias, KernelCall
from micro.ops.common import opt
from micro.ops.unary import Requantize, dtype_problems, fold_elementwise, quant_problems, shape_problems
from micro.quant import QRANGE, f32, quantize_multiplier

KINDS = ("LEAKY_RELU",)
TYPES = ("int8", "int16")
ARITY = {"LEAKY_RELU": (1, 1, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
PAIRS = (("int8", "int8"), ("int16", "int16"))
MAX_LEFT_SHIFT = 30  # TFLM's `x * (1 << shift)` is undefined from 31 on


def requantization(op: Op, g: Graph) -> Requantize:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    alpha = f32(opt(op, "alpha", 0.0))
    s_in, s_out = f32(x.quant.s), f32(y.quant.s)
    alpha_mult, alpha_shift = quantize_multiplier(float(f32(f32(s_in * alpha) / s_out)))
    identity = quantize_multiplier(float(f32(s_in / s_out)))
    return Requantize(x.quant.zp, y.quant.zp, identity, (abs(alpha_mult), alpha_shift), *QRANGE[y.dtype],
                      neg_negate=alpha_mult < 0)


def check(op: Op, g: Graph) -> list[str]:
    problems = dtype_problems(op, g, PAIRS) + shape_problems(op, g)
    if problems:
        return problems
    problems = quant_problems(g, [op.inputs[0], op.outputs[0]])
    if problems:
        return problems
    alpha = float(opt(op, "alpha", 0.0))
    if not np.isfinite(alpha):
        return [f"alpha {alpha} is not finite"]
    rq = requantization(op, g)
    for name, (_, shift) in (("identity", rq.pos), ("alpha", rq.neg)):
        if shift > MAX_LEFT_SHIFT:
            problems.append(f"the {name} multiplier needs a left shift of {shift} (TFLM's arithmetic overflows "
                            f"above {MAX_LEFT_SHIFT}): scales {g.t(op.inputs[0]).quant.s} -> "
                            f"{g.t(op.outputs[0]).quant.s}, alpha {alpha}")
    return problems


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    return fold_elementwise(op, g, requantization(op, g))


def lower(op: Op, g: Graph) -> KernelCall | Alias:
    return requantization(op, g).lower(op, g)
