"""TFLM's integer kernel arithmetic (gemmlowp fixedpoint.h, TFLite common.h) on numpy arrays: the same
integers as micro/kernels_c/mn_fixedpoint.h, for compile-time tables and constant folding.

Values are int32 quantities held in int64 arrays (scalars work too); every function returns int64
arrays whose values fit int32. Where TFLM relies on two's-complement wrapping (`x * (1 << s)`), so
does `wrap32`.
"""

from __future__ import annotations

import numpy as np

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def i64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)


def wrap32(x) -> np.ndarray:
    """Two's-complement wrap to int32 (what C's int32 arithmetic gives on every micro target)."""
    return ((i64(x) + 2**31) & 0xFFFFFFFF) - 2**31


def srdhm(a, b) -> np.ndarray:
    """gemmlowp SaturatingRoundingDoublingHighMul: round(a * b / 2^31), ties toward +inf."""
    a, b = i64(a), i64(b)
    ab = a * b  # |ab| <= 2^62: exact in int64
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    num = ab + nudge
    q = np.where(num >= 0, num >> 31, -((-num) >> 31))  # C division truncates toward zero
    return np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, q)


def rdbpot(x, exponent) -> np.ndarray:
    """gemmlowp RoundingDivideByPOT: x / 2^exponent rounded half away from zero, exponent >= 0.

    Exponents above 31 (which gemmlowp only asserts against) give what TFLM's x86-64 build computes:
    mask = (int32)(2^e - 1) = -1 and x >> (e & 31), so 0 becomes 1 (DIV and RSQRT reach them)."""
    x, e = i64(x), i64(exponent)
    big = e > 31
    mask = np.where(big, -1, (np.int64(1) << np.minimum(e, 31)) - 1)
    threshold = (mask >> 1) + (x < 0)
    return (x >> np.where(big, e & 31, e)) + ((x & mask) > threshold)


def mul_by_qmult(x, mult, shift) -> np.ndarray:
    """TFLM MultiplyByQuantizedMultiplier(int32 x, mult, shift), double rounding (TFLM's build)."""
    shift = i64(shift)
    left = np.maximum(shift, 0)
    return rdbpot(srdhm(wrap32(i64(x) << left), mult), np.maximum(-shift, 0))


def mul_by_qmult_lt1(x, mult, shift) -> np.ndarray:
    """TFLite MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0)."""
    return rdbpot(srdhm(x, mult), -i64(shift))


def sat_shl(x, exponent: int) -> np.ndarray:
    """gemmlowp SaturatingRoundingMultiplyByPOT<exponent> for exponent in [1, 30]: x * 2^exponent, saturated."""
    x = i64(x)
    threshold = (1 << (31 - exponent)) - 1
    return np.where(x > threshold, INT32_MAX, np.where(x < -threshold, INT32_MIN, wrap32(x << exponent)))


def rounding_half_sum(a, b) -> np.ndarray:
    """gemmlowp RoundingHalfSum (int32): (a + b) / 2, rounded half away from zero."""
    s = i64(a) + i64(b)
    t = s + np.where(s >= 0, 1, -1)
    return np.where(t >= 0, t // 2, -((-t) // 2))


def clz32(x) -> np.ndarray:
    """Leading zeros of x as uint32 (32 for 0): TFLite CountLeadingZeros."""
    u = i64(x) & 0xFFFFFFFF
    n = np.full(u.shape, 32, dtype=np.int64)
    for bit in range(32):
        n = np.where((u >> bit) != 0, 31 - bit, n)
    return n


def clrsb32(x) -> np.ndarray:
    """TFLite CountLeadingSignBits(int32): leading bits equal to the sign bit, minus one (31 for 0 and -1)."""
    x = i64(x)
    return clz32(np.where(x < 0, ~x, x)) - 1


def one_over_one_plus_x_for_x_in_0_1(a) -> np.ndarray:
    """gemmlowp one_over_one_plus_x_for_x_in_0_1: Q0.31 a -> 1 / (1 + a) in Q0.31 (Newton-Raphson in Q2.29)."""
    half_denominator = rounding_half_sum(a, INT32_MAX)
    one_q2 = 1 << 29
    x = wrap32(1515870810 + srdhm(half_denominator, -1010580540))  # 48/17 - 32/17 * d
    for _ in range(3):
        one_minus = wrap32(one_q2 - srdhm(half_denominator, x))
        x = wrap32(x + sat_shl(srdhm(x, one_minus), 2))
    return sat_shl(x, 1)


def get_reciprocal(x, x_integer_digits: int) -> tuple[np.ndarray, np.ndarray]:
    """TFLite GetReciprocal: (1/x as Q0.31 scaled down by 2^num_bits_over_unit, num_bits_over_unit).

    x == 0 (a division by zero TFLM does not guard against) gives what TFLM's build computes: a shift
    by 32 of zero, i.e. shifted_sum_minus_one = -2^31."""
    x = i64(x)
    headroom_plus_one = clz32(x)
    shifted = np.where(headroom_plus_one < 32, ((x & 0xFFFFFFFF) << np.minimum(headroom_plus_one, 31)), 0)
    shifted_sum_minus_one = wrap32(shifted - 2**31)
    return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one), x_integer_digits - headroom_plus_one


def clamp_cast(x, lo: int, hi: int, dtype) -> np.ndarray:
    """min(max(x, lo), hi) as the output element type."""
    return np.clip(i64(x), lo, hi).astype(dtype)
