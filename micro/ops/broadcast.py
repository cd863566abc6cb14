"""What every elementwise binary op (ADD, SUB, MUL, DIV, SQUARED_DIFFERENCE, MAXIMUM, MINIMUM) shares:
operand checks, the compile-time broadcast layout (micro.kernels.broadcast.BROADCAST, iterated by
micro/kernels_c/mn_broadcast.h), in-place positions, operands for constant folding, and the int32
activation clamp.

TFLM broadcasts with numpy rules through BroadcastBinaryOpSimple, whose shapes are RuntimeShapes of at
most 6 dims (kMaxSmallSize; only DCHECKed, so a 7-D tensor corrupts memory at run time): micro rejects
more than 6 dims at compile time. Every TFLM kernel here reads all operands as one element type (the
output's or input1's), so operands of mixed types are rejected too.
"""

from __future__ import annotations

import numpy as np

from micro.dtypes import QRANGE
from micro.ir import Graph, Op, Tensor
from micro.kernels.abi import int_array
from micro.ops.common import activation_problems, fused_activation, per_tensor_problems
from micro.quant import activation_range

MAX_RANK = 6


def operands(op: Op, g: Graph) -> tuple[Tensor, Tensor, Tensor]:
    return g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])


def extended(shape, rank: int = MAX_RANK) -> tuple[int, ...]:
    return (1,) * (rank - len(shape)) + tuple(int(d) for d in shape)


def shape_problems(op: Op, g: Graph) -> list[str]:
    x1, x2, y = operands(op, g)
    shapes = f"{list(x1.shape)} and {list(x2.shape)} -> {list(y.shape)}"
    rank = max(len(x1.shape), len(x2.shape), len(y.shape))
    if rank > MAX_RANK:
        return [f"{op.kind} broadcasts up to {MAX_RANK} dimensions in TFLM (RuntimeShape), got {rank}-D "
                f"shapes {shapes}; reshape the operands to {MAX_RANK} dimensions or fewer"]
    for a, b, o in zip(extended(x1.shape), extended(x2.shape), extended(y.shape)):
        if a not in (1, o) or b not in (1, o) or o != max(a, b):
            return [f"shapes {shapes} do not broadcast (numpy rules)"]
    return []


def dtype_problems(op: Op, g: Graph, dtypes: tuple[str, ...]) -> list[str]:
    """Every operand must be of one type, one of `dtypes` (TFLM reads them all as that type)."""
    x1, x2, y = operands(op, g)
    types = [x1.dtype, x2.dtype, y.dtype]
    if len(set(types)) == 1 and types[0] in dtypes:
        return []
    return [f"operand types {x1.dtype} (tensor {x1.index} '{x1.name}'), {x2.dtype} (tensor {x2.index} "
            f"'{x2.name}') -> {y.dtype} (tensor {y.index} '{y.name}') are not supported: TFLM's {op.kind} takes "
            f"{', '.join(dtypes)}, every operand of the same type"]


def quantized_problems(op: Op, g: Graph) -> list[str]:
    """Per-tensor quantization with zero points in the element type's range."""
    problems = per_tensor_problems(g, [*op.inputs[:2], *op.outputs[:1]])
    if problems:
        return problems
    for t in operands(op, g):
        lo, hi = QRANGE[t.dtype]
        if not lo <= t.quant.zp <= hi:
            problems.append(f"tensor {t.index} '{t.name}' zero point {t.quant.zp} is outside {t.dtype}")
        if not t.quant.s > 0:
            problems.append(f"tensor {t.index} '{t.name}' scale {t.quant.s} is not positive")
    return problems


def zero_point_problems(op: Op, g: Graph, tensors, why: str) -> list[str]:
    return [f"tensor {t.index} '{t.name}' has zero point {t.quant.zp}; {why}" for t in tensors if t.quant.zp != 0]


def binary_problems(op: Op, g: Graph, dtypes: tuple[str, ...], activation: bool = True) -> list[str]:
    """The checks every binary op starts with: operand types, fused activation, broadcast shapes."""
    problems = dtype_problems(op, g, dtypes)
    if activation:
        problems += activation_problems(op)
    return problems + shape_problems(op, g)


