"""RESIZE_BILINEAR, int8 (TFLM resize_bilinear.cc; reference_ops::ResizeBilinearInteger).

TFLM's int8 path is integer only: scales in 1/1024 units, each output row and column gets two taps and
a fraction (ComputeInterpolationValuesInteger), computed here at compile time; the kernel
(micro.kernels.resize_bilinear) does the 4-tap sum with double rounding. Quirks reproduced: the
output's quantization is ignored (the result stays in the input's quantized domain); align_corners with
half_pixel_centers is rejected (Prepare); TFLM's micro kernel has no int16 path (Eval fails), so
neither has micro.
"""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.kernels.resize_bilinear import RESIZE_BILINEAR_INT8
from micro.lowered import KernelCall
from micro.ops.common import opt
from micro.ops.resize_nearest_neighbor import resize_problems

KINDS = ("RESIZE_BILINEAR",)
TYPES = ("int8",)  # ResizeBilinearEval (float32 too; no int16)
ARITY = {"RESIZE_BILINEAR": (2, 2, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks
ONE = 1 << 10


def _c_div(a: int, b: int) -> int:
    """C integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def taps(out_size: int, in_size: int, align_corners: bool, half_pixel_centers: bool):
    """(lower, upper, fraction in 1/1024) per output coordinate, as TFLM's integer resize computes them."""
    if align_corners and out_size > 1:
        scale = _c_div(ONE * (in_size - 1) + (out_size - 1) // 2, out_size - 1)
    else:
        scale = _c_div(ONE * in_size + out_size // 2, out_size)
    lows, highs, fracs = [], [], []
    for v in range(out_size):
        scaled = v * scale + _c_div(scale, 2) - (1 << 9) if half_pixel_centers else v * scale
        low = max(_c_div(scaled, ONE), 0)
        lows.append(low)
        highs.append(min(_c_div(scaled + ONE - 1, ONE), in_size - 1))
        fracs.append(scaled - ONE * low)
    return lows, highs, fracs


def check(op: Op, g: Graph) -> list[str]:
    problems = resize_problems(op, g, TYPES)
    if opt(op, "align_corners", False) and opt(op, "half_pixel_centers", False):
        problems.append("align_corners and half_pixel_centers are both set (TFLM: if half_pixel_centers is "
                        "True, align_corners must be False)")
    return problems


def _params(op: Op, g: Graph) -> dict:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    align, half = bool(opt(op, "align_corners", False)), bool(opt(op, "half_pixel_centers", False))
    y0, y1, fy = taps(int(y.shape[1]), int(x.shape[1]), align, half)
    x0, x1, fx = taps(int(y.shape[2]), int(x.shape[2]), align, half)
    return dict(batches=int(x.shape[0]), in_h=int(x.shape[1]), in_w=int(x.shape[2]), depth=int(x.shape[3]),
                out_h=int(y.shape[1]), out_w=int(y.shape[2]), y0=int_array(y0), y1=int_array(y1),
                y_frac=int_array(fy), x0=int_array(x0), x1=int_array(x1), x_frac=int_array(fx))


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    p = _params(op, g)
    x = np.asarray(g.t(op.inputs[0]).data, dtype=np.int64)
    fy = p["y_frac"].astype(np.int64).reshape(1, -1, 1, 1)
    fx = p["x_frac"].astype(np.int64).reshape(1, 1, -1, 1)
    top, bottom = x[:, p["y0"]], x[:, p["y1"]]
    v = (top[:, :, p["x0"]] * (ONE - fy) * (ONE - fx) + bottom[:, :, p["x0"]] * fy * (ONE - fx)
         + top[:, :, p["x1"]] * (ONE - fy) * fx + bottom[:, :, p["x1"]] * fy * fx)
    rounded = v + np.where(v > 0, 1 << 19, -(1 << 19))
    out = np.sign(rounded) * (np.abs(rounded) >> 20)
    return [out.astype(np.int8)]


def lower(op: Op, g: Graph) -> KernelCall:
    return KernelCall(RESIZE_BILINEAR_INT8, _params(op, g), inputs=[op.inputs[0]], outputs=[op.outputs[0]],
                      macs=4 * g.t(op.outputs[0]).size)
