"""BATCH_MATMUL kernels: micro/kernels_c/mn_batch_matmul_int8.c and mn_batch_matmul_int16.c."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

I32 = "int32_t"
BATCH_DIMS = 3  # TFLM extends both operands to 5-D: 3 broadcast batch dims + the matrix dims

BATCH_MATMUL_PARAMS = Struct("mn_batch_matmul_params_t", """BATCH_MATMUL shapes, strides and requantization.
out[b][m][n] = clamp(MultiplyByQuantizedMultiplier(sum_k (lhs(b, m, k) + lhs_offset) * (rhs(b, k, n) +
rhs_offset), mult, shift) + output_offset, act_min, act_max), with lhs(b, m, k) at
sum_i b_i * lhs_batch_strides[i] + m * lhs_row_stride + k * lhs_depth_stride (elements) and rhs(b, k, n)
at sum_i b_i * rhs_batch_strides[i] + k * rhs_depth_stride + n * rhs_col_stride. A batch stride is 0
where that operand broadcasts; adj_x / adj_y only change the strides.""", (
    Field("batch_dims", I32, f"[{BATCH_DIMS}] output batch extents, outermost first", array=True),
    Field("lhs_batch_strides", I32, f"[{BATCH_DIMS}] lhs element strides of the batch dims (0: broadcast)",
          array=True),
    Field("rhs_batch_strides", I32, f"[{BATCH_DIMS}] rhs element strides of the batch dims (0: broadcast)",
          array=True),
    Field("rows", I32, "output rows M"),
    Field("cols", I32, "output columns N"),
    Field("depth", I32, "accumulation depth K"),
    Field("lhs_row_stride", I32, "lhs elements between rows m"),
    Field("lhs_depth_stride", I32, "lhs elements between k"),
    Field("rhs_depth_stride", I32, "rhs elements between k"),
    Field("rhs_col_stride", I32, "rhs elements between columns n"),
    Field("lhs_offset", I32, "-lhs zero point"),
    Field("rhs_offset", I32, "-rhs zero point"),
    Field("output_offset", I32, "output zero point"),
    Field("mult", I32, "output multiplier"),
    Field("shift", I32, "output shift"),
    Field("act_min", I32, "lower clamp (the dtype's minimum: BATCH_MATMUL has no fused activation)"),
    Field("act_max", I32, "upper clamp (the dtype's maximum)"),
))

BATCH_MATMUL_INT8 = Kernel(
    func="mn_batch_matmul_int8", source="mn_batch_matmul_int8.c", params=BATCH_MATMUL_PARAMS,
    args=(Arg("lhs", "input", "int8_t", "left operand"),
          Arg("rhs", "input", "int8_t", "right operand (constant or not)"),
          Arg("output", "output", "int8_t", "[batch_dims...][rows][cols]")),
    doc="""BATCH_MATMUL int8 (TFLM batch_matmul.cc EvalInt8, reference_ops::BatchMatMul<int8_t, int32_t>):
wrapping int32 sums, the double-rounding int32 MultiplyByQuantizedMultiplier.""")

BATCH_MATMUL_INT16 = Kernel(
    func="mn_batch_matmul_int16", source="mn_batch_matmul_int16.c", params=BATCH_MATMUL_PARAMS,
    args=(Arg("lhs", "input", "int16_t", "left operand"),
          Arg("rhs", "input", "int16_t", "right operand (constant or not)"),
          Arg("output", "output", "int16_t", "[batch_dims...][rows][cols]")),
    doc="""BATCH_MATMUL int16 (TFLM batch_matmul.cc EvalInt16, reference_ops::BatchMatMul<int16_t, int64_t>):
int64 sums, the 64-bit MultiplyByQuantizedMultiplier; every zero point is 0 (TFLM requires it).""")
