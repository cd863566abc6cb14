"""ADD (TFLM add.cc, add_common.cc): int8 and int16 quantized, int32 unquantized; numpy broadcasting up to
6-D (micro.ops.broadcast). SUB reuses the quantized Prepare (micro.ops.sub).

Prepare (CalculateOpDataAdd), int8 / int16: left_shift = 20 / 15;
twice_max_input_scale = 2 * double(max(float s1, float s2)); input_i multiplier = double(s_i) / twice_max;
output multiplier = twice_max / (2^left_shift * double(s_out)); each through
QuantizeMultiplierSmallerThanOneExp, which aborts unless the multiplier is in (0, 1).
TFLM quirks kept: int16 always takes the general rescaling (the kernel is called with pot_scale =
false whatever the model's pot_scale_int16 option says); int32 ADD ignores the fused activation (its
clamp is the whole int32 range) and requires unquantized operands.
"""

from __future__ import annotations

import numpy as np

from micro.fixedpoint import clamp_cast, mul_by_qmult_lt1, wrap32
from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.kernels.add import ADD_INT8, ADD_INT16
from micro.lowered import KernelCall
import micro.ops.arith_int32 as arith_int32
from micro.ops.broadcast import (binary_problems, broadcast_layout, folded_operands, inplace_positions,
                                 operands, quantized_problems)
from micro.ops.common import fused_activation
from micro.dtypes import QRANGE
from micro.quant import activation_range, quantize_multiplier_smaller_than_one_exp

KINDS = ("ADD",)
TYPES = ("int8", "int16", "int32")
LEFT_SHIFT = {"int8": 20, "int16": 15}
KERNELS = {"int8": ADD_INT8, "int16": ADD_INT16}
INT32_RANGE = QRANGE["int32"]  # int32 ADD clamps to the whole range: TFLM ignores its fused activation

TABLE_MIN_SIZE = 1024  # from this output size on, the 2 KB of int8 input tables pay off
ARITY = {"ADD": (2, 2, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks


def real_multipliers(s1: float, s2: float, s_out: float, left_shift: int) -> tuple[float, float, float]:
    twice_max = 2.0 * float(max(s1, s2))
    return (float(s1) / twice_max, float(s2) / twice_max,
            twice_max / (float(1 << left_shift) * float(s_out)))


def rescale_problems(op: Op, g: Graph, reals) -> list[str]:
    x1, x2, y = operands(op, g)
    return [f"{name} rescale {r!r} is outside (0, 1): scales {x1.quant.s}, {x2.quant.s} -> {y.quant.s} "
            f"(TFLM's QuantizeMultiplierSmallerThanOneExp aborts on it)"
            for name, r in zip(("input1", "input2", "output"), reals) if not 0.0 < r < 1.0]


def add_sub_reals(op: Op, g: Graph) -> tuple[float, float, float]:
    x1, x2, y = operands(op, g)
    return real_multipliers(x1.quant.s, x2.quant.s, y.quant.s, LEFT_SHIFT[y.dtype])


def quantized_add_sub_problems(op: Op, g: Graph) -> list[str]:
    """The checks of ADD's and SUB's quantized path (the same Prepare)."""
    problems = quantized_problems(op, g)
    return problems or rescale_problems(op, g, add_sub_reals(op, g))


def check(op: Op, g: Graph) -> list[str]:
    problems = binary_problems(op, g, TYPES)
    if problems:
        return problems
    if g.t(op.outputs[0]).dtype == "int32":
        return arith_int32.unquantized_problems(op, g)
    return quantized_add_sub_problems(op, g)


def rescale_params(op: Op, g: Graph) -> dict:
    """ADD's / SUB's kernel parameters (TFLM's OpDataAdd / OpDataSub) without the tables."""
    x1, x2, y = operands(op, g)
    (m1, sh1), (m2, sh2), (mo, sho) = (quantize_multiplier_smaller_than_one_exp(r) for r in add_sub_reals(op, g))
    act_min, act_max = activation_range(fused_activation(op), y.dtype, y.quant.s, y.quant.zp)
    return dict(input1_offset=-x1.quant.zp, input1_mult=m1, input1_shift=sh1,
                input2_offset=-x2.quant.zp, input2_mult=m2, input2_shift=sh2,
                output_offset=y.quant.zp, output_mult=mo, output_shift=sho,
                left_shift=LEFT_SHIFT[y.dtype], act_min=act_min, act_max=act_max,
                layout=broadcast_layout(x1.shape, x2.shape, y.shape), input1_table=None, input2_table=None)


def scaled_inputs(p: dict, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each input rescaled to the common scale (what the tables hold)."""
    a = mul_by_qmult_lt1(wrap32((np.asarray(x, np.int64) + p["input1_offset"]) << p["left_shift"]),
                         p["input1_mult"], p["input1_shift"])
    b = mul_by_qmult_lt1(wrap32((np.asarray(y, np.int64) + p["input2_offset"]) << p["left_shift"]),
                         p["input2_mult"], p["input2_shift"])
    return a, b


def output_of(p: dict, raw: np.ndarray, dtype: str) -> np.ndarray:
    out = mul_by_qmult_lt1(raw, p["output_mult"], p["output_shift"]) + p["output_offset"]
    return clamp_cast(out, p["act_min"], p["act_max"], dtype)


def input_tables(p: dict) -> tuple[np.ndarray, np.ndarray]:
    """table[v + 128] = the rescaled input for every int8 v: the kernel's per-input rescale as a lookup."""
    v = np.arange(-128, 128)
    a, b = scaled_inputs(p, v, v)
    return int_array(a), int_array(b)


def lower(op: Op, g: Graph) -> KernelCall:
    y = g.t(op.outputs[0])
    if y.dtype == "int32":
        return arith_int32.lower(op, g, INT32_RANGE)
    params = rescale_params(op, g)
    if y.dtype == "int8" and y.size >= TABLE_MIN_SIZE:
        params["input1_table"], params["input2_table"] = input_tables(params)
    return KernelCall(KERNELS[y.dtype], params, inputs=[op.inputs[0], op.inputs[1]], outputs=[op.outputs[0]],
                      macs=y.size, overlap_ok=inplace_positions(op, g))


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    y = g.t(op.outputs[0])
    if y.dtype == "int32":
        return arith_int32.fold(op, g, INT32_RANGE)
    p = rescale_params(op, g)
    a, b = scaled_inputs(p, *folded_operands(op, g))
    return [output_of(p, a + b, y.dtype)]
