"""RESIZE_BILINEAR kernel: micro/kernels_c/mn_resize_bilinear_int8.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

I32 = "int32_t"

RESIZE_BILINEAR_PARAMS = Struct("mn_resize_bilinear_params_t", "Bilinear taps of each output row and column "
                                "in 1/1024 units, computed at compile time.", (
    Field("batches", I32, "batches"),
    Field("in_h", I32, "input height"),
    Field("in_w", I32, "input width"),
    Field("depth", I32, "channels"),
    Field("out_h", I32, "output height"),
    Field("out_w", I32, "output width"),
    Field("y0", I32, "[out_h] upper input row", array=True),
    Field("y1", I32, "[out_h] lower input row", array=True),
    Field("y_frac", I32, "[out_h] input_y - 1024 * y0 (may be negative with half_pixel_centers)", array=True),
    Field("x0", I32, "[out_w] left input column", array=True),
    Field("x1", I32, "[out_w] right input column", array=True),
    Field("x_frac", I32, "[out_w] input_x - 1024 * x0", array=True),
))

RESIZE_BILINEAR_INT8 = Kernel(
    func="mn_resize_bilinear_int8", source="mn_resize_bilinear_int8.c", params=RESIZE_BILINEAR_PARAMS,
    args=(Arg("input", "input", "int8_t", "NHWC"),
          Arg("output", "output", "int8_t", "NHWC, same scale and zero point; must not overlap the input")),
    doc="""RESIZE_BILINEAR, int8 (TFLM reference_ops::ResizeBilinearInteger, double rounding):
  v = in[y0][x0] (1024 - fy)(1024 - fx) + in[y1][x0] fy (1024 - fx) + in[y0][x1] (1024 - fy) fx
      + in[y1][x1] fy fx
  out = (v + (v > 0 ? 2^19 : -2^19)) / 2^20 (C division, truncating), stored as int8 without clamping.
micro.ops.resize_bilinear computes the taps with TFLM's ComputeInterpolationValuesInteger.""")
