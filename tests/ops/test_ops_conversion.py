"""QUANTIZE and CAST between integer types against TFLM; DEQUANTIZE's clear rejection.

- every QUANTIZE and CAST of the shared real models and of the ops corpus, extracted into a single-op
  model with the same tensors, whole pipeline on every 8-bit input value plus 20 random sets;
- Hypothesis properties (derandomize=True, MICRO_HYPOTHESIS_EXAMPLES, default 25) over every type pair
  TFLM supports, scales over decades and zero points at the extremes, through the lowered kernel
  (ctypes) and fold();
- views (identity requantization, int32 <-> uint32), and the pairs TFLM rejects.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micro.compiler import compile_model, support_problems
from micro.dtypes import QRANGE
from micro.kernels.cast import CAST_KERNELS
from micro.kernels.lut import LUT_KERNELS
from micro.kernels.requantize import REQUANTIZE_KERNELS
from micro.frontend import load_model, read_model
from micro.lowered import Alias
from micro.testing.extract import op_model
from micro.testing.layers_activation import OP_DTYPES, unary_model
from micro.testing.tflite_builder import ModelBuilder
from micro.verify.compare import verify_bytes

from support.corpus import corpus_models, shared_models
from support.kernel_bindings import build_kernel_library
from support.paths import need_tool
from support.unary_checks import assert_matches_oracle, value_sweep

HOSTS = shared_models(["mlzoo_rnnoise_int8", "mww_alexa_stream_int8", "tflm_keyword_scrambled",
                       "tflm_keyword_scrambled_8bit", "tflm_audio_preprocessor_int8"]) + corpus_models("quantize__*")
EXAMPLES = int(os.environ.get("MICRO_HYPOTHESIS_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SHAPES = st.lists(st.integers(1, 6), min_size=1, max_size=4).map(tuple)


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    need_tool("gcc")
    return build_kernel_library(tmp_path_factory.mktemp("conversion_kernels"), [*LUT_KERNELS.values(), *REQUANTIZE_KERNELS.values(), *CAST_KERNELS.values()])


def _verify(buf: bytes, name: str, seed: int = 0):
    g = read_model(buf, name).main
    report = verify_bytes(buf, name, inputs=value_sweep(g, np.random.default_rng(seed), n_random=20), random=0)
    assert report.ok, report.summary()


def _hosted_ops():
    cases = []
    for path in HOSTS:
        g = load_model(path).main
        cases += [pytest.param(path, op.index, id=f"{path.stem}-op{op.index}-{op.kind}")
                  for op in g.ops if op.kind in ("QUANTIZE", "CAST")]
    return cases


@pytest.mark.parametrize("path,op_index", _hosted_ops())
def test_op_of_real_model(path, op_index):
    g = load_model(path).main
    _verify(op_model(g, g.ops[op_index]), f"{path.stem}_op{op_index}")


def zero_points(dtype: str):
    lo, hi = QRANGE[dtype] if dtype != "int32" else (-(2**20), 2**20)
    return st.sampled_from([lo, hi, 0]) | st.integers(lo, hi)


@SETTINGS
@given(pair=st.sampled_from(OP_DTYPES["QUANTIZE"]), shape=SHAPES, data=st.data())
def test_quantize_property(lib, pair, shape, data):
    in_dtype, out_dtype = pair
    in_scale = float(np.float32(2.0 ** data.draw(st.floats(-16, 4))))
    # Output scales from 2^-12 x to 2^20 x the input's: left and right shifts, saturation both ways.
    out_scale = float(np.float32(in_scale * 2.0 ** data.draw(st.floats(-12, 20))))
    buf = unary_model("QUANTIZE", shape, in_dtype, out_dtype, (in_scale, data.draw(zero_points(in_dtype))),
                      (out_scale, data.draw(zero_points(out_dtype))))
    assert_matches_oracle(lib, buf, value_sweep(read_model(buf, "m").main, np.random.default_rng(len(shape))))


@SETTINGS
@given(pair=st.sampled_from(OP_DTYPES["CAST"]), shape=SHAPES)
def test_cast_property(lib, pair, shape):
    buf = unary_model("CAST", shape, *pair, None, None)
    assert_matches_oracle(lib, buf, value_sweep(read_model(buf, "m").main, np.random.default_rng(len(shape))))


@pytest.mark.parametrize("kind,pair,quant", [
    ("QUANTIZE", ("int8", "int8"), ((0.02, 5), (0.02, 5))),
    ("QUANTIZE", ("int16", "int16"), ((0.001, 0), (0.001, 0))),
    ("CAST", ("int32", "uint32"), (None, None)),
    ("CAST", ("uint32", "int32"), (None, None)),
    ("CAST", ("int16", "int16"), (None, None)),
])
def test_value_preserving_ops_are_views(kind, pair, quant):
    buf = unary_model(kind, (3, 7), *pair, *quant)
    (low,) = compile_model(read_model(buf, "m")).lowered
    assert isinstance(low.call, Alias) == (pair[0] == pair[1] or kind == "CAST")
    _verify(buf, f"view_{kind.lower()}")


def test_int8_to_uint8_is_a_table():
    """TFLM's `v ^ 0x80` fast path (same scale, zero points 128 apart) is the table's values."""
    buf = unary_model("QUANTIZE", (1, 300), "int8", "uint8", (1 / 256, -128), (1 / 256, 0))
    (low,) = compile_model(read_model(buf, "m")).lowered
    np.testing.assert_array_equal(low.call.params["table"], np.arange(256, dtype=np.uint8))
    _verify(buf, "quantize_int8_uint8")


@pytest.mark.parametrize("kind,pair,needle", [
    ("QUANTIZE", ("uint8", "uint8"), "uint8 -> uint8"),
    ("QUANTIZE", ("int32", "int32"), "int32 -> int32"),
    ("QUANTIZE", ("int16", "uint8"), "int16 -> uint8"),
    ("QUANTIZE", ("uint8", "int16"), "uint8 -> int16"),
    ("CAST", ("int8", "uint8"), "int8 -> uint8"),
    ("CAST", ("bool", "int32"), "bool -> int32"),
])
def test_rejected_pairs_name_op_kind_and_dtypes(kind, pair, needle):
    quant = (0.05, 0) if kind == "QUANTIZE" else None
    problems = support_problems(read_model(unary_model(kind, (1, 8), *pair, quant, quant), "m"))
    assert len(problems) == 1 and problems[0].startswith(f"op #0 {kind}"), problems
    assert f"is {pair[0]}" in problems[0] and f"is {pair[1]}" in problems[0] and "TFLM" in problems[0]


def test_float_quantize_and_dequantize_are_rejected_clearly():
    """float32 model inputs and outputs are out of scope: no shared model dequantizes to a float output."""
    for kind, pair in (("QUANTIZE", ("float32", "int8")), ("DEQUANTIZE", ("int8", "float32"))):
        qin = None if pair[0] == "float32" else (0.05, 0)
        qout = None if pair[1] == "float32" else (0.05, 0)
        problems = support_problems(read_model(unary_model(kind, (1, 8), *pair, qin, qout), "m"))
        assert any("float32" in p and "integer" in p for p in problems), problems
        assert any(p.startswith(f"op #0 {kind}") for p in problems), problems


def test_constant_quantize_folds():
    b = ModelBuilder()
    c = b.const("c", np.arange(-1000, 1000, 125, dtype=np.int16).reshape(1, 16), scale=0.001, zero_point=0)
    t = b.tensor("t", (1, 16), "int8", 0.02, -7)
    b.op("QUANTIZE", [c], [t])
    x = b.tensor("x", (1, 16), "int8", 0.05, 1)
    y = b.tensor("y", (1, 16), "int8", 0.1, 0)
    b.op("ADD", [x, t], [y])
    b.inputs([x])
    b.outputs([y])
    buf = b.finish()
    assert [low.op.kind for low in compile_model(read_model(buf, "m")).lowered] == ["ADD"]
    report = verify_bytes(buf, "fold_quantize", random=3)
    assert report.ok, report.summary()


def _constant_to_output(kind: str, pair, quant) -> bytes:
    """x -> ADD -> z and a constant -> kind -> y, both graph outputs."""
    b = ModelBuilder()
    x = b.tensor("x", (1, 8), "int8", 0.05, 0)
    c = b.const("c", np.arange(-4, 4).reshape(1, 8).astype(pair[0]), *(quant or (None, None)))
    y = b.tensor("y", (1, 8), pair[1], *(quant or (None, None)))
    z = b.tensor("z", (1, 8), "int8", 0.05, 0)
    b.op(kind, [c], [y])
    b.op("ADD", [x, x], [z])
    b.inputs([x])
    b.outputs([z, y])
    return b.finish()


def test_constant_into_a_graph_output_is_computed_not_viewed():
    """A value-preserving op on a constant feeding a graph output gets its own storage (no view of a
    weight); a bit-preserving CAST of one has no copy kernel and is refused clearly."""
    report = verify_bytes(_constant_to_output("QUANTIZE", ("int8", "int8"), (0.05, 0)), "const_quantize", random=2)
    assert report.ok, report.summary()
    (problem,) = support_problems(read_model(_constant_to_output("CAST", ("int32", "uint32"), None), "m"))
    assert problem.startswith("op #0 CAST") and "constant" in problem
