"""SVDF kernels: micro/kernels_c/mn_svdf_int8.c, HiFi 4 variant mn_svdf_int8_hifi4.c, one body mn_svdf_body.h
(int8 input and output; int16 or int8 time weights and activation state)."""

from __future__ import annotations

from micro.kernels.abi import Arg, Field, Kernel, Struct

I32 = "int32_t"

SVDF_PARAMS = Struct("mn_svdf_params_t", "SVDF shapes and requantizations (TFLM svdf_common.cc Prepare).", (
    Field("batches", I32, "input rows"),
    Field("input_size", I32, "input features"),
    Field("filters", I32, "feature filters = units * rank"),
    Field("units", I32, "output units"),
    Field("rank", I32, "filters summed into each unit"),
    Field("memory", I32, "time steps each filter remembers"),
    Field("feature_mult", I32, "feature matmul -> state requantization multiplier (effective_scale_1)"),
    Field("feature_shift", I32, "its shift"),
    Field("state_zero_point", I32, "activation state zero point (0 for int16 state)"),
    Field("state_min", I32, "lower clamp of a new state value before its zero point is added"),
    Field("state_max", I32, "upper clamp of a new state value before its zero point is added"),
    Field("output_mult", I32, "reduced time products -> output requantization multiplier (effective_scale_2)"),
    Field("output_shift", I32, "its shift"),
    Field("output_zero_point", I32, "output zero point"),
    Field("feature_offset", I32, "[filters] -input zero point * row sums of the feature weights", array=True),
    Field("unit_bias", I32, "[units] bias (0 without) - state zero point * row sums of the unit's time weights",
          array=True),
))

_DOC = """SVDF, int8 input and output, int8 feature weights, {t} time weights and activation state (TFLM
EvalIntegerSvdfReference<{t}_t>). Per batch, unit and rank filter f: the filter's memory shifts left by one,
  new = clamp(MultiplyByQuantizedMultiplier(feature_offset[f] + sum input * weights_feature[f],
              feature_mult, feature_shift), state_min, state_max)
  state[f][memory - 1] = ({t}_t)(state_zero_point + new)   (wraps, as TFLM's store)
and the unit sums unit_bias[u] + sum_f sum_j weights_time[f][j] * state[f][j] over its rank filters, then
output = clamp(MultiplyByQuantizedMultiplier(sum, output_mult, output_shift) + output_zero_point, -128, 127).
No scratch: each unit is reduced as its filters are computed (TFLM keeps two int32 scratch buffers)."""


def _kernel(t: str) -> Kernel:
    return Kernel(
        func=f"mn_svdf_int8_state_{t}", source="mn_svdf_int8.c", params=SVDF_PARAMS,
        variants=(("hifi4", "mn_svdf_int8_hifi4.c"),),
        args=(Arg("input", "input", "int8_t", "[batches][input_size]"),
              Arg("weights_feature", "input", "int8_t", "[filters][input_size]"),
              Arg("weights_time", "input", f"{t}_t", "[filters][memory]"),
              Arg("activation_state", "input", f"{t}_t", "[batches][filters][memory], a variable tensor",
                  in_place=True),
              Arg("output", "output", "int8_t", "[batches][units]")),
        doc=_DOC.format(t=t))


SVDF_INT8_STATE_INT16 = _kernel("int16")
SVDF_INT8_STATE_INT8 = _kernel("int8")
SVDF_KERNELS = {"int16": SVDF_INT8_STATE_INT16, "int8": SVDF_INT8_STATE_INT8}
