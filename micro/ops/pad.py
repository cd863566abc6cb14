"""PAD and PADV2, int8 (TFLM pad.cc, pad_common.cc; reference_ops::Pad, up to 5-D).

The paddings tensor must be constant (TFLM requires it). The pad value is the output
zero point for PAD (and PADV2 without a constant_values input); for PADV2 it is the int8
constant_values scalar, which TFLM requires to share the output's scale and zero point.
Zero paddings everywhere make the op a view (Alias). Kernel: micro.kernels.pad.
"""

from __future__ import annotations

import numpy as np

from micro.dtypes import DTYPE_BYTES
from micro.geometry import forward_gap, reverse_gap
from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.kernels.pad import PAD_INT8
from micro.lowered import Alias, KernelCall
from micro.ops.common import require_dtypes

KINDS = ("PAD", "PADV2")
TYPES = ("int8",)
MAX_RANK = 5  # reference_ops::PadKernelMaxDimensionCount()


def _paddings(op: Op, g: Graph) -> np.ndarray | None:
    p = g.t(op.inputs[1])
    if p is None or p.data is None:
        return None
    return np.asarray(p.data, dtype=np.int64).reshape(-1, 2)


def _value_tensor(op: Op, g: Graph):
    return g.t(op.inputs[2]) if len(op.inputs) > 2 else None


def _qparams(t) -> tuple[float, int]:
    """TfLiteTensor.params: (scale, zero_point), (0, 0) when unquantized."""
    return (t.quant.s, t.quant.zp) if t.quant is not None else (0.0, 0)


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    problems = require_dtypes(op, g, positions=(0,))
    pt = g.t(op.inputs[1])
    if pt.dtype not in ("int32",):
        problems.append(f"paddings tensor {pt.index} '{pt.name}' is {pt.dtype}, supported: int32")
    pads = _paddings(op, g)
    if pads is None:
        problems.append("non-constant paddings tensor is not supported (TFLM needs it constant)")
    if len(x.shape) > MAX_RANK:
        problems.append(f"PAD supports up to {MAX_RANK} dimensions (TFLM), input has {len(x.shape)}")
    if pads is not None and not problems:
        if pads.shape[0] != len(y.shape) or len(x.shape) != len(y.shape):
            problems.append(f"paddings shape {list(pt.shape)} does not match input {list(x.shape)} "
                            f"and output {list(y.shape)}")
        elif (pads < 0).any():
            problems.append(f"negative paddings {pads.tolist()} are not supported")
        elif any(int(xi) + int(l) + int(r) != int(yi) for xi, yi, (l, r) in zip(x.shape, y.shape, pads)):
            problems.append(f"output shape {list(y.shape)} != input {list(x.shape)} + paddings {pads.tolist()}")
    cv = _value_tensor(op, g)
    if cv is not None:
        if cv.dtype != "int8":
            problems.append(f"constant_values tensor {cv.index} '{cv.name}' is {cv.dtype}, supported: int8")
        elif cv.size != 1:
            problems.append(f"constant_values tensor {cv.index} '{cv.name}' is not a scalar")
        elif _qparams(cv) != _qparams(y):
            problems.append("constant_values must have the output's scale and zero point (TFLM)")
    return problems


def lower(op: Op, g: Graph) -> KernelCall | Alias:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    pads = _paddings(op, g)
    if not pads.any():
        return Alias(src=op.inputs[0], dst=op.outputs[0])
    lead = MAX_RANK - len(x.shape)
    in_dims = [1] * lead + [int(d) for d in x.shape]
    out_dims = [1] * lead + [int(d) for d in y.shape]
    left = [0] * lead + [int(l) for l, _ in pads]
    cv = _value_tensor(op, g)
    value_input = None
    if cv is None:
        # pad.cc: static_cast<uint8_t>(output_zero_point) stored in an int8_t: same value.
        pad_value = _qparams(y)[1]
    elif cv.is_const:
        pad_value = int(np.asarray(cv.data).ravel()[0])
    else:
        pad_value, value_input = 0, cv.index
    params = dict(pad_value=pad_value, in_dims=int_array(in_dims), out_dims=int_array(out_dims),
                  left_pad=int_array(left))
    forward, reverse = overlap_gaps(x.shape, y.shape, pads, DTYPE_BYTES[x.dtype])
    return KernelCall(PAD_INT8, params, inputs=[op.inputs[0], value_input], outputs=[op.outputs[0]],
                      overlap_gap={0: forward}, overlap_gap_reverse={0: reverse})


def _rows(x_shape, y_shape, pads: np.ndarray, elem_bytes: int):
    """Per output row (innermost dimension, ascending): first and last byte written, first and last
    input byte read (-1 / a huge value for rows that are all padding)."""
    x_shape, y_shape = tuple(x_shape) or (1,), tuple(y_shape) or (1,)
    outer = y_shape[:-1]
    idx = np.indices(outer).reshape(len(outer), -1) if outer else np.zeros((0, 1), dtype=np.int64)
    src = idx - pads[:len(outer), 0:1]
    valid = np.all((src >= 0) & (src < np.array(x_shape[:-1]).reshape(-1, 1)), axis=0)
    flat_src = np.zeros(idx.shape[1], dtype=np.int64)
    for d in range(len(outer)):
        flat_src = flat_src * x_shape[d] + np.where(valid, src[d], 0)
    row_in, row_out = x_shape[-1] * elem_bytes, y_shape[-1] * elem_bytes
    rows = np.arange(idx.shape[1], dtype=np.int64)
    first_read = np.where(valid, flat_src * row_in, np.iinfo(np.int64).max // 2)
    last_read = np.where(valid, (flat_src + 1) * row_in - 1, -1)
    return rows * row_out, (rows + 1) * row_out - 1, first_read, last_read


def overlap_gaps(x_shape, y_shape, pads: np.ndarray, elem_bytes: int = 1) -> tuple[int, int]:
    """(forward D, reverse D) for the PAD kernel's overlap modes (micro.kernels.pad): output rows produced
    in ascending (output before the input) or descending (output after it) order, each row's input
    moved before its padding is written. The kernel takes the reverse order when the output starts
    at the input itself, so the forward gap is at least 1."""
    first_write, last_write, first_read, last_read = _rows(x_shape, y_shape, pads, elem_bytes)
    return max(1, forward_gap(last_write, first_read)), reverse_gap(first_write, last_read)


def reverse_overlap_gap(x_shape, y_shape, pads: np.ndarray, elem_bytes: int = 1) -> int:
    """The reverse-mode gap alone (see overlap_gaps)."""
    return overlap_gaps(x_shape, y_shape, pads, elem_bytes)[1]
