"""gemmlowp / TFLM integer arithmetic on Python ints, bit for bit: the Python twin of
micro/kernels_c/mn_fixedpoint.h.

Lowering uses it to run TFLM's integer algorithms at compile time (the 256-entry tables of the int8
activations, constant folding) and tests use it as the model of the C kernels. Every function takes
and returns plain ints holding int32 (or, where named `..._16`, int16) values; C's wrapping of
two's-complement overflow (which TFLM relies on without saying) is made explicit with `wrap`.
"""

from __future__ import annotations

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT16_MIN, INT16_MAX = -(2**15), 2**15 - 1


def wrap(x: int, bits: int = 32) -> int:
    """x as a two's-complement integer of `bits` bits (what a C cast or an overflowing add gives)."""
    half = 1 << (bits - 1)
    return ((x + half) % (1 << bits)) - half


def clamp(x: int, lo: int, hi: int) -> int:
    return lo if x < lo else hi if x > hi else x


def _trunc_div(a: int, b: int) -> int:
    """C integer division (rounds toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def srdhm(a: int, b: int) -> int:
    """SaturatingRoundingDoublingHighMul (int32): round(a * b / 2^31), ties up, INT32_MIN^2 saturates."""
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    return _trunc_div(ab + ((1 << 30) if ab >= 0 else 1 - (1 << 30)), 1 << 31)


def srdhm_16(a: int, b: int) -> int:
    """SaturatingRoundingDoublingHighMul on int16 values."""
    if a == b == INT16_MIN:
        return INT16_MAX
    ab = a * b
    return wrap(_trunc_div(ab + ((1 << 14) if ab >= 0 else 1 - (1 << 14)), 1 << 15), 16)


def rdbpot(x: int, exponent: int, bits: int = 32) -> int:
    """RoundingDivideByPOT on a `bits`-bit integer, written as gemmlowp does it (mask, remainder,
    threshold, all of the integer's type): x / 2^exponent rounded half away from zero while
    2^exponent fits the type. For int16 and exponent >= 16 the mask wraps to -1 and the result
    degenerates to 1 (x >= 0) or -1 (x < 0) plus x >> exponent; callers that reach it (HARD_SWISH)
    rely on this being what TFLM computes."""
    mask = wrap((1 << exponent) - 1, bits)
    remainder = wrap(x & mask, bits)
    threshold = wrap((mask >> 1) + (1 if x < 0 else 0), bits)
    return wrap((x >> exponent) + (1 if remainder > threshold else 0), bits)


def mul_by_quantized_multiplier(x: int, mult: int, shift: int) -> int:
    """TFLM MultiplyByQuantizedMultiplier (int32, double rounding): x * mult * 2^(shift - 31); the
    left shift `x * (1 << shift)` wraps as in C."""
    left, right = max(shift, 0), max(-shift, 0)
    return rdbpot(srdhm(wrap(x * (1 << left)), mult), right)


def sat_shl(x: int, exponent: int, bits: int = 32) -> int:
    """SaturatingRoundingMultiplyByPOT<exponent> for exponent > 0: x * 2^exponent, saturated."""
    threshold = (1 << (bits - 1 - exponent)) - 1
    if x > threshold:
        return (1 << (bits - 1)) - 1
    if x < -threshold:
        return -(1 << (bits - 1))
    return wrap(x << exponent, bits)


def rounding_half_sum(a: int, b: int) -> int:
    s = a + b
    return _trunc_div(s + (1 if s >= 0 else -1), 2)


_EXP_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308), (2, 39332535),
               (3, 720401), (4, 242))  # exp(-2^e) in Q0.31


def exp_on_interval_neg_quarter_0(a: int) -> int:
    """exp(a) for a in [-1/4, 0), Q0.31 in and out (Taylor expansion around -1/8)."""
    constant_term, one_third = 1895147668, 715827883
    x = wrap(a + (1 << 28))
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rdbpot(x4, 2)
    poly = rdbpot(wrap(srdhm(wrap(x4_over_4 + x3), one_third) + x2), 1)
    return wrap(constant_term + srdhm(constant_term, wrap(x + poly)))


def exp_on_negative_values(a: int, integer_bits: int) -> int:
    """exp(a) in Q0.31 for a <= 0 given with `integer_bits` integer bits."""
    frac_bits = 31 - integer_bits
    one_quarter = 1 << (frac_bits - 2)
    a_mod_quarter_minus_one_quarter = wrap((a & (one_quarter - 1)) - one_quarter)
    rescaled = a_mod_quarter_minus_one_quarter
    if integer_bits > 0:
        rescaled = sat_shl(rescaled, integer_bits)
    result = exp_on_interval_neg_quarter_0(rescaled)
    remainder = wrap(a_mod_quarter_minus_one_quarter - a)
    for exponent, multiplier in _EXP_BARREL:
        if integer_bits > exponent and remainder & (1 << (frac_bits + exponent)):
            result = srdhm(result, multiplier)
    if integer_bits > 5 and a < -(1 << (36 - integer_bits)):
        result = 0
    return INT32_MAX if a == 0 else result


def _newton_reciprocal_q2(a: int) -> int:
    """The Q2.29 Newton-Raphson estimate of 1 / (1 + a) shared by the two divisions below."""
    half_denominator = rounding_half_sum(a, INT32_MAX)
    x = wrap(1515870810 + srdhm(half_denominator, -1010580540))  # 48/17 - 32/17 * d
    for _ in range(3):
        one_minus = wrap((1 << 29) - srdhm(half_denominator, x))
        x = wrap(x + sat_shl(srdhm(x, one_minus), 2))
    return x


def one_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    """1 / (1 + a), Q0.31 in and out."""
    return sat_shl(_newton_reciprocal_q2(a), 1)


def one_minus_x_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    """(1 - a) / (1 + a), Q0.31 in and out."""
    return sat_shl(wrap(_newton_reciprocal_q2(a) - (1 << 29)), 2)


def logistic(a: int, integer_bits: int) -> int:
    """gemmlowp logistic: Q(integer_bits) in, Q0.31 out."""
    if a == 0:
        return 1 << 30
    positive = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(wrap(-abs(a)), integer_bits))
    return positive if a > 0 else wrap(INT32_MAX - positive)


def tanh(a: int, integer_bits: int) -> int:
    """gemmlowp tanh: Q(integer_bits) in, Q0.31 out (-tanh(-|a|) via exp(-2|a|))."""
    if a == 0:
        return 0
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(wrap(-abs(a)), integer_bits + 1))
    return wrap(-t) if a < 0 else t
