"""RELU, RELU6, LEAKY_RELU, PRELU, HARD_SWISH, LOGISTIC, TANH against TFLM.

- the ops corpus models of these ops, whole pipeline (compile, host gcc, every tensor), on every int8
  input value plus 20 random input sets;
- every such op of the shared real models (and of the corpus models whose other ops are not compiled
  yet), extracted into a single-op model with the same tensors, likewise;
- Hypothesis properties per op (derandomize=True, MICRO_HYPOTHESIS_EXAMPLES examples, default 25): random
  shapes, scales over decades, zero points at and between the type's extremes, int8 and int16, through
  the lowered kernel (ctypes) and the op's fold(), on every 8-bit input value;
- int16 LOGISTIC/TANH on all 65536 input values; TFLM's quirks pinned by examples;
- constant inputs fold away; the dtype combinations TFLM rejects are rejected naming op, kind, dtypes;
- one model through every kernel family of the activations and conversions, bit-exact on an emulated
  Cortex-M4 (QEMU), every intermediate tensor.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micro.compiler import compile_model, support_problems
from micro.dtypes import QRANGE
from micro.kernels.logistic import LOGISTIC_INT16
from micro.kernels.lut import LUT_KERNELS
from micro.kernels.prelu import PRELU_KERNELS
from micro.kernels.requantize import REQUANTIZE_KERNELS
from micro.kernels.tanh import TANH_INT16
from micro.frontend import load_model, read_model
from micro.lowered import Alias
from micro.testing.extract import op_model
from micro.testing.layers_activation import activation_chain_model, prelu_model, unary_model
from micro.testing.tflite_builder import ModelBuilder
from micro.verify.board import verify_on_board
from micro.verify.compare import random_inputs, verify_bytes

from support.corpus import corpus_models, shared_models
from support.kernel_bindings import build_kernel_library
from support.paths import need_tool
from support.unary_checks import assert_matches_oracle, oracle_outputs, value_sweep

KINDS = ("RELU", "RELU6", "LEAKY_RELU", "PRELU", "HARD_SWISH", "LOGISTIC", "TANH")
CORPUS = corpus_models("relu__*", "relu6__*", "leaky_relu__*", "hard_swish__*", "logistic__*")
# Real models (and corpus models of other ops) with these ops inside.
HOSTS = shared_models(["mlzoo_rnnoise_int8", "mww_alexa_stream_int8", "tflm_dtln_noise_suppression_int8"]) + \
    corpus_models("quantize__*")
EXAMPLES = int(os.environ.get("MICRO_HYPOTHESIS_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    need_tool("gcc")
    return build_kernel_library(tmp_path_factory.mktemp("act_kernels"), [*LUT_KERNELS.values(), *REQUANTIZE_KERNELS.values(), LOGISTIC_INT16, TANH_INT16, *PRELU_KERNELS.values()])


def _verify(buf: bytes, name: str, seed: int = 0):
    g = read_model(buf, name).main
    sets = value_sweep(g, np.random.default_rng(seed), n_random=20)
    report = verify_bytes(buf, name, inputs=sets, random=0)
    assert report.ok, report.summary()


# --------------------------------------------------------------------------- real models


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_model(path):
    _verify(path.read_bytes(), path.stem)


def _hosted_ops():
    cases = []
    for path in HOSTS:
        g = load_model(path).main
        cases += [pytest.param(path, op.index, id=f"{path.stem}-op{op.index}-{op.kind}")
                  for op in g.ops if op.kind in KINDS]
    return cases


@pytest.mark.parametrize("path,op_index", _hosted_ops())
def test_op_of_real_model(path, op_index):
    g = load_model(path).main
    _verify(op_model(g, g.ops[op_index]), f"{path.stem}_op{op_index}")


# --------------------------------------------------------------------------- properties


def scales(lo_exp: float, hi_exp: float):
    return st.floats(lo_exp, hi_exp).map(lambda e: float(np.float32(2.0**e)))


def zero_points(dtype: str):
    lo, hi = QRANGE[dtype]
    return st.sampled_from([lo, hi, 0]) | st.integers(lo, hi)


SHAPES = st.lists(st.integers(1, 6), min_size=1, max_size=4).map(tuple)
DTYPES = st.sampled_from(["int8", "int16"])


@st.composite
def requant_case(draw, kind: str, dtype: str, symmetric: bool = False):
    in_q = (draw(scales(-12, 3)), 0 if symmetric else draw(zero_points(dtype)))
    out_q = (float(np.float32(in_q[0] * 2.0 ** draw(st.floats(-5, 5)))), 0 if symmetric else draw(zero_points(dtype)))
    return in_q, out_q


def _check(lib, buf: bytes, seed: int = 0) -> None:
    g = read_model(buf, "m").main
    assert_matches_oracle(lib, buf, value_sweep(g, np.random.default_rng(seed)))


@SETTINGS
@given(kind=st.sampled_from(["RELU", "RELU6"]), dtype=DTYPES, shape=SHAPES, data=st.data())
def test_relu_property(lib, kind, dtype, shape, data):
    in_q, out_q = data.draw(requant_case(kind, dtype, symmetric=kind == "RELU" and dtype == "int16"))
    _check(lib, unary_model(kind, shape, dtype, dtype, in_q, out_q))


@SETTINGS
@given(dtype=DTYPES, shape=SHAPES, alpha=st.sampled_from([0.0, 0.2, 1.0, -0.5]) | st.floats(-3, 3), data=st.data())
def test_leaky_relu_property(lib, dtype, shape, alpha, data):
    in_q, out_q = data.draw(requant_case("LEAKY_RELU", dtype))
    _check(lib, unary_model("LEAKY_RELU", shape, dtype, dtype, in_q, out_q, {"alpha": alpha}))


@SETTINGS
@given(shape=SHAPES, in_scale=scales(-10, 4), out_exp=st.floats(-6.9, 10), zps=st.tuples(zero_points("int8"),
                                                                                           zero_points("int8")))
def test_hard_swish_property(lib, shape, in_scale, out_exp, zps):
    out_scale = float(np.float32(in_scale * 2.0**out_exp))  # TFLM requires out_scale >= in_scale / 128
    _check(lib, unary_model("HARD_SWISH", shape, "int8", "int8", (in_scale, zps[0]), (out_scale, zps[1])))


@SETTINGS
@given(kind=st.sampled_from(["LOGISTIC", "TANH"]), shape=SHAPES, in_scale=scales(-10, 4),
       in_zp=zero_points("int8"), out_scale=st.sampled_from([1 / 256, 1 / 128, 0.02]), tanh_zp=zero_points("int8"))
def test_sigmoid_int8_property(lib, kind, shape, in_scale, in_zp, out_scale, tanh_zp):
    # LOGISTIC needs output zero point -128 and ignores the output scale; TANH ignores both.
    out_q = (out_scale, -128 if kind == "LOGISTIC" else tanh_zp)
    _check(lib, unary_model(kind, shape, "int8", "int8", (in_scale, in_zp), out_q))


@SETTINGS
@given(kind=st.sampled_from(["LOGISTIC", "TANH"]), shape=SHAPES,
       in_scale=st.sampled_from([2.0**-11, 2.0**-12, 2.0**-13, 2.0**-15, 2.0**-8]) | scales(-16, 1))
def test_sigmoid_int16_property(lib, kind, shape, in_scale):
    _check(lib, unary_model(kind, shape, "int16", "int16", (in_scale, 0), (2.0**-15, 0)))


@SETTINGS
@given(dtype=DTYPES, shape=st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple), data=st.data())
def test_prelu_property(lib, dtype, shape, data):
    # alpha: per channel, scalar, full, or broadcast along any subset of dims; constant or an input.
    mask = data.draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)))
    alpha_shape = tuple(d if keep else 1 for d, keep in zip(shape, mask))[data.draw(st.integers(0, len(shape) - 1)):]
    in_q, out_q = data.draw(requant_case("PRELU", dtype))
    alpha_q = (data.draw(scales(-10, 0)), data.draw(zero_points("int8")))
    alpha = None
    if data.draw(st.booleans()):
        alpha = np.random.default_rng(len(shape)).integers(-128, 128, size=int(np.prod(alpha_shape)))
    _check(lib, prelu_model(shape, alpha_shape, dtype, in_q, alpha_q, out_q, alpha))


# --------------------------------------------------------------------------- exhaustive int16 and quirks


@pytest.mark.parametrize("kind", ["LOGISTIC", "TANH"])
@pytest.mark.parametrize("in_scale", [2.0**-12, 2.0**-11, 1 / 3000, 2.0**-20, 0.7])
def test_sigmoid_int16_every_value(lib, kind, in_scale):
    every = np.arange(-32768, 32768, dtype=np.int16).reshape(256, 256)
    assert_matches_oracle(lib, unary_model(kind, (256, 256), "int16", "int16", (in_scale, 0), (2.0**-15, 0)),
                          [[every]], fold=False)


def test_relu6_clamps_in_the_input_domain():
    """TFLM quirk: RELU6 ignores the output quantization (corpus: relu6__keras_activation_relu6_asym)."""
    every = np.arange(-128, 128, dtype=np.int8)
    a = unary_model("RELU6", (256,), "int8", "int8", (0.05, -10), (6 / 255, -128))
    b = unary_model("RELU6", (256,), "int8", "int8", (0.05, -10), (0.5, 40))
    out_a, out_b = (oracle_outputs(buf, [[every]])[0] for buf in (a, b))
    np.testing.assert_array_equal(out_a, out_b)
    np.testing.assert_array_equal(out_a, np.clip(every, -10, -10 + 120))


def test_logistic_int8_ignores_output_scale_and_tanh_all_output_quantization():
    every = np.arange(-128, 128, dtype=np.int8)
    for kind, outs in (("LOGISTIC", [(1 / 256, -128), (0.1, -128)]), ("TANH", [(1 / 128, 0), (0.3, 55)])):
        got = [oracle_outputs(unary_model(kind, (256,), "int8", "int8", (0.06, 3), q), [[every]])[0] for q in outs]
        np.testing.assert_array_equal(got[0], got[1])


def test_leaky_relu_negative_alpha_negates_the_product(lib):
    """alpha < 0: TFLM scales by |multiplier| and negates, so ties round away from the signed result."""
    buf = unary_model("LEAKY_RELU", (256,), "int8", "int8", (0.5, 0), (1.0, 0), {"alpha": -1.0})
    # x = -1: 0.5 * -1 * -1.0 = +0.5. TFLM computes -(round(-1 * 0.5)) with gemmlowp's round-half-up,
    # -(0) = 0; a signed multiplier (-0.5) would give round(+0.5) = 1.
    assert oracle_outputs(buf, [[np.full(256, -1, np.int8)]])[0][0] == 0
    _check(lib, buf)


def test_hard_swish_degenerate_int16_rounding(lib):
    """Output scale >= 2^10 x input scale: TFLM's int16 RoundingDivideByPOT by >= 16 degenerates, every
    output is the zero point +-1 (never the zero point itself, which 2^9 x still gives everywhere)."""
    every = [[np.arange(-128, 128, dtype=np.int8)]]
    for ratio, values in ((2**9, {5}), (2**10, {4, 6})):
        buf = unary_model("HARD_SWISH", (256,), "int8", "int8", (0.01, 0), (0.01 * ratio, 5))
        assert set(np.unique(oracle_outputs(buf, every)[0]).tolist()) == values
        _check(lib, buf)


def test_logistic_int8_zero_radius():
    """A huge input scale makes TFLM's radius 0: the zero point itself maps to -128, not 0.5."""
    buf = unary_model("LOGISTIC", (3,), "int8", "int8", (2.0**10, 7), (1 / 256, -128))
    out = oracle_outputs(buf, [[np.array([6, 7, 8], np.int8)]])[0]
    np.testing.assert_array_equal(out, [-128, -128, 127])
    _verify(buf, "logistic_radius0")


