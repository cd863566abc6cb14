"""TRANSPOSE kernel: micro/kernels_c/mn_transpose_int8.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

TRANSPOSE_PARAMS = Struct("mn_transpose_params_t", "TRANSPOSE as a strided copy.", (
    Field("size", "int32_t", "elements"),
    Field("dims", "int32_t", "[5] collapsed output extents, outermost first", array=True),
    Field("in_strides", "int32_t", "[5] input element stride along each", array=True),
))

TRANSPOSE_INT8 = Kernel(
    func="mn_transpose_int8", source="mn_transpose_int8.c", params=TRANSPOSE_PARAMS,
    args=(Arg("input", "input", "int8_t", "dense"),
          Arg("output", "output", "int8_t", "dense, written in order; must not overlap the input")),
    doc="""TRANSPOSE, int8 (TFLM reference_ops::Transpose; any 1-byte type). dims are the output extents after
dropping size-1 dims and merging output dims that are also adjacent in the input (padded in front with
1s, product = size).""")
