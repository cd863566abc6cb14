"""RESIZE_NEAREST_NEIGHBOR (TFLM resize_nearest_neighbor.cc; reference_ops::ResizeNearestNeighbor).

The size tensor must be a constant int32 [2] (TFLM's Prepare); the source row and column of every
output pixel are computed here with TFLM's float32 GetNearestNeighbor (float32 scale, floor or
round-half-away-from-zero, clamped), so the kernel (micro.kernels.resize_nearest_neighbor) does no
arithmetic. TFLM copies pixels without requantizing: the output keeps the input's quantization whatever
the output tensor says (a quirk reproduced). int8 and int16 (TFLM also copies float32 as int32 bits).
A resize that maps every pixel to itself is a view of its input.
"""

from __future__ import annotations

import math

import numpy as np

from micro.ir import Graph, Op
from micro.kernels.abi import int_array
from micro.kernels.resize_nearest_neighbor import RESIZE_NEAREST_NEIGHBOR
from micro.lowered import Alias, KernelCall
from micro.ops.common import opt
from micro.ops.movement import const_ints, elem_bytes, index_tensor_problems, same_dtype_problems

KINDS = ("RESIZE_NEAREST_NEIGHBOR",)
TYPES = ("int8", "int16")  # ResizeNearestNeighborEval (float32 too)
ARITY = {"RESIZE_NEAREST_NEIGHBOR": (2, 2, 1)}  # (min inputs, max inputs, outputs): TFLM's Prepare checks


def nearest(out_size: int, in_size: int, align_corners: bool, half_pixel_centers: bool) -> list[int]:
    """TFLM's GetNearestNeighbor for every output coordinate, in float32 arithmetic."""
    f32 = np.float32
    if align_corners and out_size > 1:
        scale = f32(in_size - 1) / f32(out_size - 1)
    else:
        scale = f32(in_size) / f32(out_size)
    offset = f32(0.5) if half_pixel_centers else f32(0.0)
    out = []
    for v in range(out_size):
        x = float((f32(v) + offset) * scale)  # the float32 product, exactly
        # TfLiteRound is std::round: half away from zero (exact here: x + 0.5 fits a double).
        n = int(math.copysign(math.floor(abs(x) + 0.5), x)) if align_corners else math.floor(x)
        n = min(n, in_size - 1)
        out.append(max(0, n) if half_pixel_centers else n)
    return out


def resize_problems(op: Op, g: Graph, dtypes) -> list[str]:
    """What TFLM's resize Prepares (nearest neighbor and bilinear) check, and the output shape."""
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    problems = same_dtype_problems(op, g, op.inputs[:1], dtypes)
    if len(x.shape) != 4:
        problems.append(f"input has {len(x.shape)} dimensions; TFLM resizes 4-D (NHWC) inputs")
    problems += index_tensor_problems(g, op.inputs[1] if len(op.inputs) > 1 else None, "size")
    if problems:
        return problems
    size = const_ints(g, op.inputs[1])
    if len(size) != 2:
        return [f"size has {len(size)} values; TFLM needs 2 (height, width)"]
    if min(size) < 1:
        return [f"size {size} must be positive"]
    want = [int(x.shape[0]), size[0], size[1], int(x.shape[3])]
    if want != [int(d) for d in y.shape]:
        problems.append(f"output shape {list(y.shape)} is not {want} (TFLM writes the size tensor's extents)")
    return problems


def check(op: Op, g: Graph) -> list[str]:
    return resize_problems(op, g, TYPES)


def _rows_cols(op: Op, g: Graph) -> tuple[list[int], list[int]]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    align, half = bool(opt(op, "align_corners", False)), bool(opt(op, "half_pixel_centers", False))
    return (nearest(int(y.shape[1]), int(x.shape[1]), align, half),
            nearest(int(y.shape[2]), int(x.shape[2]), align, half))


def fold(op: Op, g: Graph) -> list[np.ndarray]:
    rows, cols = _rows_cols(op, g)
    return [np.asarray(g.t(op.inputs[0]).data)[:, rows][:, :, cols]]


def lower(op: Op, g: Graph) -> KernelCall | Alias:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    rows, cols = _rows_cols(op, g)
    if rows == list(range(x.shape[1])) and cols == list(range(x.shape[2])):
        return Alias(src=op.inputs[0], dst=op.outputs[0])
    params = dict(batches=int(x.shape[0]), in_h=int(x.shape[1]), in_w=int(x.shape[2]), out_h=int(y.shape[1]),
                  out_w=int(y.shape[2]), pixel_bytes=int(x.shape[3]) * elem_bytes(x), in_y=int_array(rows),
                  in_x=int_array(cols))
    return KernelCall(RESIZE_NEAREST_NEIGHBOR, params, inputs=[op.inputs[0]], outputs=[op.outputs[0]])
