"""ADD kernel: micro/kernels_c/mn_add_int8.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

I32 = "int32_t"

ADD_PARAMS = Struct("mn_add_params_t", "ADD rescaling and broadcast layout.", (
    Field("input1_offset", I32, "-input1 zero point, in [-127, 128]"),
    Field("input1_mult", I32, "input1 rescale multiplier"),
    Field("input1_shift", I32, "input1 rescale shift (<= 0)"),
    Field("input2_offset", I32, "-input2 zero point"),
    Field("input2_mult", I32, "input2 rescale multiplier"),
    Field("input2_shift", I32, "input2 rescale shift (<= 0)"),
    Field("output_offset", I32, "output zero point"),
    Field("output_mult", I32, "output rescale multiplier"),
    Field("output_shift", I32, "output rescale shift (<= 0)"),
    Field("left_shift", I32, "20 for int8"),
    Field("act_min", I32, "lower clamp (fused activation)"),
    Field("act_max", I32, "upper clamp (fused activation)"),
    Field("flat_size", I32, "output elements"),
    Field("broadcast", I32, "0: both inputs hold flat_size elements in output order"),
    Field("dims", I32, "[6] collapsed output extents, outermost first", array=True),
    Field("in1_strides", I32, "[6] input1 element strides (0 where broadcast)", array=True),
    Field("in2_strides", I32, "[6] input2 element strides (0 where broadcast)", array=True),
    Field("input1_table", I32, "[256] rescaled input1 per int8 value, or NULL", array=True, optional=True),
    Field("input2_table", I32, "[256] rescaled input2 per int8 value, or NULL", array=True, optional=True),
))

ADD_INT8 = Kernel(
    func="mn_add_int8", source="mn_add_int8.c", params=ADD_PARAMS,
    args=(Arg("input1", "input", "int8_t", "broadcastable to the output"),
          Arg("input2", "input", "int8_t", "broadcastable to the output"),
          Arg("output", "output", "int8_t", "dense, flat_size elements")),
    doc="""ADD, int8 (TFLM reference_integer_ops::Add / BroadcastAdd6DSlow, int8 Prepare of add_common.cc).
Per element, with x from input1 and y from input2:
  a = ((x + input1_offset) << left_shift) scaled by (input1_mult, input1_shift)
  b = ((y + input2_offset) << left_shift) scaled by (input2_mult, input2_shift)
  out = clamp(scale(a + b; output_mult, output_shift) + output_offset, act_min, act_max)
where scale() is MultiplyByQuantizedMultiplierSmallerThanOneExp. Layout: dims are the output extents
after dropping size-1 dims and merging dims that stay contiguous in both inputs (padded in front with
1s; product = flat_size). The tables (both or neither; micro passes them when flat_size >= 1024) hold
each input's rescaled value for every int8 v at [v + 128]: the same integers, one lookup per element.
In place: the output may be the very storage of an input that holds flat_size elements; it must not
overlap a broadcast input.""")
