"""SOFTMAX with int16 input (TFLM SoftmaxInt16) against TFLM, and the int8 -> int16 SOFTMAX of the
keyword models.

- the LUTs TFLM builds in Prepare with float32 math: micro's exp table equals one built with the C
  library's expf (what TFLM's Prepare calls);
- Hypothesis properties (derandomize=True, MICRO_HYPOTHESIS_EXAMPLES, default 25): random shapes, input
  scales over decades, beta, through the lowered kernel (ctypes) and fold();
- whole pipeline: wide rows, equal rows, extreme inputs; the keyword models' SOFTMAX ops extracted;
- the int16 combinations TFLM rejects.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micro.compiler import support_problems
from micro.kernels.softmax import SOFTMAX_INT16
from micro.frontend import load_model, read_model
from micro.ops.softmax import INT16_RANGE, int16_luts
from micro.quant import INT16_MAX, f32, lut_populate_int16
from micro.testing.extract import op_model
from micro.testing.layers_activation import unary_model
from micro.verify.compare import verify_bytes

from support.corpus import shared_models
from support.kernel_bindings import build_kernel_library
from support.paths import need_tool
from support.unary_checks import assert_matches_oracle, value_sweep

EXAMPLES = int(os.environ.get("MICRO_HYPOTHESIS_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
OUT_Q = (1 / 32768, 0)


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    need_tool("gcc")
    return build_kernel_library(tmp_path_factory.mktemp("softmax16_kernels"), [SOFTMAX_INT16])


def softmax16(shape, scale, beta=1.0) -> bytes:
    return unary_model("SOFTMAX", shape, "int16", "int16", (scale, 0), OUT_Q, {"beta": beta})


def test_exp_lut_equals_one_built_with_the_c_library_expf():
    """TFLM's Prepare calls the C library's expf; micro rounds exp correctly (host-independent). The two
    differ by one ulp at a few points of [-10, 0] (glibc: at -2.2167969, one of the 1026 points the LUT
    samples) without changing any table entry."""
    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    libm.expf.restype, libm.expf.argtypes = ctypes.c_float, [ctypes.c_float]
    with_libm = lut_populate_int16(lambda v: np.float32(libm.expf(float(v))), float(f32(10.0) / f32(INT16_RANGE)),
                                   INT16_MAX, float(f32(2.0) / f32(INT16_RANGE)), 0)
    np.testing.assert_array_equal(with_libm, int16_luts()[0])


def test_luts_are_monotone_and_span_their_functions():
    exp_lut, recip_lut = int16_luts()
    assert exp_lut.shape == recip_lut.shape == (513,)
    assert np.all(np.diff(exp_lut.astype(int)) >= 0) and np.all(np.diff(recip_lut.astype(int)) <= 0)
    assert exp_lut[-1] == INT16_MAX and recip_lut[0] == INT16_MAX  # exp(0) = 1 / (1 + 0) = 1, saturated
    assert abs(int(recip_lut[-1]) - 16384) <= 1  # 1 / (1 + 1)


@SETTINGS
@given(rows=st.integers(1, 4), depth=st.integers(1, 40), scale_exp=st.floats(-18, 0),
       beta=st.sampled_from([1.0, 0.5, 2.0]) | st.floats(0.05, 4))
def test_softmax_int16_property(lib, rows, depth, scale_exp, beta):
    buf = softmax16((rows, depth), float(np.float32(2.0**scale_exp)), beta)
    assert_matches_oracle(lib, buf, value_sweep(read_model(buf, "m").main, np.random.default_rng(depth)))


@pytest.mark.parametrize("shape,scale,lo", [((2, 1000), 0.01, -32768), ((3, 64), 2.0**-12, 32000),
                                            ((1, 2, 3, 7), 0.3, -32768), ((4, 5), 1e-6, -32768)])
def test_softmax_int16_pipeline(shape, scale, lo):
    rng = np.random.default_rng(3)
    sets = [[rng.integers(lo, 32768, size=shape).astype(np.int16)], [np.full(shape, 1234, np.int16)],
            [np.full(shape, -32768, np.int16)]]
    report = verify_bytes(softmax16(shape, scale), "softmax_int16", inputs=sets, random=5)
    assert report.ok, report.summary()


def _keyword_softmax_ops():
    cases = []
    for path in shared_models(["tflm_keyword_scrambled", "tflm_keyword_scrambled_8bit"]):
        g = load_model(path).main
        cases += [pytest.param(path, op.index, id=f"{path.stem}-op{op.index}") for op in g.ops if op.kind == "SOFTMAX"]
    return cases


@pytest.mark.parametrize("path,op_index", _keyword_softmax_ops())
def test_keyword_model_softmax(path, op_index):
    g = load_model(path).main
    buf = op_model(g, g.ops[op_index])
    sets = value_sweep(read_model(buf, "m").main, np.random.default_rng(0), n_random=20)
    report = verify_bytes(buf, f"{path.stem}_softmax", inputs=sets, random=0)
    assert report.ok, report.summary()


@pytest.mark.parametrize("in_dtype,out_dtype,in_zp,out_q,needle", [
    ("int16", "int8", 0, (1 / 256, -128), "int16 -> int16"),
    ("int16", "int16", 5, OUT_Q, "zero points 0"),
    ("int16", "int16", 0, (1 / 65536, 0), "1/32768"),
    ("int16", "int32", 0, (1 / 65536, 0), "is int32"),
])
def test_int16_rejections(in_dtype, out_dtype, in_zp, out_q, needle):
    buf = unary_model("SOFTMAX", (1, 10), in_dtype, out_dtype, (0.001, in_zp), out_q, {"beta": 1.0})
    problems = support_problems(read_model(buf, "m"))
    assert problems and problems[0].startswith("op #0 SOFTMAX") and needle in problems[0], problems