# --------------------------------------------------------------------------- fold, views, rejections


@pytest.mark.parametrize("kind,options", [("RELU", None), ("RELU6", None), ("LEAKY_RELU", {"alpha": 0.3}),
                                          ("HARD_SWISH", None), ("LOGISTIC", None), ("TANH", None)])
def test_constant_input_folds(kind, options):
    """const -> op -> ADD(x, .): the op is computed at compile time, the model stays bit-exact."""
    b = ModelBuilder()
    c = b.const("c", np.arange(-128, 128, 8, dtype=np.int8).reshape(1, 32), scale=0.07, zero_point=-3)
    out_q = {"LOGISTIC": (1 / 256, -128), "TANH": (1 / 128, 0)}.get(kind, (0.05, -20))
    t = b.tensor("t", (1, 32), "int8", *out_q)
    b.op(kind, [c], [t], options)
    x = b.tensor("x", (1, 32), "int8", 0.05, 1)
    y = b.tensor("y", (1, 32), "int8", 0.1, 0)
    b.op("ADD", [x, t], [y])
    b.inputs([x])
    b.outputs([y])
    buf = b.finish()
    assert [low.op.kind for low in compile_model(read_model(buf, "m")).lowered] == ["ADD"]
    report = verify_bytes(buf, "fold_" + kind.lower(), random=3)
    assert report.ok, report.summary()


