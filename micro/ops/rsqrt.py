"""RSQRT (TFLM elementwise.cc): int8 only (TFLM's Prepare rejects int16 and other integer types), as a
256-entry table (micro.kernels.rsqrt) holding TFLM's integer result for every input.

TFLM's RsqrtEvalQuantized, per input x with value = x - input_zero_point:
  value == 0 -> 127;
  (m, s) = GetInvSqrtQuantizedMultiplierExp(value, kReverseShift)   (Newton-Raphson in gemmlowp Q3.28)
  data = MultiplyByQuantizedMultiplier(1, m, s + 20)
  out = clamp(MultiplyByQuantizedMultiplier(data, mult, shift - 20) + output_zero_point, -128, 127)
with (mult, shift) = QuantizeMultiplier(1 / (sqrt(float s_in) * s_out)) from Prepare. TFLM quirk: a
value below 0 (x below the input zero point) makes TFLM's Invoke fail ("Rsqrt is only defined for
positive values"); micro cannot fail at run time, so its table holds what TFLM's arithmetic gives
without that check (GetInvSqrtQuantizedMultiplierExp treats value <= 1 alike).
"""

from __future__ import annotations

import math

import numpy as np

from micro.fixedpoint import INT32_MAX, clz32, mul_by_qmult, rdbpot, sat_shl, srdhm, wrap32
from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.kernels.rsqrt import RSQRT_INT8
from micro.lowered import KernelCall
from micro.ops.common import per_tensor_problems
from micro.quant import quantize_multiplier

KINDS = ("RSQRT",)
TYPES = ("int8",)
ARITY = {"RSQRT": (1, 1, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
SHIFT = 20  # TFLM's kShift: keeps the intermediate 1/sqrt(value) an integer


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    if x.dtype != "int8" or y.dtype != "int8":
        return [f"input {x.dtype} (tensor {x.index} '{x.name}') -> output {y.dtype} (tensor {y.index} "
                f"'{y.name}') is not supported: TFLM's RSQRT takes int8 -> int8 (or float32)"]
    problems = per_tensor_problems(g, (x.index, y.index))
    if problems:
        return problems
    return [f"tensor {t.index} '{t.name}' scale {t.quant.s} is not positive" for t in (x, y) if not t.quant.s > 0]


def inv_sqrt_multiplier(value) -> tuple[np.ndarray, np.ndarray]:
    """TFLite GetInvSqrtQuantizedMultiplierExp(value, kReverseShift) elementwise: 1/sqrt(value) as
    (multiplier, left shift), by 5 Newton-Raphson steps in gemmlowp FixedPoint<int32, 3>; value <= 1
    gives (INT32_MAX, 0)."""
    value = np.asarray(value, np.int64)
    small = value <= 1
    v = np.where(small, 2, value)
    shift = np.full(v.shape, 11, np.int64)
    for _ in range(2):  # while (input >= 2^29) { input /= 4; ++shift; }
        big = v >= 1 << 29
        v, shift = np.where(big, v // 4, v), shift + big
    pairs = (clz32(v) - 1) // 2 - 1
    shift, v = shift - pairs, v << (2 * pairs)
    half_input = rdbpot(v >> 1, 1)  # SaturatingRoundingMultiplyByPOT<-1> of the Q3.28 input
    half_three = (1 << 28) + (1 << 27)  # 1.5 in Q3.28
    x = np.full(v.shape, 1 << 28, np.int64)  # 1.0
    for _ in range(5):
        x3 = sat_shl(srdhm(srdhm(x, x), x), 6)  # Rescale<3>(x * x * x): Q9 -> Q3
        x = sat_shl(wrap32(srdhm(half_three, x) - srdhm(half_input, x3)), 3)  # Q6 -> Q3
    inv = srdhm(x, 1518500250)  # times sqrt(2) / 2 in Q0.31
    neg = shift < 0
    inv, shift = np.where(neg, wrap32(inv << np.where(neg, -shift, 0)), inv), np.where(neg, 0, shift)
    return np.where(small, INT32_MAX, inv), np.where(small, 0, -shift)


def table(in_zp: int, out_zp: int, mult: int, shift: int) -> np.ndarray:
    """TFLM's RSQRT output for every int8 input v, at [v + 128]."""
    value = np.arange(-128, 128, dtype=np.int64) - in_zp
    m, s = inv_sqrt_multiplier(value)
    data = mul_by_qmult(1, m, s + SHIFT)
    out = np.clip(mul_by_qmult(data, mult, shift - SHIFT) + out_zp, -128, 127)
    return int_array(np.where(value == 0, 127, out), np.int8)


def _table(op: Op, g: Graph) -> np.ndarray:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    real = 1.0 / float(np.float32(math.sqrt(np.float32(x.quant.s))) * np.float32(y.quant.s))
    return table(x.quant.zp, y.quant.zp, *quantize_multiplier(real))


def lower(op: Op, g: Graph) -> KernelCall:
    y = g.t(op.outputs[0])
    return KernelCall(RSQRT_INT8, dict(size=y.size, table=_table(op, g)), inputs=[op.inputs[0]],
                      outputs=[op.outputs[0]], macs=y.size, overlap_ok=() if g.t(op.inputs[0]).is_const else (0,))


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    x = g.t(op.inputs[0])
    return [_table(op, g)[x.data.astype(np.int64) + 128]]
