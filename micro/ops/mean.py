"""MEAN: int8 in and out, constant axes (TFLM reduce_common.cc EvalMeanHelper, int8).

Prepare/Eval facts reproduced here:
- multiplier/shift = QuantizeMultiplier(double(input_scale) / double(output_scale));
- EvalIntegerMean always runs QuantizedMeanOrSum: with n = reduced element count,
  s = floor(log2 n) clamped to min(s, 32, 31 + shift), mult' = (mult << s) / n (int64),
  shift' = shift - s, out = clamp(MultiplyByQuantizedMultiplier(sum - in_zp * n, mult',
  shift') + out_zp, -128, 127). Some TFLM revisions instead divided the raw sum by n
  with truncation when input and output quantization were equal (Mean<int8_t, int32_t>);
  the pinned oracle (tflite-micro 0.dev20261023182759) does not: measured, it rounds
  through QuantizedMeanOrSum in that case too (e.g. mobilenet_v2's MEAN);
- axes: negative ones wrap, duplicates are dropped (ResolveAxis). TFLM's source sizes its
  resolved-axis array for 2 axes (kMaxNumberOfReducedAxis); the oracle still computes 3-
  and 4-axis means correctly (measured), and so does this kernel (any axis set).
Kernel: micro.kernels.mean.
"""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.kernels.mean import MEAN_INT8
from micro.lowered import KernelCall
from micro.ops.common import require_dtypes
from micro.quant import quantize_multiplier

KINDS = ("MEAN",)
TYPES = ("int8",)
ARITY = {"MEAN": (2, 2, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks

MAX_INPUT_DIMS = 5       # TFLM kMaxNumberOfAxis (temp_index)


def _resolved_axes(op: Op, g: Graph) -> list[int]:
    x, axis = g.t(op.inputs[0]), g.t(op.inputs[1])
    out: list[int] = []
    for a in np.asarray(axis.data).ravel().tolist():
        a = int(a) + len(x.shape) if int(a) < 0 else int(a)
        if not 0 <= a < len(x.shape):
            raise ValueError(f"axis {a} out of range for rank {len(x.shape)}")
        if a not in out:
            out.append(a)
    return out


def check(op: Op, g: Graph) -> list[str]:
    problems = require_dtypes(op, g, positions=(0,))
    if len(op.inputs) < 2 or op.inputs[1] is None:
        return problems + ["missing axis input"]
    axis = g.t(op.inputs[1])
    if axis.dtype != "int32":
        problems.append(f"axis tensor is {axis.dtype}, TFLM requires int32")
    if not axis.is_const:
        problems.append("axis tensor is not constant")
    if problems:
        return problems
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    if x.quant is None or y.quant is None:
        return ["input and output must be quantized"]
    if len(x.shape) > MAX_INPUT_DIMS:
        problems.append(f"input rank {len(x.shape)} > {MAX_INPUT_DIMS} (TFLM limit)")
    if x.size == 0:
        problems.append("empty input")
    try:
        axes = _resolved_axes(op, g)
    except ValueError as e:
        return problems + [str(e)]
    kept = [d for i, d in enumerate(x.shape) if i not in axes]
    n_out = 1
    for d in kept:
        n_out *= int(d)
    if n_out != y.size:
        problems.append(f"output has {y.size} elements, expected {n_out}")
    return problems


def lower(op: Op, g: Graph) -> KernelCall:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    axes = _resolved_axes(op, g)
    dims = [int(d) for d in x.shape]
    count = 1
    for a in axes:
        count *= dims[a]
    # Output stride of each input dim: 0 for reduced dims, dense over the kept ones.
    strides = [0] * len(dims)
    acc = 1
    for i in reversed(range(len(dims))):
        if i not in axes:
            strides[i] = acc
            acc *= dims[i]
    # Drop unit dims (they do not move either offset); keep at least one.
    keep = [i for i, d in enumerate(dims) if d != 1] or [0]
    dims_c = [dims[i] for i in keep]
    strides_c = [strides[i] for i in keep]

    mult, shift = quantize_multiplier(float(x.quant.s) / float(y.quant.s))
    s = count.bit_length() - 1            # 63 - CountLeadingZeros(uint64 count)
    s = min(s, 32)
    s = min(s, 31 + shift)
    mult = (mult << s) // count           # int64 division of positive values
    shift = shift - s
    params = dict(
        num_dims=len(dims_c), out_size=y.size, count=count,
        input_zp=x.quant.zp, output_zp=y.quant.zp, mult=int(mult), shift=int(shift),
        dims=int_array(dims_c), out_strides=int_array(strides_c))
    return KernelCall(MEAN_INT8, params, inputs=[op.inputs[0]], outputs=[op.outputs[0]],
                      scratch_bytes=4 * y.size, macs=x.size, overlap_ok=(0,))
