"""ADD kernels (and the parameters SUB shares): micro/kernels_c/mn_add_int8.c, mn_add_sub_int16.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct
from micro.kernels.broadcast import BROADCAST

I32 = "int32_t"

ADD_SUB_PARAMS = Struct("mn_add_sub_params_t", "ADD / SUB rescaling (TFLM's general quantized path) and layout.", (
    Field("input1_offset", I32, "-input1 zero point"),
    Field("input1_mult", I32, "input1 rescale multiplier"),
    Field("input1_shift", I32, "input1 rescale shift (<= 0)"),
    Field("input2_offset", I32, "-input2 zero point"),
    Field("input2_mult", I32, "input2 rescale multiplier"),
    Field("input2_shift", I32, "input2 rescale shift (<= 0)"),
    Field("output_offset", I32, "output zero point"),
    Field("output_mult", I32, "output rescale multiplier"),
    Field("output_shift", I32, "output rescale shift (<= 0)"),
    Field("left_shift", I32, "20 for int8, 15 for int16"),
    Field("act_min", I32, "lower clamp (fused activation)"),
    Field("act_max", I32, "upper clamp (fused activation)"),
    Field("layout", BROADCAST, "how the inputs broadcast to the output"),
    Field("input1_table", I32, "[256] rescaled input1 per int8 value, or NULL (int8 only)", array=True,
          optional=True),
    Field("input2_table", I32, "[256] rescaled input2 per int8 value, or NULL (int8 only)", array=True,
          optional=True),
))

ARITHMETIC = """Per element, with x from input1 and y from input2:
  a = ((x + input1_offset) << left_shift) scaled by (input1_mult, input1_shift)
  b = ((y + input2_offset) << left_shift) scaled by (input2_mult, input2_shift)
  out = clamp(scale({a + b | a - b}; output_mult, output_shift) + output_offset, act_min, act_max)
where scale() is MultiplyByQuantizedMultiplierSmallerThanOneExp. The tables (int8 only; both or neither;
micro passes them when flat_size >= 1024) hold each input's rescaled value for every int8 v at [v + 128]:
the same integers, one lookup per element. In place: the output may be the very storage of an input
that holds flat_size elements; it must not overlap a broadcast input."""


def add_sub_kernel(kind: str, dtype: str, source: str) -> Kernel:
    ctype = f"{dtype}_t"
    return Kernel(
        func=f"mn_{kind.lower()}_{dtype}", source=source, params=ADD_SUB_PARAMS,
        args=(Arg("input1", "input", ctype, "broadcastable to the output"),
              Arg("input2", "input", ctype, "broadcastable to the output"),
              Arg("output", "output", ctype, "dense, flat_size elements")),
        doc=f"""{kind}, {dtype} (TFLM {kind.lower()}.cc: reference Add/Sub and their 6-D broadcast, left_shift
{20 if dtype == 'int8' else 15}; TFLM's {dtype} path always takes the general rescaling, whatever the
model's pot_scale_int16 says).
{ARITHMETIC}""")


ADD_INT8 = add_sub_kernel("ADD", "int8", "mn_add_int8.c")
ADD_INT16 = add_sub_kernel("ADD", "int16", "mn_add_sub_int16.c")
