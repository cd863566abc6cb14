"""MEAN kernel: micro/kernels_c/mn_mean_int8.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

I32 = "int32_t"

MEAN_PARAMS = Struct("mn_mean_params_t", "MEAN over constant axes.", (
    Field("num_dims", I32, "input dimensions after dropping unit ones, in [1, 8]"),
    Field("out_size", I32, "output elements"),
    Field("count", I32, "input elements reduced into each output (> 0)"),
    Field("input_zp", I32, "input zero point"),
    Field("output_zp", I32, "output zero point"),
    Field("mult", I32, "multiplier folded with 1/count (QuantizedMeanOrSum), in [0, 2^31)"),
    Field("shift", I32, "its shift, in [-31, 30]"),
    Field("dims", I32, "[num_dims] input extents", array=True),
    Field("out_strides", I32, "[num_dims] output element stride of each dim, 0 where reduced", array=True),
))

MEAN_INT8 = Kernel(
    func="mn_mean_int8", source="mn_mean_int8.c", params=MEAN_PARAMS,
    args=(Arg("input", "input", "int8_t", "dense, extents dims"),
          Arg("output", "output", "int8_t", "dense over the kept dims, out_size elements; may be the input"),
          Arg("scratch", "scratch", "int32_t", "out_size int32 partial sums (4 * out_size bytes)")),
    doc="""MEAN, int8 in and out (TFLM reduce.cc EvalMean for int8):
out = clamp(MultiplyByQuantizedMultiplier(sum - input_zp * count, mult, shift) + output_zp, -128, 127).
TFLM uses this path even when input and output quantization are equal. All reads happen before the
first write, so the output may alias the input exactly.""")
