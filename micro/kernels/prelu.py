"""PRELU kernels: micro/kernels_c/mn_prelu.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

I32 = "int32_t"

PRELU_PARAMS = Struct("mn_prelu_params_t", "PRELU rescaling and broadcast layout.", (
    Field("input_offset", I32, "-input zero point"),
    Field("alpha_offset", I32, "-alpha zero point"),
    Field("output_offset", I32, "output zero point"),
    Field("output_mult_1", I32, "multiplier for inputs at or above the zero point (input / output scale)"),
    Field("output_shift_1", I32, "its shift"),
    Field("output_mult_2", I32, "multiplier for (input - zp) * (alpha - zp) (input * alpha / output scale)"),
    Field("output_shift_2", I32, "its shift"),
    Field("size", I32, "output elements"),
    Field("broadcast", I32, "0: input and alpha hold size elements in output order"),
    Field("dims", I32, "[6] collapsed output extents, outermost first", array=True),
    Field("input_strides", I32, "[6] input element strides (0 where broadcast)", array=True),
    Field("alpha_strides", I32, "[6] alpha element strides (0 where broadcast)", array=True),
))

_DOC = """PRELU (TFLM reference_ops::BroadcastPrelu4DSlow): per output element, with x from input and a from alpha,
  v = x + input_offset
  out = v >= 0 ? MultiplyByQuantizedMultiplier(v, output_mult_1, output_shift_1)
               : MultiplyByQuantizedMultiplier(v * (a + alpha_offset), output_mult_2, output_shift_2)
  output = clamp(out + output_offset) to the output type.
Layout as micro.ops.add.broadcast_layout (dims padded in front with 1s). In place: the output may be the
storage of an input holding size elements; it must not overlap a broadcast input."""

PRELU_KERNELS = {
    dtype: Kernel(
        func=f"mn_prelu_{dtype}", source="mn_prelu.c", params=PRELU_PARAMS,
        args=(Arg("input", "input", ctype, "broadcastable to the output"),
              Arg("alpha", "input", "int8_t", "broadcastable to the output"),
              Arg("output", "output", ctype, "dense, size elements")),
        doc=_DOC)
    for dtype, ctype in (("int8", "int8_t"), ("int16", "int16_t"))
}
