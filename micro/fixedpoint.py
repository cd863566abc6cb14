"""TFLM's integer arithmetic (gemmlowp fixedpoint.h, TFLite common.h) in Python, bit for bit: the twin of
micro/kernels_c/mn_fixedpoint.h. Lowering runs TFLM's integer algorithms with it at compile time (the
tables of the int8 activations and RSQRT, constant folding) and tests use it as the model of the kernels.

Every function takes ints or numpy arrays (elementwise) and returns int64 numpy values (0-d for scalars)
holding int32 quantities, or int16 ones where `bits=16` / `_16` says so. C's wrapping of two's-complement
overflow, which TFLM relies on without saying, is explicit (`wrap`).
"""

from __future__ import annotations

import numpy as np

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT16_MIN, INT16_MAX = -(2**15), 2**15 - 1


def i64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)


def wrap(x, bits: int = 32) -> np.ndarray:
    """x as a two's-complement integer of `bits` bits (what a C cast or an overflowing add gives)."""
    half = 1 << (bits - 1)
    return ((i64(x) + half) & ((1 << bits) - 1)) - half


def wrap32(x) -> np.ndarray:
    return wrap(x, 32)


def clamp(x, lo: int, hi: int) -> np.ndarray:
    return np.minimum(np.maximum(i64(x), lo), hi)


def clamp_cast(x, lo: int, hi: int, dtype) -> np.ndarray:
    """min(max(x, lo), hi) as the output element type."""
    return clamp(x, lo, hi).astype(dtype)


def _trunc_div_pot(x, exponent: int) -> np.ndarray:
    """C's x / 2^exponent (rounds toward zero)."""
    x = i64(x)
    return np.where(x >= 0, x >> exponent, -((-x) >> exponent))


def srdhm(a, b) -> np.ndarray:
    """gemmlowp SaturatingRoundingDoublingHighMul (int32): round(a * b / 2^31), ties up, INT32_MIN^2 saturates."""
    a, b = i64(a), i64(b)
    ab = a * b  # |ab| <= 2^62: exact in int64
    q = _trunc_div_pot(ab + np.where(ab >= 0, 1 << 30, 1 - (1 << 30)), 31)
    return np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, q)


def srdhm_16(a, b) -> np.ndarray:
    """SaturatingRoundingDoublingHighMul on int16 values."""
    a, b = i64(a), i64(b)
    ab = a * b
    q = wrap(_trunc_div_pot(ab + np.where(ab >= 0, 1 << 14, 1 - (1 << 14)), 15), 16)
    return np.where((a == INT16_MIN) & (b == INT16_MIN), INT16_MAX, q)


def rdbpot(x, exponent, bits: int = 32) -> np.ndarray:
    """gemmlowp RoundingDivideByPOT on a `bits`-bit integer, as gemmlowp writes it (mask, remainder,
    threshold, all of the integer's type): x / 2^exponent rounded half away from zero while 2^exponent
    fits the type. Beyond, what TFLM's builds compute: for int16 and exponent >= 16 the mask wraps to -1
    (HARD_SWISH reaches it); for int32 and exponent > 31 (which gemmlowp only asserts against) the x86-64
    build masks with -1 and shifts by exponent & 31, so 0 becomes 1 (DIV and RSQRT reach it)."""
    x, e = i64(x), i64(exponent)
    mask = wrap((np.int64(1) << np.minimum(e, 62)) - 1, bits)
    remainder = wrap(x & mask, bits)
    threshold = wrap((mask >> 1) + (x < 0), bits)
    return wrap((x >> np.where(e > 31, e & 31, e)) + (remainder > threshold), bits)


def mul_by_qmult(x, mult, shift) -> np.ndarray:
    """TFLM MultiplyByQuantizedMultiplier(int32 x, mult, shift), double rounding (TFLM's build): the left
    shift `x * (1 << shift)` wraps as in C."""
    shift = i64(shift)
    return rdbpot(srdhm(wrap32(i64(x) << np.maximum(shift, 0)), mult), np.maximum(-shift, 0))


def mul_by_qmult_lt1(x, mult, shift) -> np.ndarray:
    """TFLite MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0)."""
    return rdbpot(srdhm(x, mult), -i64(shift))


def sat_shl(x, exponent: int, bits: int = 32) -> np.ndarray:
    """gemmlowp SaturatingRoundingMultiplyByPOT<exponent> for exponent > 0: x * 2^exponent, saturated."""
    x = i64(x)
    threshold = (1 << (bits - 1 - exponent)) - 1
    top = (1 << (bits - 1)) - 1
    return np.where(x > threshold, top, np.where(x < -threshold, -top - 1, wrap(x << exponent, bits)))


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


