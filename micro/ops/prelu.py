"""PRELU: int8 input and alpha -> int8, int16 input with int8 alpha -> int16 (TFLM prelu.cc,
prelu_common.cc, reference_ops::BroadcastPrelu4DSlow), alpha broadcast against the input up to 6-D.

Prepare: multiplier 1 = QuantizeMultiplier(double(input_scale) / double(output_scale)), multiplier 2 =
QuantizeMultiplier(double(input_scale) * double(alpha_scale) / double(output_scale)). Eval: v = x -
input_zp; v >= 0 -> MultiplyByQuantizedMultiplier(v, 1), else MultiplyByQuantizedMultiplier(v * (a -
alpha_zp), 2); plus the output zero point, clamped to the type. The broadcast layout is ADD's
(micro.ops.broadcast.broadcast_layout). Kernels: micro.kernels.prelu.
"""

from __future__ import annotations

import numpy as np

from micro.dtypes import NUMPY_DTYPES
from micro.fixedpoint import clamp, mul_by_qmult
from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.kernels.prelu import PRELU_KERNELS
from micro.lowered import KernelCall
from micro.ops.broadcast import broadcast_layout
from micro.ops.unary import describe, quant_problems
from micro.quant import QRANGE, quantize_multiplier

KINDS = ("PRELU",)
TYPES = ("int8", "int16")
ARITY = {"PRELU": (2, 2, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
MAX_RANK = 6
MAX_LEFT_SHIFT = 30  # TFLM's `x * (1 << shift)` is undefined from 31 on


def multipliers(op: Op, g: Graph) -> tuple[tuple[int, int], tuple[int, int]]:
    x, a, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    return (quantize_multiplier(float(x.quant.s) / float(y.quant.s)),
            quantize_multiplier(float(x.quant.s) * float(a.quant.s) / float(y.quant.s)))


def check(op: Op, g: Graph) -> list[str]:
    x, a, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    if not (x.dtype == y.dtype and x.dtype in ("int8", "int16") and a.dtype == "int8"):
        return [f"input {describe(x)} is {x.dtype}, alpha {describe(a)} is {a.dtype}, output {describe(y)} is "
                f"{y.dtype}: TFLM's PRELU supports int8 (int8 alpha) -> int8 and int16 (int8 alpha) -> int16"]
    problems = quant_problems(g, [x.index, a.index, y.index])
    if problems:
        return problems
    if max(len(x.shape), len(a.shape), len(y.shape)) > MAX_RANK:
        return [f"PRELU supports up to {MAX_RANK} dimensions, got {list(x.shape)}, {list(a.shape)} -> "
                f"{list(y.shape)}"]
    for dx, da, dy in zip(*((1,) * (MAX_RANK - len(s)) + tuple(s) for s in (x.shape, a.shape, y.shape))):
        if dx not in (1, dy) or da not in (1, dy) or dy != max(dx, da):
            return [f"input {list(x.shape)} and alpha {list(a.shape)} do not broadcast to {list(y.shape)}"]
    for name, (_, shift) in zip(("input", "input * alpha"), multipliers(op, g)):
        if shift > MAX_LEFT_SHIFT:
            problems.append(f"the {name} multiplier needs a left shift of {shift} (TFLM's arithmetic overflows "
                            f"above {MAX_LEFT_SHIFT})")
    return problems


def prelu_value(op: Op, g: Graph):
    """One output value from one input and one alpha value, as TFLM computes it."""
    x, a, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    (m1, s1), (m2, s2) = multipliers(op, g)
    lo, hi = QRANGE[y.dtype]

    def value(xv: int, av: int) -> int:
        v = xv - x.quant.zp
        out = (mul_by_qmult(v, m1, s1) if v >= 0
               else mul_by_qmult(v * (av - a.quant.zp), m2, s2))
        return clamp(out + y.quant.zp, lo, hi)
    return value


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    x, a, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    xs, alphas = np.broadcast_arrays(np.asarray(x.data).reshape(x.shape), np.asarray(a.data).reshape(a.shape))
    value = prelu_value(op, g)
    out = [value(int(u), int(w)) for u, w in zip(xs.ravel(), alphas.ravel())]
    return [np.array(out, dtype=NUMPY_DTYPES[y.dtype]).reshape(y.shape)]


def lower(op: Op, g: Graph) -> KernelCall:
    x, a, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    (m1, s1), (m2, s2) = multipliers(op, g)
    layout = broadcast_layout(x.shape, a.shape, y.shape)
    params = dict(input_offset=-x.quant.zp, alpha_offset=-a.quant.zp, output_offset=y.quant.zp,
                  output_mult_1=m1, output_shift_1=s1, output_mult_2=m2, output_shift_2=s2, size=layout["flat_size"],
                  broadcast=layout["broadcast"], dims=layout["dims"], input_strides=layout["in1_strides"],
                  alpha_strides=layout["in2_strides"])
    overlap = tuple(i for i, t in enumerate((x, a)) if t.size == y.size and not t.is_const and t.dtype == y.dtype)
    return KernelCall(PRELU_KERNELS[x.dtype], params, inputs=[op.inputs[0], op.inputs[1]], outputs=[op.outputs[0]],
                      macs=y.size, overlap_ok=overlap)
