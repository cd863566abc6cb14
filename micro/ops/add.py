"""ADD: int8 (+) int8 -> int8 with numpy-style broadcasting up to 6-D (TFLM add.cc, add_common.cc).

Prepare (CalculateOpDataAdd, int8): left_shift = 20;
twice_max_input_scale = 2 * double(max(float s1, float s2));
input_i multiplier = double(s_i) / twice_max; output multiplier =
twice_max / (2^20 * double(s_out)); each through QuantizeMultiplierSmallerThanOneExp.
Broadcasting is resolved here into collapsed output dims plus per-input strides. Kernel: micro.kernels.add.
"""

from __future__ import annotations

from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.kernels.add import ADD_INT8
from micro.lowered import KernelCall
from micro.ops.common import activation_problems, fused_activation, per_tensor_problems, require_dtypes
from micro.quant import activation_range, quantize_multiplier_smaller_than_one_exp

KINDS = ("ADD",)
ARITY = {"ADD": (2, 2, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
MAX_RANK = 6  # TFLM BroadcastAdd6DSlow (NdArrayDesc<6>)
LEFT_SHIFT = 20  # int8 (add_common.cc: 15 for int16)


TABLE_MIN_SIZE = 1024  # from this output size on, the 2 KB of input tables pay off


def _srdhm(a: int, b: int) -> int:
    """gemmlowp SaturatingRoundingDoublingHighMul on Python ints."""
    if a == b == -(2**31):
        return 2**31 - 1
    ab = a * b
    num = ab + ((1 << 30) if ab >= 0 else 1 - (1 << 30))
    q = abs(num) >> 31  # C++ division truncates toward zero
    return q if num >= 0 else -q


def _rdbpot(x: int, exponent: int) -> int:
    """gemmlowp RoundingDivideByPOT on Python ints (x in int32)."""
    mask = (1 << exponent) - 1
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if (x & mask) > threshold else 0)


def input_table(offset: int, mult: int, shift: int) -> np.ndarray:
    """table[v + 128] = MultiplyByQuantizedMultiplierSmallerThanOneExp((v + offset) << 20,
    mult, shift) for v in [-128, 127]: the kernel's per-input rescale as a lookup."""
    return int_array([_rdbpot(_srdhm((v + offset) * (1 << LEFT_SHIFT), mult), -shift)
                      for v in range(-128, 128)])


def _real_multipliers(s1: float, s2: float, s_out: float) -> tuple[float, float, float]:
    twice_max = 2.0 * float(max(s1, s2))
    return (float(s1) / twice_max, float(s2) / twice_max,
            twice_max / (float(1 << LEFT_SHIFT) * float(s_out)))


def _ext(shape, rank=MAX_RANK) -> tuple[int, ...]:
    return (1,) * (rank - len(shape)) + tuple(int(d) for d in shape)


def broadcast_layout(s1, s2, s_out, rank=MAX_RANK):
    """(dims, strides1, strides2, elementwise) for the C kernel, each padded to `rank`.

    Size-1 output dims are dropped and neighbouring dims merged when both inputs
    stay contiguous (or both stay broadcast) across them.
    """
    e1, e2, eo = _ext(s1, rank), _ext(s2, rank), _ext(s_out, rank)

    def strides(e):
        st, acc = [0] * rank, 1
        for i in reversed(range(rank)):
            st[i] = 0 if e[i] == 1 else acc
            acc *= e[i]
        return st

    st1, st2 = strides(e1), strides(e2)
    merged: list[list[int]] = []  # [extent, stride1, stride2], outermost first
    for i in range(rank):
        if eo[i] == 1:
            continue
        if merged and merged[-1][1] == st1[i] * eo[i] and merged[-1][2] == st2[i] * eo[i]:
            merged[-1] = [merged[-1][0] * eo[i], st1[i], st2[i]]
        else:
            merged.append([eo[i], st1[i], st2[i]])
    if not merged:
        merged = [[1, 1, 1]]
    elementwise = len(merged) == 1 and merged[0][1:] == [1, 1]
    pad = [[1, 0, 0]] * (rank - len(merged))
    full = pad + merged
    return ([m[0] for m in full], [m[1] for m in full], [m[2] for m in full], elementwise)


def _broadcast_problems(s1, s2, s_out) -> list[str]:
    if max(len(s1), len(s2), len(s_out)) > MAX_RANK:
        return [f"ADD supports up to {MAX_RANK} dimensions (TFLM), got "
                f"{list(s1)} + {list(s2)} -> {list(s_out)}"]
    e1, e2, eo = _ext(s1), _ext(s2), _ext(s_out)
    for a, b, o in zip(e1, e2, eo):
        if a not in (1, o) or b not in (1, o) or o != max(a, b):
            return [f"shapes {list(s1)} and {list(s2)} do not broadcast to {list(s_out)}"]
    return []


def check(op: Op, g: Graph) -> list[str]:
    problems = require_dtypes(op, g)
    if problems:
        return problems
    x1, x2, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    problems = per_tensor_problems(g, (x1.index, x2.index, y.index))
    if problems:
        return problems
    problems += activation_problems(op)
    for t in (x1, x2):
        if not -128 <= t.quant.zp <= 127:
            problems.append(f"tensor {t.index} '{t.name}' zero point {t.quant.zp} is outside int8")
    reals = _real_multipliers(x1.quant.s, x2.quant.s, y.quant.s)
    for name, r in zip(("input1", "input2", "output"), reals):
        if not 0.0 < r < 1.0:
            problems.append(f"{name} rescale {r!r} is outside (0, 1): scales {x1.quant.s}, "
                            f"{x2.quant.s} -> {y.quant.s} (TFLM rejects it)")
    problems += _broadcast_problems(x1.shape, x2.shape, y.shape)
    return problems


def lower(op: Op, g: Graph) -> KernelCall:
    x1, x2, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    r1, r2, ro = _real_multipliers(x1.quant.s, x2.quant.s, y.quant.s)
    m1, sh1 = quantize_multiplier_smaller_than_one_exp(r1)
    m2, sh2 = quantize_multiplier_smaller_than_one_exp(r2)
    mo, sho = quantize_multiplier_smaller_than_one_exp(ro)
    act_min, act_max = activation_range(fused_activation(op), y.dtype, y.quant.s, y.quant.zp)
    dims, st1, st2, elementwise = broadcast_layout(x1.shape, x2.shape, y.shape)
    params = dict(
        input1_offset=-x1.quant.zp, input1_mult=m1, input1_shift=sh1,
        input2_offset=-x2.quant.zp, input2_mult=m2, input2_shift=sh2,
        output_offset=y.quant.zp, output_mult=mo, output_shift=sho,
        left_shift=LEFT_SHIFT, act_min=act_min, act_max=act_max,
        flat_size=y.size, broadcast=int(not elementwise),
        dims=int_array(dims), in1_strides=int_array(st1), in2_strides=int_array(st2),
        input1_table=None, input2_table=None)
    if y.size >= TABLE_MIN_SIZE:
        params["input1_table"] = input_table(-x1.quant.zp, m1, sh1)
        params["input2_table"] = input_table(-x2.quant.zp, m2, sh2)
    # An input holding as many elements as the output is read in output order, each
    # element before the output element at the same place is written: in place is safe.
    overlap = tuple(i for i, t in enumerate((x1, x2)) if t.size == y.size and not t.is_const)
    return KernelCall(ADD_INT8, params, inputs=[op.inputs[0], op.inputs[1]], outputs=[op.outputs[0]],
                      macs=y.size, overlap_ok=overlap)
