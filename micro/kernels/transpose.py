"""TRANSPOSE kernel: micro/kernels_c/mn_transpose.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

TRANSPOSE_PARAMS = Struct("mn_transpose_params_t", "TRANSPOSE as a strided copy.", (
    Field("size", "int32_t", "elements"),
    Field("elem_bytes", "int32_t", "bytes per element: 1, 2 or 4"),
    Field("dims", "int32_t", "[5] collapsed output extents, outermost first", array=True),
    Field("in_strides", "int32_t", "[5] input element stride along each", array=True),
))

TRANSPOSE = Kernel(
    func="mn_transpose", source="mn_transpose.c", params=TRANSPOSE_PARAMS,
    args=(Arg("input", "input", "void", "dense"),
          Arg("output", "output", "void", "dense, written in order; must not overlap the input")),
    doc="""TRANSPOSE, 1-, 2- and 4-byte elements (TFLM reference_ops::Transpose). dims are the output extents after
dropping size-1 dims and merging output dims that are also adjacent in the input (padded in front with
1s, product = size).""")
