"""QUANTIZE between integer types (TFLM quantize.cc, quantize_common.cc, reference_ops::Requantize).

TFLM's pairs (input -> output): int8 -> int8, uint8, int16, int32; uint8 -> int8; int16 -> int8, int16,
int32; int32 -> int8, int16. float32 input (AffineQuantize) is not compiled: micro compiles integer
models, whose float inputs are quantized by the application.
Prepare: multiplier = QuantizeMultiplier(double(input_scale) / double(output_scale)); the output must be
per-tensor quantized. Eval: clamp(MultiplyByQuantizedMultiplier(v - input_zp) + output_zp) to the output
type. (TFLM's int8 <-> uint8 fast path, `v ^ 0x80` when the scales match and the zero points differ by
128, gives the same values.)

8-bit to 8-bit runs as a table lookup, everything else through the requantize kernel
(micro.ops.unary.Requantize); an int8 -> int8 QUANTIZE that changes nothing is a view.
"""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.lowered import Alias, KernelCall
from micro.ops.unary import Requantize, describe, dtype_problems, fold_elementwise, quant_problems, shape_problems
from micro.quant import QRANGE, quantize_multiplier

KINDS = ("QUANTIZE",)
TYPES = ("int8", "uint8", "int16", "int32")
ARITY = {"QUANTIZE": (1, 1, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
PAIRS = (("int8", "int8"), ("int8", "uint8"), ("int8", "int16"), ("int8", "int32"), ("uint8", "int8"),
         ("int16", "int8"), ("int16", "int16"), ("int16", "int32"), ("int32", "int8"), ("int32", "int16"))
MAX_LEFT_SHIFT = 30  # TFLM's `x * (1 << shift)` is undefined from 31 on


def requantization(op: Op, g: Graph) -> Requantize:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    mult = quantize_multiplier(float(x.quant.s) / float(y.quant.s))
    return Requantize(x.quant.zp, y.quant.zp, mult, mult, *QRANGE[y.dtype])


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    if x.dtype == "float32":
        return [f"input {describe(x)} is float32: micro compiles integer models; quantize float inputs in "
                "the application and give the model an integer input (full-integer conversion)"]
    problems = dtype_problems(op, g, PAIRS) + shape_problems(op, g)
    if problems:
        return problems
    problems = quant_problems(g, [x.index, y.index])
    if problems:
        return problems
    shift = requantization(op, g).pos[1]
    if shift > MAX_LEFT_SHIFT:
        problems.append(f"input scale {x.quant.s} / output scale {y.quant.s} needs a left shift of {shift} "
                        f"(TFLM's arithmetic overflows above {MAX_LEFT_SHIFT})")
    return problems


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    return fold_elementwise(op, g, requantization(op, g))


def lower(op: Op, g: Graph) -> KernelCall | Alias:
    return requantization(op, g).lower(op, g)
