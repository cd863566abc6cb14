"""STRIDED_SLICE (and SLICE) kernel: micro/kernels_c/mn_strided_slice.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

I32 = "int32_t"

STRIDED_SLICE_PARAMS = Struct("mn_strided_slice_params_t", "A strided copy: output in order, input by steps.", (
    Field("elem_bytes", I32, "bytes per element: 1, 2, 4 or 8"),
    Field("start", I32, "input element index of the first output element"),
    Field("dims", I32, "[5] output extents after merging and dropping unit dims, padded in front with 1s",
          array=True),
    Field("steps", I32, "[5] input element step along each (negative for reversed axes)", array=True),
))

STRIDED_SLICE = Kernel(
    func="mn_strided_slice", source="mn_strided_slice.c", params=STRIDED_SLICE_PARAMS,
    args=(Arg("input", "input", "void", "dense, any element type"),
          Arg("output", "output", "void", "dense, dims[0] * ... * dims[4] elements; must not overlap the input")),
    doc="""STRIDED_SLICE and SLICE, any element type (TFLM reference_ops::StridedSlice / Slice): output element
(i0, ..., i4), in row-major order, is input element start + i0 * steps[0] + ... + i4 * steps[4].
micro.ops.strided_slice computes start, dims and steps from begin/end/strides and the masks exactly as
TFLM's StridedSliceStartForAxis / EndForAxis do. Rows with steps[4] == 1 are copied with memcpy.""")