def _newton_reciprocal_q2(a) -> np.ndarray:
    """The Q2.29 Newton-Raphson estimate of 1 / (1 + a), a in Q0.31 [0, 1), shared by the divisions below."""
    half_denominator = rounding_half_sum(a, INT32_MAX)
    x = wrap32(1515870810 + srdhm(half_denominator, -1010580540))  # 48/17 - 32/17 * d
    for _ in range(3):
        one_minus = wrap32((1 << 29) - srdhm(half_denominator, x))
        x = wrap32(x + sat_shl(srdhm(x, one_minus), 2))
    return x


def one_over_one_plus_x_for_x_in_0_1(a) -> np.ndarray:
    """1 / (1 + a), Q0.31 in and out."""
    return sat_shl(_newton_reciprocal_q2(a), 1)


def one_minus_x_over_one_plus_x_for_x_in_0_1(a) -> np.ndarray:
    """(1 - a) / (1 + a), Q0.31 in and out."""
    return sat_shl(wrap32(_newton_reciprocal_q2(a) - (1 << 29)), 2)


def get_reciprocal(x, x_integer_digits: int) -> tuple[np.ndarray, np.ndarray]:
    """TFLite GetReciprocal: (1/x as Q0.31 scaled down by 2^num_bits_over_unit, num_bits_over_unit).

    x == 0 (a division by zero TFLM does not guard against) gives what TFLM's build computes: a shift
    by 32 of zero, i.e. shifted_sum_minus_one = -2^31."""
    x = i64(x)
    headroom_plus_one = clz32(x)
    shifted = np.where(headroom_plus_one < 32, ((x & 0xFFFFFFFF) << np.minimum(headroom_plus_one, 31)), 0)
    shifted_sum_minus_one = wrap32(shifted - 2**31)
    return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one), x_integer_digits - headroom_plus_one


_EXP_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308), (2, 39332535),
               (3, 720401), (4, 242))  # exp(-2^e) in Q0.31


def exp_on_interval_neg_quarter_0(a) -> np.ndarray:
    """exp(a) for a in [-1/4, 0), Q0.31 in and out (Taylor expansion around -1/8)."""
    constant_term, one_third = 1895147668, 715827883
    x = wrap32(i64(a) + (1 << 28))
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rdbpot(x4, 2)
    poly = rdbpot(wrap32(srdhm(wrap32(x4_over_4 + x3), one_third) + x2), 1)
    return wrap32(constant_term + srdhm(constant_term, wrap32(x + poly)))


def exp_on_negative_values(a, integer_bits: int) -> np.ndarray:
    """exp(a) in Q0.31 for a <= 0 given with `integer_bits` integer bits."""
    a = i64(a)
    frac_bits = 31 - integer_bits
    one_quarter = 1 << (frac_bits - 2)
    a_mod_quarter_minus_one_quarter = wrap32((a & (one_quarter - 1)) - one_quarter)
    rescaled = a_mod_quarter_minus_one_quarter
    if integer_bits > 0:
        rescaled = sat_shl(rescaled, integer_bits)
    result = exp_on_interval_neg_quarter_0(rescaled)
    remainder = wrap32(a_mod_quarter_minus_one_quarter - a)
    for exponent, multiplier in _EXP_BARREL:
        if integer_bits > exponent:
            result = np.where(remainder & (1 << (frac_bits + exponent)), srdhm(result, multiplier), result)
    if integer_bits > 5:
        result = np.where(a < -(1 << (36 - integer_bits)), 0, result)
    return np.where(a == 0, INT32_MAX, result)


def logistic(a, integer_bits: int) -> np.ndarray:
    """gemmlowp logistic: Q(integer_bits) in, Q0.31 out."""
    a = i64(a)
    positive = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(wrap32(-np.abs(a)), integer_bits))
    return np.where(a == 0, 1 << 30, np.where(a > 0, positive, wrap32(INT32_MAX - positive)))


def tanh(a, integer_bits: int) -> np.ndarray:
    """gemmlowp tanh: Q(integer_bits) in, Q0.31 out (-tanh(-|a|) via exp(-2|a|))."""
    a = i64(a)
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(wrap32(-np.abs(a)), integer_bits + 1))
    return np.where(a == 0, 0, np.where(a < 0, wrap32(-t), t))
