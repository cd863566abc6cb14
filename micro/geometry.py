"""Geometry shared by the window ops and the arena planner: TFLite padding, and how far an output may
overlap its input for kernels that honour the forward/reverse raster contracts (micro.lowered)."""

from __future__ import annotations

import numpy as np

# The overlap gaps are computed over every output unit (pixel, row) at once; past this many units an op
# declares no overlap (its output gets a buffer of its own), so compile-time memory stays bounded for any
# model. Far above any microcontroller model (a 224x224 image has 50,176 pixels).
MAX_GAP_UNITS = 1 << 22


def compute_padding(padding: str, in_size: int, filter_size: int, stride: int,
                    dilation: int = 1) -> tuple[int, int]:
    """TFLite ComputePaddingHeightWidth for one axis: (output size, leading pad).

    SAME: out = ceil(in / stride); VALID: out = ceil((in - eff_filter + 1) / stride).
    The leading pad is max(0, ((out-1)*stride + eff_filter - in) // 2), as TFLite.
    """
    eff = (filter_size - 1) * dilation + 1
    if padding == "SAME":
        out = (in_size + stride - 1) // stride
    elif padding == "VALID":
        out = (in_size - eff + stride) // stride
    else:
        raise ValueError(f"unknown padding {padding}")
    total = max(0, (out - 1) * stride + eff - in_size)
    return out, total // 2


def forward_gap(last_write, first_read) -> int:
    """Smallest D letting an output start D bytes before its input, for a kernel that produces output
    units (pixels, rows) in ascending order and, once a byte of unit p is written, reads no input
    before first_read[p'] for any p' >= p. Arrays are per unit, in production order; units that read
    nothing carry a large first_read."""
    future_min = np.minimum.accumulate(np.asarray(first_read, dtype=np.int64)[::-1])[::-1]
    return int(max(0, int(np.max(np.asarray(last_write, dtype=np.int64) - future_min)) + 1))


def reverse_gap(first_write, last_read) -> int:
    """Smallest D letting an output start D bytes after its input, for a kernel that produces output
    units in descending order and, once a byte of unit p is written, reads no input beyond
    last_read[p'] for any p' <= p. Arrays are per unit in ascending order; units that read nothing
    carry last_read = -1."""
    past_max = np.maximum.accumulate(np.asarray(last_read, dtype=np.int64))
    return int(max(0, int(np.max(past_max - np.asarray(first_write, dtype=np.int64))) + 1))


def _pixels(batches: int, out_h: int, out_w: int):
    b, oy, ox = np.meshgrid(np.arange(batches), np.arange(out_h), np.arange(out_w), indexing="ij")
    return b.ravel(), oy.ravel(), ox.ravel()


def raster_gap(batches: int, in_h: int, in_w: int, in_c: int, out_h: int, out_w: int, out_c: int,
               stride_h: int, stride_w: int, pad_top: int, pad_left: int,
               in_bytes: int = 1, out_bytes: int = 1) -> int:
    """Smallest D such that an NHWC window op (conv, depthwise, pool) may write its output starting
    D bytes before its input, overlapping it. The forward contract (micro.kernels.window): output pixels
    in raster order, and once any byte of pixel p is written no input before the first byte of p's
    window (its top-left corner clipped to the image) is read: safe for any filter size and dilation."""
    b, oy, ox = _pixels(batches, out_h, out_w)
    row = np.clip(oy * stride_h - pad_top, 0, in_h - 1)
    col = np.clip(ox * stride_w - pad_left, 0, in_w - 1)
    first_read = ((b * in_h + row) * in_w + col) * in_c * in_bytes
    last_write = ((b * out_h + oy) * out_w + ox + 1) * out_c * out_bytes - 1
    return forward_gap(last_write, first_read)


def raster_gap_reverse(batches: int, in_h: int, in_w: int, in_c: int, out_h: int, out_w: int, out_c: int,
                       stride_h: int, stride_w: int, pad_top: int, pad_left: int, k_h: int, k_w: int,
                       dilation_h: int = 1, dilation_w: int = 1, in_bytes: int = 1, out_bytes: int = 1) -> int:
    """Smallest D such that an NHWC window op may write its output starting D bytes AFTER its input,
    overlapping it, under the reverse contract: output pixels in descending raster order, and once any
    byte of pixel p is written no input beyond the last byte of p's window (its bottom-right corner
    clipped to the image, last channel) is read."""
    b, oy, ox = _pixels(batches, out_h, out_w)
    row = np.clip(oy * stride_h - pad_top + (k_h - 1) * dilation_h, 0, in_h - 1)
    col = np.clip(ox * stride_w - pad_left + (k_w - 1) * dilation_w, 0, in_w - 1)
    last_read = ((b * in_h + row) * in_w + col + 1) * in_c * in_bytes - 1
    first_write = ((b * out_h + oy) * out_w + ox) * out_c * out_bytes
    return reverse_gap(first_write, last_read)
