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


def input_radius(integer_bits: int, left_shift: int, total_bits: int = 31) -> int:
    """TFLite CalculateInputRadius (double arithmetic): the largest |input - zero point| whose rescaled
    value stays inside the fixed-point input range; beyond it LOGISTIC/TANH saturate and SOFTMAX drops
    the term."""
    rescaled = (1.0 * ((1 << integer_bits) - 1) * float(1 << (total_bits - integer_bits))
                / float(1 << left_shift))
    return int(math.floor(rescaled))


def checked_log2(x: float) -> tuple[bool, int]:
    """TFLite CheckedLog2 in float32: (x is a power of two within 1e-3 in log2, round(log2(x)))."""
    x_log2 = f32(f32(math.log(f32(x))) * (f32(1.0) / f32(math.log(f32(2.0)))))
    rounded = f32(tflite_round(float(x_log2)))
    return bool(abs(float(f32(x_log2 - rounded))) < float(f32(1e-3))), int(rounded)


def float_to_quantized(value: float, scale: float, zero_point: int, dtype: str) -> int:
    """TFLM FloatToQuantizedType: round(value / scale) in float32, plus the zero point, clamped to the
    dtype. Raises ValueError where the C++ float-to-int conversion would overflow (undefined)."""
    q = tflite_round(float(f32(value) / f32(scale)))
    if not -(2.0**31) <= q < 2.0**31:
        raise ValueError(f"{value} / scale {scale} = {q} overflows int32 (undefined in TFLM)")
    lo, hi = QRANGE[dtype]
    return min(max(int(q) + zero_point, lo), hi)


def down_scale_multiplier_to_int16(mult: int) -> int:
    """TFLite DownScaleInt32ToInt16Multiplier: a Q0.31 multiplier rounded to Q0.15."""
    if mult >= 2**31 - 1 - (1 << 15):
        return 2**15 - 1
    return (mult + (1 << 15)) >> 16


def expf(x: np.float32) -> np.float32:
    """std::exp(float) as exp correctly rounded to float32, the same on every host. The C library's expf
    (what TFLM calls) is not always correctly rounded: glibc's differs by one ulp at one of the 1026
    points SOFTMAX's exp LUT samples, without changing any LUT entry (tests/test_ops_softmax_int16.py
    builds the LUT both ways)."""
    return f32(math.exp(float(x)))


def lut_populate_int16(transform, input_scale: float, input_zero_point: int, output_scale: float,
                       output_zero_point: int) -> np.ndarray:
    """TFLite LUTPopulateInt16<float>: a 513-entry int16 table of `transform` (float32 -> float32)
    sampled over the int16 input range, every step in float32 as the C++ does it, each entry biased by
    half the interpolation error at the step's midpoint. Lookups interpolate between entries."""
    one_half, steps = f32(2.0), 512
    s_in, s_out = f32(input_scale), f32(output_scale)
    input_min = f32(s_in * f32(INT16_MIN - input_zero_point))
    input_max = f32(s_in * f32(INT16_MAX - input_zero_point))
    output_min = f32(s_out * f32(INT16_MIN - output_zero_point))
    output_max = f32(s_out * f32(INT16_MAX - output_zero_point))
    step = f32(f32(input_max - input_min) / f32(steps))
    half_step = f32(step / one_half)
    scaling_inv = f32(f32(INT16_MAX - INT16_MIN + 1) / f32(output_max - output_min))

    def rnd(v) -> np.float32:
        return f32(tflite_round(float(v)))

    def entry(v) -> int:
        return int(min(max(float(v), float(INT16_MIN)), float(INT16_MAX)))

    lut = []
    for i in range(steps):
        at = f32(input_min + f32(f32(i) * step))
        val = transform(at)
        val_midpoint = transform(f32(at + half_step))
        val_next = transform(f32(input_min + f32(f32(i + 1) * step)))
        sample = rnd(f32(val * scaling_inv))
        midpoint_interp = rnd(f32(f32(f32(val_next * scaling_inv) + sample) / one_half))
        midpoint = rnd(f32(val_midpoint * scaling_inv))
        bias = rnd(f32(f32(midpoint_interp - midpoint) / one_half))
        lut.append(entry(f32(sample - bias)))
    lut.append(entry(rnd(f32(transform(input_max) * scaling_inv))))
    return np.array(lut, dtype=np.int16)
