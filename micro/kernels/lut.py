"""8-bit table lookup kernels: micro/kernels_c/mn_lut_int8.c (int8 output) and mn_lut_uint8.c (uint8 output).

One kernel family for every elementwise op from an 8-bit input to an 8-bit output (RELU, RELU6,
LEAKY_RELU, HARD_SWISH, LOGISTIC, TANH, QUANTIZE): lowering runs TFLM's integer algorithm for each of
the 256 input values at compile time (micro.ops.unary) and the kernel looks the answer up."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

LUT_INT8_PARAMS = Struct("mn_lut_int8_params_t", "An int8 result for every 8-bit input value.", (
    Field("size", "int32_t", "elements"),
    Field("table", "int8_t", "[256] the output for input value v at [v - input minimum]", array=True),
))
LUT_UINT8_PARAMS = Struct("mn_lut_uint8_params_t", "A uint8 result for every 8-bit input value.", (
    Field("size", "int32_t", "elements"),
    Field("table", "uint8_t", "[256] the output for input value v at [v - input minimum]", array=True),
))

_DOC = """Elementwise table lookup: output[i] = table[input[i] - input minimum] (input minimum -128 for
int8, 0 for uint8). In place: the output may be the very storage of the input."""

LUT_INT8 = Kernel(
    func="mn_lut_int8", source="mn_lut_int8.c", params=LUT_INT8_PARAMS,
    args=(Arg("input", "input", "int8_t", "size elements"),
          Arg("output", "output", "int8_t", "size elements; may be the input")),
    doc=_DOC)

LUT_INT8_UINT8 = Kernel(
    func="mn_lut_int8_uint8", source="mn_lut_uint8.c", params=LUT_UINT8_PARAMS,
    args=(Arg("input", "input", "int8_t", "size elements"),
          Arg("output", "output", "uint8_t", "size elements; may be the input")),
    doc=_DOC)

LUT_UINT8_INT8 = Kernel(
    func="mn_lut_uint8_int8", source="mn_lut_int8.c", params=LUT_INT8_PARAMS,
    args=(Arg("input", "input", "uint8_t", "size elements"),
          Arg("output", "output", "int8_t", "size elements; may be the input")),
    doc=_DOC)

# (input dtype, output dtype) -> kernel
LUT_KERNELS = {("int8", "int8"): LUT_INT8, ("int8", "uint8"): LUT_INT8_UINT8, ("uint8", "int8"): LUT_UINT8_INT8}
