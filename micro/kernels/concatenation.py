"""CONCATENATION (and PACK) kernel: micro/kernels_c/mn_concatenation.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

I32 = "int32_t"

CONCATENATION_PARAMS = Struct("mn_concatenation_params_t", "Concatenation as interleaved byte runs.", (
    Field("outer", I32, "product of the output extents before the axis"),
    Field("num_inputs", I32, "number of inputs, in [1, 10]"),
    Field("copy_bytes", I32, "[num_inputs] bytes of input i per outer index (extent along the axis x inner "
          "extents x element size)", array=True),
))

CONCATENATION = Kernel(
    func="mn_concatenation", source="mn_concatenation.c", params=CONCATENATION_PARAMS,
    args=(Arg("inputs", "input", "void", "dense, outer * copy_bytes[i] bytes each", count="num_inputs"),
          Arg("output", "output", "void", "dense; must not overlap any input")),
    doc="""CONCATENATION and PACK, any element type (TFLM reference_ops::Concatenation, PackImpl): for each
outer index k, the output takes copy_bytes[i] bytes from each input i in turn, starting at input byte
k * copy_bytes[i]. A raw copy: TFLM requantizes nothing (int8 inputs must share the output's scale and
zero point; int16 inputs only need zero point 0 and are copied as they are).""")