def test_identity_requantization_is_a_view():
    buf = unary_model("RELU6", (4, 8), "int8", "int8", (0.01, -128), (0.01, -128))  # [zp, six] = whole int8 range
    (low,) = compile_model(read_model(buf, "m")).lowered
    assert isinstance(low.call, Alias)
    _verify(buf, "relu6_view")


@pytest.mark.parametrize("kind,in_dtype,out_dtype,in_q,out_q,needle", [
    ("LOGISTIC", "int8", "int16", (0.05, 0), (2.0**-15, 0), "int8 -> int8, int16 -> int16"),
    ("TANH", "int16", "int8", (2.0**-12, 0), (1 / 128, 0), "int8 -> int8, int16 -> int16"),
    ("RELU", "uint8", "uint8", (0.05, 0), (0.05, 0), "int8 -> int8, int16 -> int16"),
    ("HARD_SWISH", "int16", "int16", (0.05, 0), (0.05, 0), "int8 -> int8"),
    ("LEAKY_RELU", "int8", "int16", (0.05, 0), (0.05, 0), "int8 -> int8, int16 -> int16"),
    ("RELU", "int16", "int16", (0.05, 3), (0.05, 0), "zero points 0"),
    ("LOGISTIC", "int8", "int8", (0.05, 0), (1 / 256, 0), "zero point -128"),
    ("LOGISTIC", "int16", "int16", (2.0**-12, 0), (2.0**-14, 0), "scale 2^-15"),
    ("HARD_SWISH", "int8", "int8", (0.5, 0), (0.001, 0), "exponent <= 0"),
])
def test_rejections_name_op_kind_and_dtypes(kind, in_dtype, out_dtype, in_q, out_q, needle):
    problems = support_problems(read_model(unary_model(kind, (1, 8), in_dtype, out_dtype, in_q, out_q), "m"))
    assert problems and problems[0].startswith(f"op #0 {kind}"), problems
    assert needle in problems[0], problems
    if "->" in needle:
        assert in_dtype in problems[0] and out_dtype in problems[0]


