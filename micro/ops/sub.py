"""SUB (TFLM sub.cc, sub_common.cc): int8 and int16 quantized, int32 unquantized; numpy broadcasting up to
6-D (micro.ops.broadcast).

The quantized Prepare (CalculateOpDataSub) is ADD's (micro.ops.add): left_shift 20 (int8) / 15 (int16),
inputs rescaled to twice the larger input scale, the difference rescaled to the output. TFLM's source
writes those divisions in float; the pinned oracle's results are those of double arithmetic, as
ADD's (tests/test_ops_arith.py checks every int8 pair), so micro computes them as ADD does.
TFLM quirks kept: int16 always takes the general rescaling (TFLM ignores pot_scale_int16); int32 SUB
applies the fused activation as an int32 clamp (CalculateActivationRange<int32_t>) and requires
unquantized operands.
"""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.kernels.sub import SUB_INT8, SUB_INT16
from micro.lowered import KernelCall
import micro.ops.arith_int32 as arith_int32
from micro.ops.add import (TABLE_MIN_SIZE, input_tables, output_of, quantized_add_sub_problems, rescale_params,
                           scaled_inputs)
from micro.ops.broadcast import binary_problems, folded_operands, inplace_positions, int32_activation_range

KINDS = ("SUB",)
TYPES = ("int8", "int16", "int32")
ARITY = {"SUB": (2, 2, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
KERNELS = {"int8": SUB_INT8, "int16": SUB_INT16}


def check(op: Op, g: Graph) -> list[str]:
    problems = binary_problems(op, g, TYPES)
    if problems:
        return problems
    if g.t(op.outputs[0]).dtype == "int32":
        return arith_int32.unquantized_problems(op, g)
    return quantized_add_sub_problems(op, g)


def lower(op: Op, g: Graph) -> KernelCall:
    y = g.t(op.outputs[0])
    if y.dtype == "int32":
        return arith_int32.lower(op, g, int32_activation_range(op))
    params = rescale_params(op, g)
    if y.dtype == "int8" and y.size >= TABLE_MIN_SIZE:
        params["input1_table"], params["input2_table"] = input_tables(params)
    return KernelCall(KERNELS[y.dtype], params, inputs=[op.inputs[0], op.inputs[1]], outputs=[op.outputs[0]],
                      macs=y.size, overlap_ok=inplace_positions(op, g))


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    y = g.t(op.outputs[0])
    if y.dtype == "int32":
        return arith_int32.fold(op, g, int32_activation_range(op))
    p = rescale_params(op, g)
    a, b = scaled_inputs(p, *folded_operands(op, g))
    return [output_of(p, a - b, y.dtype)]
