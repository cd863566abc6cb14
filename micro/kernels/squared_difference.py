"""SQUARED_DIFFERENCE kernels: micro/kernels_c/mn_squared_difference.c (int8, int16; int32 is
micro.kernels.arith_int32)."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct
from micro.kernels.broadcast import BROADCAST

I32 = "int32_t"

SQUARED_DIFFERENCE_PARAMS = Struct("mn_squared_difference_params_t", "SQUARED_DIFFERENCE rescaling and layout.", (
    Field("input1_offset", I32, "-input1 zero point"),
    Field("input1_mult", I32, "input1 rescale multiplier"),
    Field("input1_shift", I32, "input1 rescale shift (<= 0)"),
    Field("input2_offset", I32, "-input2 zero point"),
    Field("input2_mult", I32, "input2 rescale multiplier"),
    Field("input2_shift", I32, "input2 rescale shift (<= 0)"),
    Field("output_offset", I32, "output zero point"),
    Field("output_mult", I32, "output rescale multiplier"),
    Field("output_shift", I32, "output rescale shift, in [-31, 30]"),
    Field("left_shift", I32, "7 for int8, 0 for int16"),
    Field("act_min", I32, "the output type's minimum (SQUARED_DIFFERENCE has no fused activation)"),
    Field("act_max", I32, "the output type's maximum"),
    Field("layout", BROADCAST, "how the inputs broadcast to the output"),
))


def _kernel(dtype: str) -> Kernel:
    ctype = f"{dtype}_t"
    return Kernel(
        func=f"mn_squared_difference_{dtype}", source="mn_squared_difference.c", params=SQUARED_DIFFERENCE_PARAMS,
        args=(Arg("input1", "input", ctype, "broadcastable to the output"),
              Arg("input2", "input", ctype, "broadcastable to the output"),
              Arg("output", "output", ctype, "dense, flat_size elements; may be an input of flat_size elements")),
        doc=f"""SQUARED_DIFFERENCE, {dtype} (TFLM squared_difference.cc): each input rescaled as ADD's
(((v + offset) << left_shift) by MultiplyByQuantizedMultiplierSmallerThanOneExp), d = a - b, out =
clamp(MultiplyByQuantizedMultiplier(d * d, output_mult, output_shift) + output_offset, act_min, act_max).""")


SQUARED_DIFFERENCE_INT8 = _kernel("int8")
SQUARED_DIFFERENCE_INT16 = _kernel("int16")
