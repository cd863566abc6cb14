"""MUL kernels: micro/kernels_c/mn_mul.c (int8, int16; int32 is micro.kernels.arith_int32)."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct
from micro.kernels.broadcast import BROADCAST

I32 = "int32_t"

MUL_PARAMS = Struct("mn_mul_params_t", "MUL requantization and broadcast layout.", (
    Field("input1_offset", I32, "-input1 zero point (0 for int16)"),
    Field("input2_offset", I32, "-input2 zero point (0 for int16)"),
    Field("output_offset", I32, "output zero point (0 for int16)"),
    Field("output_mult", I32, "s1 * s2 / s_out as a TFLite multiplier"),
    Field("output_shift", I32, "its shift, in [-31, 30]"),
    Field("act_min", I32, "lower clamp (fused activation)"),
    Field("act_max", I32, "upper clamp (fused activation)"),
    Field("layout", BROADCAST, "how the inputs broadcast to the output"),
))


def _mul_kernel(dtype: str) -> Kernel:
    ctype = f"{dtype}_t"
    return Kernel(
        func=f"mn_mul_{dtype}", source="mn_mul.c", params=MUL_PARAMS,
        args=(Arg("input1", "input", ctype, "broadcastable to the output"),
              Arg("input2", "input", ctype, "broadcastable to the output"),
              Arg("output", "output", ctype, "dense, flat_size elements; may be an input of flat_size elements")),
        doc=f"""MUL, {dtype} (TFLM reference_integer_ops::Mul / BroadcastMul6DSlow):
out = clamp(MultiplyByQuantizedMultiplier((x + input1_offset) * (y + input2_offset), output_mult,
output_shift) + output_offset, act_min, act_max), TFLM's double rounding, left shift wrapping.""")


MUL_INT8 = _mul_kernel("int8")
MUL_INT16 = _mul_kernel("int16")
