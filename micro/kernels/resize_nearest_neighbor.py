"""RESIZE_NEAREST_NEIGHBOR kernel: micro/kernels_c/mn_resize_nearest_neighbor.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

I32 = "int32_t"

RESIZE_NEAREST_NEIGHBOR_PARAMS = Struct("mn_resize_nearest_neighbor_params_t", "Source row and column of "
                                        "each output pixel, computed at compile time.", (
    Field("batches", I32, "batches"),
    Field("in_h", I32, "input height"),
    Field("in_w", I32, "input width"),
    Field("out_h", I32, "output height"),
    Field("out_w", I32, "output width"),
    Field("pixel_bytes", I32, "bytes of one pixel (depth x element size)"),
    Field("in_y", I32, "[out_h] input row of each output row", array=True),
    Field("in_x", I32, "[out_w] input column of each output column", array=True),
))

RESIZE_NEAREST_NEIGHBOR = Kernel(
    func="mn_resize_nearest_neighbor", source="mn_resize_nearest_neighbor.c",
    params=RESIZE_NEAREST_NEIGHBOR_PARAMS,
    args=(Arg("input", "input", "void", "NHWC, any element type"),
          Arg("output", "output", "void", "NHWC; must not overlap the input")),
    doc="""RESIZE_NEAREST_NEIGHBOR, any element type (TFLM reference_ops::ResizeNearestNeighbor): output pixel
(b, y, x) is input pixel (b, in_y[y], in_x[x]). micro.ops.resize_nearest_neighbor computes in_y and
in_x with TFLM's float32 GetNearestNeighbor (align_corners, half_pixel_centers).""")
