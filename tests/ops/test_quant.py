import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from micro.quant import activation_range, quantize_multiplier, tflite_round


def test_round_half_away_from_zero():
    assert tflite_round(0.5) == 1 and tflite_round(-0.5) == -1 and tflite_round(2.5) == 3


def test_quantize_multiplier_known_values():
    assert quantize_multiplier(0.0) == (0, 0)
    assert quantize_multiplier(0.5) == (1 << 30, 0)
    assert quantize_multiplier(1.0) == (1 << 30, 1)
    m, s = quantize_multiplier(0.0001)
    assert abs(m * 2.0 ** (s - 31) - 0.0001) < 1e-12
    # below 2^-32 the multiplier flushes to zero, as in TFLite
    assert quantize_multiplier(2.0 ** -40) == (0, 0)


@settings(max_examples=200, derandomize=True)
@given(st.floats(min_value=1e-9, max_value=1e4, allow_nan=False))
def test_quantize_multiplier_is_accurate(real):
    m, s = quantize_multiplier(real)
    assert (1 << 30) <= m < (1 << 31)
    assert math.isclose(m * 2.0 ** (s - 31), real, rel_tol=2 ** -30)


def test_activation_ranges_use_float32_arithmetic():
    assert activation_range("NONE", "int8", 0.1, 3) == (-128, 127)
    assert activation_range("RELU", "int8", 0.1, -5) == (-5, 127)
    lo, hi = activation_range("RELU6", "int8", np.float32(0.0235294), -128)
    assert (lo, hi) == (-128, 127)
    assert activation_range("RELU6", "int8", 0.05, -100) == (-100, 20)
    assert activation_range("RELU_N1_TO_1", "int8", 0.01, 0) == (-100, 100)