def test_prelu_rejects_int16_alpha():
    b = ModelBuilder()
    x = b.tensor("x", (1, 8), "int16", 0.01, 0)
    a = b.tensor("a", (8,), "int16", 0.01, 0)
    y = b.tensor("y", (1, 8), "int16", 0.01, 0)
    b.op("PRELU", [x, a], [y])
    (problem,) = support_problems(read_model(b.finish(), "m"))
    assert problem.startswith("op #0 PRELU") and "alpha" in problem and "int16" in problem


def test_relu_n1_to_1_is_no_tflm_op():
    problems = support_problems(read_model(unary_model("RELU_N1_TO_1", (1, 8), "int8", "int8", (0.05, 0),
                                                       (0.05, 0)), "m"))
    assert problems and "RELU_N1_TO_1 is not supported" in problems[0]


def test_every_kernel_family_bit_exact_on_cortex_m4():
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")
    buf = activation_chain_model()
    compiled = compile_model(read_model(buf, "activation_chain"))
    rng = np.random.default_rng(0)
    sets = [random_inputs(compiled.graph, rng) for _ in range(2)] + [
        [np.arange(-128, 128, 4, dtype=np.int8).reshape(1, 4, 16)]]
    report = verify_on_board(compiled, buf, sets, "mps2_an386", trace=True)
    assert report.ok, report.summary()
