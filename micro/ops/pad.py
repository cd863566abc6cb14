"""PAD and PADV2, int8 (TFLM pad.cc, pad_common.cc; reference_ops::Pad, up to 5-D).

The paddings tensor must be constant (TFLM requires it). The pad value is the output
zero point for PAD (and PADV2 without a constant_values input); for PADV2 it is the int8
constant_values scalar, which TFLM requires to share the output's scale and zero point.
Zero paddings everywhere make the op a view (Alias). Kernel: micro.kernels.pad.
"""

from __future__ import annotations

import numpy as np

from micro.dtypes import DTYPE_BYTES
from micro.geometry import MAX_GAP_UNITS, forward_gap, reverse_gap
from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.kernels.pad import PAD
from micro.lowered import Alias, KernelCall
from micro.ops.common import require_dtypes

KINDS = ("PAD", "PADV2")
TYPES = ("int8", "int16")
ARITY = {"PAD": (2, 3, 1), "PADV2": (2, 3, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
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
    problems = require_dtypes(op, g, positions=(0,), dtypes=TYPES)
    if x.dtype != y.dtype:
        problems.append(f"input '{x.name}' is {x.dtype} but output '{y.name}' is {y.dtype}: TFLM's {op.kind} moves "
                        "elements of one type (no requantization)")
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
        if cv.dtype != x.dtype:
            problems.append(f"constant_values tensor {cv.index} '{cv.name}' is {cv.dtype}, the input is {x.dtype}")
        elif cv.size != 1:
            problems.append(f"constant_values tensor {cv.index} '{cv.name}' is not a scalar")
        elif _qparams(cv) != _qparams(y):
            problems.append("constant_values must have the output's scale and zero point (TFLM)")
        elif x.dtype != "int8" and not cv.is_const:
            problems.append(f"a run-time {x.dtype} constant_values tensor is not supported (only int8); make it "
                            "a constant")
    if not problems and x.dtype != "int8" and _pad_byte(op, g) is None:
        problems.append(f"{x.dtype} pad value {_pad_value(op, g)}: micro pads {x.dtype} only with 0 or -1 "
                        "(values whose bytes are all equal)")
    return problems


def _pad_value(op: Op, g: Graph) -> int:
    """The pad value: the output zero point for PAD (pad.cc: static_cast<uint8_t>(output_zero_point) in an
    int8_t gives the same value), the constant_values scalar for PADV2."""
    cv = _value_tensor(op, g)
    if cv is None:
        return _qparams(g.t(op.outputs[0]))[1]
    return int(np.asarray(cv.data).ravel()[0]) if cv.is_const else 0


def _pad_byte(op: Op, g: Graph) -> int | None:
    """The one byte every padded byte gets, or None when the value's bytes differ (an int16 other than
    0 and -1)."""
    value = _pad_value(op, g)
    if g.t(op.inputs[0]).dtype == "int8":
        return value
    return value if value in (0, -1) else None


def lower(op: Op, g: Graph) -> KernelCall | Alias:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    pads = _paddings(op, g)
    if not pads.any():
        return Alias(src=op.inputs[0], dst=op.outputs[0])
    # The kernel moves bytes: the innermost extents and paddings scale by the element size.
    e = DTYPE_BYTES[x.dtype]
    lead = MAX_RANK - len(x.shape)
    in_dims = [1] * lead + [int(d) for d in x.shape[:-1]] + [int(x.shape[-1]) * e]
    out_dims = [1] * lead + [int(d) for d in y.shape[:-1]] + [int(y.shape[-1]) * e]
    left = [0] * lead + [int(l) for l, _ in pads[:-1]] + [int(pads[-1][0]) * e]
    cv = _value_tensor(op, g)
    value_input = cv.index if cv is not None and not cv.is_const else None
    params = dict(pad_value=_pad_byte(op, g), in_dims=int_array(in_dims), out_dims=int_array(out_dims),
                  left_pad=int_array(left))
    if y.size > MAX_GAP_UNITS:  # too many rows to analyse: no overlap
        return KernelCall(PAD, params, inputs=[op.inputs[0], value_input], outputs=[op.outputs[0]])
    forward, reverse = overlap_gaps(x.shape, y.shape, pads, e)
    return KernelCall(PAD, params, inputs=[op.inputs[0], value_input], outputs=[op.outputs[0]],
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
