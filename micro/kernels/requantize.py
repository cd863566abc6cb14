"""Requantization kernels: micro/kernels_c/mn_requantize.c.

One arithmetic for every elementwise op TFLM computes as `MultiplyByQuantizedMultiplier(x - input zero
point) + output zero point, clamped`, with a second multiplier for negative inputs: QUANTIZE between
integer types, and the 16-bit RELU, RELU6 and LEAKY_RELU (8-bit inputs use table lookups instead,
micro.kernels.lut). One C function per (input, output) type pair."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct
from micro.dtypes import C_TYPES

I32 = "int32_t"

REQUANTIZE_PARAMS = Struct("mn_requantize_params_t", "Affine requantization with a clamp.", (
    Field("size", I32, "elements"),
    Field("input_zero_point", I32, "subtracted from every input (wrapping int32)"),
    Field("output_zero_point", I32, "added to every scaled value (wrapping int32)"),
    Field("pos_mult", I32, "multiplier for x - input_zero_point >= 0, in [0, 2^31)"),
    Field("pos_shift", I32, "its shift (left if > 0)"),
    Field("neg_mult", I32, "multiplier for x - input_zero_point < 0, in [0, 2^31)"),
    Field("neg_shift", I32, "its shift"),
    Field("neg_negate", I32, "1: negate the negative branch's product (LEAKY_RELU with alpha < 0)"),
    Field("act_min", I32, "lower clamp, within the output type"),
    Field("act_max", I32, "upper clamp, within the output type"),
))

# The (input, output) pairs with a kernel, as TFLite dtype names.
REQUANTIZE_PAIRS = (("int16", "int16"), ("int16", "int8"), ("int16", "int32"), ("int8", "int16"),
                    ("int8", "int32"), ("int32", "int8"), ("int32", "int16"))


def _kernel(src: str, dst: str) -> Kernel:
    func = f"mn_requantize_{src}" if src == dst else f"mn_requantize_{src}_{dst}"
    narrowing = int(src[3:]) >= int(dst[3:])
    out_doc = "size elements" + ("; may be the input (same start address)" if narrowing else "")
    return Kernel(
        func=func, source="mn_requantize.c", params=REQUANTIZE_PARAMS,
        args=(Arg("input", "input", C_TYPES[src], "size elements"),
              Arg("output", "output", C_TYPES[dst], out_doc)),
        doc=f"""Requantize {src} -> {dst} (TFLM reference_ops::Requantize, ReluQuantized, QuantizeLeakyRelu):
  x = input[i] - input_zero_point
  y = x >= 0 ? MultiplyByQuantizedMultiplier(x, pos_mult, pos_shift)
             : (neg_negate ? -1 : 1) * MultiplyByQuantizedMultiplier(x, neg_mult, neg_shift)
  output[i] = clamp(y + output_zero_point, act_min, act_max)
with TFLM's double rounding and int32 wrap-around.""")


REQUANTIZE_KERNELS = {(s, d): _kernel(s, d) for s, d in REQUANTIZE_PAIRS}