def broadcast_layout(s1, s2, s_out) -> dict:
    """The BROADCAST struct's fields for inputs of shapes s1, s2 broadcast to s_out.

    Size-1 output dims are dropped and neighbouring dims merged when both inputs stay contiguous (or
    both stay broadcast) across them; the result is padded in front to MAX_RANK dims."""
    e1, e2, eo = extended(s1), extended(s2), extended(s_out)

    def strides(e):
        st, acc = [0] * MAX_RANK, 1
        for i in reversed(range(MAX_RANK)):
            st[i] = 0 if e[i] == 1 else acc
            acc *= e[i]
        return st

    st1, st2 = strides(e1), strides(e2)
    merged: list[list[int]] = []  # [extent, stride1, stride2], outermost first
    for i in range(MAX_RANK):
        if eo[i] == 1:
            continue
        if merged and merged[-1][1] == st1[i] * eo[i] and merged[-1][2] == st2[i] * eo[i]:
            merged[-1] = [merged[-1][0] * eo[i], st1[i], st2[i]]
        else:
            merged.append([eo[i], st1[i], st2[i]])
    if not merged:
        merged = [[1, 1, 1]]
    if 0 in eo:  # an empty output (TFLM returns at once): one row of no elements
        merged = [[0, 1, 1]]
    elementwise = len(merged) == 1 and merged[0][1:] == [1, 1]
    full = [[1, 0, 0]] * (MAX_RANK - len(merged)) + merged
    flat_size = 1
    for d in eo:
        flat_size *= d
    return dict(flat_size=flat_size, broadcast=int(not elementwise), dims=int_array([m[0] for m in full]),
                in1_strides=int_array([m[1] for m in full]), in2_strides=int_array([m[2] for m in full]))


def inplace_positions(op: Op, g: Graph) -> tuple[int, ...]:
    """Inputs whose storage the output may share: as many elements as the output, of its type, not constant
    (mn_broadcast.h writes each output element after reading the inputs at its position)."""
    x1, x2, y = operands(op, g)
    return tuple(i for i, t in enumerate((x1, x2))
                 if t.size == y.size and t.dtype == y.dtype and not t.is_const)


def folded_operands(op: Op, g: Graph) -> tuple[np.ndarray, np.ndarray]:
    """The constant inputs as int64 arrays broadcast to the output shape."""
    x1, x2, y = operands(op, g)
    return (np.broadcast_to(x1.data.astype(np.int64).reshape(x1.shape), y.shape),
            np.broadcast_to(x2.data.astype(np.int64).reshape(x2.shape), y.shape))


def integer_activation_range(act: str, dtype: str) -> tuple[int, int]:
    """TFLite CalculateActivationRange<int32_t>: the clamp of unquantized integer ops."""
    lo, hi = QRANGE[dtype]
    return {"RELU": (0, hi), "RELU6": (0, 6), "RELU_N1_TO_1": (-1, 1)}.get(act, (lo, hi))


def int32_activation_range(op: Op) -> tuple[int, int]:
    """The fused activation's clamp of an unquantized int32 element-wise op."""
    return integer_activation_range(fused_activation(op), "int32")


def rescaled_params(op: Op, g: Graph, mult: int, shift: int) -> dict:
    """The params of an element-wise kernel with one output rescale (MUL, DIV): the operands' and the output's
    offsets, the output multiplier and shift, the fused activation's clamp and the broadcast layout."""
    x1, x2, y = operands(op, g)
    act_min, act_max = activation_range(fused_activation(op), y.dtype, y.quant.s, y.quant.zp)
    return dict(input1_offset=-x1.quant.zp, input2_offset=-x2.quant.zp, output_offset=y.quant.zp,
                output_mult=mult, output_shift=shift, act_min=act_min, act_max=act_max,
                layout=broadcast_layout(x1.shape, x2.shape, y.shape))
