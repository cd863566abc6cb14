"""SPLIT, SPLIT_V and UNPACK kernel: micro/kernels_c/mn_split.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

I32 = "int32_t"

SPLIT_PARAMS = Struct("mn_split_params_t", "Split as interleaved byte runs.", (
    Field("outer", I32, "product of the input extents before the axis"),
    Field("num_outputs", I32, "number of outputs (>= 1)"),
    Field("copy_bytes", I32, "[num_outputs] bytes of output i per outer index (extent along the axis x inner "
          "extents x element size)", array=True),
))

SPLIT = Kernel(
    func="mn_split", source="mn_split.c", params=SPLIT_PARAMS,
    args=(Arg("input", "input", "void", "dense, outer * sum(copy_bytes) bytes"),
          Arg("outputs", "output", "void", "dense, outer * copy_bytes[i] bytes each; must not overlap the input",
              count="num_outputs")),
    doc="""SPLIT, SPLIT_V and UNPACK, any element type (TFLM SplitImpl, UnpackImpl): the input is read once in
order; for each outer index k, output i takes the next copy_bytes[i] bytes at its byte
k * copy_bytes[i].""")
