"""ARG_MAX / ARG_MIN kernel: micro/kernels_c/mn_arg_min_max_int8.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

I32 = "int32_t"

ARG_MIN_MAX_PARAMS = Struct("mn_arg_min_max_params_t", "Reduction layout around the axis.", (
    Field("outer", I32, "product of the input extents before the axis"),
    Field("axis_size", I32, "input extent along the axis (>= 1)"),
    Field("inner", I32, "product of the input extents after the axis"),
    Field("is_max", I32, "1: ARG_MAX, 0: ARG_MIN"),
))

ARG_MIN_MAX_INT8 = Kernel(
    func="mn_arg_min_max_int8", source="mn_arg_min_max_int8.c", params=ARG_MIN_MAX_PARAMS,
    args=(Arg("input", "input", "int8_t", "[outer][axis_size][inner]"),
          Arg("output", "output", "int32_t", "[outer][inner]")),
    doc="""ARG_MAX / ARG_MIN over one axis, int8 in, int32 indices out (TFLM reference_ops::ArgMinMax with
std::greater / std::less): the first index of the largest (smallest) value wins ties.""")
