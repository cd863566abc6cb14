"""Compile-time quantization math: TFLM's Prepare step, done once in Python.

Every function reproduces the TFLM/TFLite C++ routine of the same purpose,
including its float32-vs-double arithmetic, so that the constants handed to
the C kernels are bit-identical to the ones TFLM computes at run time.
"""

from __future__ import annotations

import math

import numpy as np

INT8_MIN, INT8_MAX = -128, 127
INT16_MIN, INT16_MAX = -32768, 32767
QRANGE = {"int8": (INT8_MIN, INT8_MAX), "int16": (INT16_MIN, INT16_MAX),
          "uint8": (0, 255), "int32": (-(2**31), 2**31 - 1)}


def tflite_round(x: float) -> float:
    """std::round: halves away from zero (Python's round() is banker's)."""
    return math.copysign(math.floor(abs(x) + 0.5), x)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """TFLite QuantizeMultiplier: real ~= mult * 2^(shift - 31), mult in [2^30, 2^31).

    TFLM builds without TFLITE_SINGLE_ROUNDING, so shifts above 30 are not clamped.
    """
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = int(tflite_round(q * (1 << 31)))
    assert q_fixed <= (1 << 31)
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift, q_fixed = 0, 0
    return q_fixed, shift


# MultiplyByQuantizedMultiplier multiplies an int32 by 1 << shift for a positive shift: from 31 on, that
# shift itself overflows (undefined behaviour in TFLM's C++ as in C), so no model may need one.
MAX_LEFT_SHIFT = 30


def multiplier_problems(real: float, what: str) -> list[str]:
    """Problems unless `real` is a rescale TFLM's fixed-point arithmetic can represent."""
    if not math.isfinite(real) or real < 0:
        return [f"{what} rescale {real!r} is not a finite non-negative number"]
    shift = quantize_multiplier(real)[1]
    if shift > MAX_LEFT_SHIFT:
        return [f"{what} rescale {real:.6g} needs a left shift of {shift} (at most {MAX_LEFT_SHIFT}): the "
                "quantization scales are inconsistent"]
    return []


def quantize_multiplier_smaller_than_one_exp(real: float) -> tuple[int, int]:
    """TFLite QuantizeMultiplierSmallerThanOneExp (left_shift <= 0)."""
    assert 0.0 < real < 1.0, real
    mult, shift = quantize_multiplier(real)
    assert shift <= 0
    return mult, shift


def f32(x) -> np.float32:
    return np.float32(x)


def activation_range(act: str, dtype: str, scale: float, zero_point: int) -> tuple[int, int]:
    """TFLite CalculateActivationRangeQuantized (float32 arithmetic, as in C++)."""
    qmin, qmax = QRANGE[dtype]
    s = f32(scale)

    def q(f: float) -> int:
        # A bound beyond int32 is clamped to the type's range below whatever its exact value: only its
        # side matters (and an infinity, from a tiny scale, cannot be converted to an int).
        v = float(f32(f) / s)
        return zero_point + int(tflite_round(max(-2.0**40, min(2.0**40, v))))

    if act in ("NONE", None):
        return qmin, qmax
    if act == "RELU":
        return max(qmin, q(0.0)), qmax
    if act == "RELU6":
        return max(qmin, q(0.0)), min(qmax, q(6.0))
    if act == "RELU_N1_TO_1":
        return max(qmin, q(-1.0)), min(qmax, q(1.0))
    raise ValueError(f"fused activation {act} has no quantized range")


def per_channel_multipliers(input_scale: float, filter_scales: np.ndarray,
                            output_scale: float) -> tuple[np.ndarray, np.ndarray]:
    """TFLM PopulateConvolutionQuantizationParams: one (mult, shift) per output channel.

    effective = double(input_scale) * double(filter_scale) / double(output_scale).
    """
    mults, shifts = [], []
    for fs in np.asarray(filter_scales, dtype=np.float32).ravel():
        eff = float(input_scale) * float(fs) / float(output_scale)
        m, s = quantize_multiplier(eff)
        mults.append(m)
        shifts.append(s)
    return np.array(mults, dtype=np.int32), np.array(shifts, dtype=np.int32)
