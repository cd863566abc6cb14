"""DIV kernel: micro/kernels_c/mn_div_int8.c (int32 is micro.kernels.arith_int32)."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct
from micro.kernels.broadcast import BROADCAST

I32 = "int32_t"

DIV_PARAMS = Struct("mn_div_params_t", "DIV requantization and broadcast layout.", (
    Field("input1_offset", I32, "-input1 zero point"),
    Field("input2_offset", I32, "-input2 zero point"),
    Field("output_offset", I32, "output zero point"),
    Field("output_mult", I32, "s1 / (s2 * s_out) as a TFLite multiplier"),
    Field("output_shift", I32, "its shift, <= 22 (so that every element's total shift is <= 0)"),
    Field("act_min", I32, "lower clamp (fused activation)"),
    Field("act_max", I32, "upper clamp (fused activation)"),
    Field("layout", BROADCAST, "how the inputs broadcast to the output"),
))

DIV_INT8 = Kernel(
    func="mn_div_int8", source="mn_div_int8.c", params=DIV_PARAMS,
    args=(Arg("input1", "input", "int8_t", "numerator, broadcastable to the output"),
          Arg("input2", "input", "int8_t", "denominator, broadcastable to the output"),
          Arg("output", "output", "int8_t", "dense, flat_size elements; may be an input of flat_size elements")),
    doc="""DIV, int8 (TFLM reference_ops::DivElementwise / BroadcastDivSlow): with a = x + input1_offset and
b = y + input2_offset (both negated when b < 0), the reciprocal of b by GetReciprocal (gemmlowp Newton-
Raphson), a scaled up by its headroom, multiplied, and rescaled by output_mult with the total shift
output_shift - reciprocal shift - headroom. Bit-exact with the pinned x86-64 TFLM also where TFLM's C++
is undefined: b = 0 (a reciprocal of 2^31 / -2^31 from a shift by 32 of zero) and RoundingDivideByPOT
exponents above 31 (a zero or tiny numerator), where that build computes mask = -1 and x >> (e & 31).""")
