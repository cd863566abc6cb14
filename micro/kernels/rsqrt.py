"""RSQRT kernel: micro/kernels_c/mn_rsqrt_int8.c, a 256-entry table computed at compile time."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

LOOKUP_INT8_PARAMS = Struct("mn_lookup_int8_params_t", "An int8 -> int8 function as a table.", (
    Field("size", "int32_t", "elements"),
    Field("table", "int8_t", "[256] output for every input v at [v + 128]", array=True),
))

RSQRT_INT8 = Kernel(
    func="mn_rsqrt_int8", source="mn_rsqrt_int8.c", params=LOOKUP_INT8_PARAMS,
    args=(Arg("input", "input", "int8_t", "size elements"),
          Arg("output", "output", "int8_t", "size elements; may be the input")),
    doc="""RSQRT, int8 (TFLM elementwise.cc RsqrtEvalQuantized): out = table[x + 128], the table holding
TFLM's integer result for each of the 256 inputs (micro.ops.rsqrt computes it with TFLM's
GetInvSqrtQuantizedMultiplierExp Newton-Raphson and its two MultiplyByQuantizedMultiplier steps).""")
