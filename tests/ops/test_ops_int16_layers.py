"""16x8 ops (int16 activations, int8 weights) and BATCH_MATMUL: random single-op models, bit-exact
against TFLM, and the errors for dtype combinations TFLM does not run.

Property tests as tests/test_hypothesis_layers.py: each example builds one model with
micro.testing.layers_int16 and runs micro's full pipeline through `verify_bytes` (compile -> host gcc ->
every tensor compared with the TFLM oracle on random full-range inputs). Deterministic for CI
(derandomize=True); MICRO_HYPOTHESIS_EXAMPLES sets the examples per test (default 25). Reproduce a
failure with the printed params and seed, e.g. `layers_int16.conv_layer_int16(np.random.default_rng(seed),
in_range=..., **params)`.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micro.compiler import support_problems
from micro.frontend import read_model
from micro.testing import layers_int16 as l16
from micro.testing.quantize import RANGE_KINDS, random_range
from micro.testing.tflite_builder import ModelBuilder
from support.oracle import tflm_interpreter
from support.paths import need_tool

import micro.verify.compare as verify  # noqa: E402  (the oracle is a test requirement)

EXAMPLES = int(os.environ.get("MICRO_HYPOTHESIS_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ACTS = st.sampled_from(["NONE", "RELU", "RELU6", "RELU_N1_TO_1"])
OUT_MULT = st.sampled_from([1.0, 0.25, 0.02, 3.0])
SEEDS = st.integers(0, 2**16)
RANGES = st.sampled_from(RANGE_KINDS)


@pytest.fixture(autouse=True, scope="module")
def _host_compiler():
    need_tool("gcc")


def check(make, seed: int, range_kind: str, params: dict, name: str) -> None:
    rng = np.random.default_rng(seed)
    in_range = random_range(rng, range_kind)
    data = make(rng, in_range=in_range, **params)
    report = verify.verify_bytes(data, name=name, random=3, seed=0)
    assert report.ok, f"{name} seed={seed} range={range_kind} in_range={in_range} params={params}: {report}"


@st.composite
def spatial(draw, max_hw=8, max_k=4):
    kh, kw = draw(st.integers(1, max_k)), draw(st.integers(1, max_k))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    eff_h, eff_w = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1
    lo_h, lo_w = (eff_h, eff_w) if padding == "VALID" else (1, 1)
    return dict(kh=kh, kw=kw, stride=stride, dilation=dilation, padding=padding,
                h=draw(st.integers(lo_h, max(lo_h, max_hw))), w=draw(st.integers(lo_w, max(lo_w, max_hw))))


@st.composite
def conv_params(draw):
    p = draw(spatial())
    p.update(n=draw(st.integers(1, 2)), cin=draw(st.integers(1, 6)), cout=draw(st.integers(1, 6)), act=draw(ACTS),
             per_channel=draw(st.booleans()), with_bias=draw(st.booleans()),
             bias_dtype=draw(st.sampled_from(["int64", "int64", "int32"])), out_scale_mult=draw(OUT_MULT))
    return p


@st.composite
def depthwise_params(draw):
    p = draw(spatial())
    p.update(n=draw(st.integers(1, 2)), cin=draw(st.integers(1, 5)), multiplier=draw(st.integers(1, 3)),
             act=draw(ACTS), per_channel=draw(st.booleans()), out_scale_mult=draw(OUT_MULT))
    return p


@st.composite
def fc_params(draw):
    return dict(batches=draw(st.integers(1, 4)), in_depth=draw(st.integers(1, 40)), units=draw(st.integers(1, 12)),
                act=draw(ACTS), per_channel=draw(st.booleans()), with_bias=draw(st.booleans()),
                bias_dtype=draw(st.sampled_from(["int64", "int64", "int32"])), out_scale_mult=draw(OUT_MULT))


@st.composite
def pool_params(draw):
    fh, fw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    lo_h, lo_w = (fh, fw) if padding == "VALID" else (1, 1)
    return dict(n=draw(st.integers(1, 2)), h=draw(st.integers(lo_h, 9)), w=draw(st.integers(lo_w, 9)),
                c=draw(st.integers(1, 5)), fh=fh, fw=fw, stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))),
                padding=padding, act=draw(st.sampled_from(["NONE", "RELU", "RELU6"])))


@st.composite
def batch_matmul_params(draw):
    """Operands of rank 2..5 whose batch dims broadcast (numpy rules, leading dims may be missing)."""
    batch = [draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 3)))]

    def operand_batch():
        dims = [d if draw(st.booleans()) else 1 for d in batch]
        return dims[draw(st.integers(0, len(dims))):]

    m, k, n = draw(st.integers(1, 5)), draw(st.integers(1, 9)), draw(st.integers(1, 5))
    adj_x, adj_y = draw(st.booleans()), draw(st.booleans())
    lhs = tuple(operand_batch()) + ((k, m) if adj_x else (m, k))
    rhs = tuple(operand_batch()) + ((n, k) if adj_y else (k, n))
    return dict(lhs_shape=lhs, rhs_shape=rhs, adj_x=adj_x, adj_y=adj_y, dtype=draw(st.sampled_from(["int8", "int16"])),
                const_rhs=draw(st.booleans()), out_scale_mult=draw(st.sampled_from([1.0, 0.25, 3.0])))


@SETTINGS
@given(params=conv_params(), seed=SEEDS, range_kind=RANGES)
def test_conv_2d_int16(params, seed, range_kind):
    check(l16.conv_layer_int16, seed, range_kind, params, "conv_2d_int16")


@SETTINGS
@given(params=depthwise_params(), seed=SEEDS, range_kind=RANGES)
def test_depthwise_conv_2d_int16(params, seed, range_kind):
    check(l16.depthwise_layer_int16, seed, range_kind, params, "depthwise_conv_2d_int16")


@SETTINGS
@given(params=fc_params(), seed=SEEDS, range_kind=RANGES)
def test_fully_connected_int16(params, seed, range_kind):
    check(l16.fully_connected_layer_int16, seed, range_kind, params, "fully_connected_int16")


@SETTINGS
@given(params=pool_params(), seed=SEEDS, range_kind=RANGES)
def test_average_pool_2d_int16(params, seed, range_kind):
    check(l16.pool_layer_int16, seed, range_kind, dict(params, kind="AVERAGE_POOL_2D"), "average_pool_2d_int16")


@SETTINGS
@given(params=pool_params(), seed=SEEDS, range_kind=RANGES)
def test_max_pool_2d_int16(params, seed, range_kind):
    check(l16.pool_layer_int16, seed, range_kind, dict(params, kind="MAX_POOL_2D"), "max_pool_2d_int16")


@SETTINGS
@given(params=batch_matmul_params(), seed=SEEDS, range_kind=RANGES)
def test_batch_matmul(params, seed, range_kind):
    check(l16.batch_matmul_layer, seed, range_kind, params, "batch_matmul")


def test_int32_and_int64_accumulation_differ():
    """A bias-less 16x8 CONV_2D: quantized_bias_type selects TFLM's int32 (double rounding) or int64
    (16-bit multiplier) requantization. micro reproduces each, and TFLM's two outputs do differ."""
    x = np.random.default_rng(9).integers(-32768, 32768, size=(1, 6, 6, 8)).astype(np.int16)
    outputs = {}
    for bias_dtype in ("int32", "int64"):
        buf = l16.conv_layer_int16(np.random.default_rng(3), cin=8, with_bias=False, bias_dtype=bias_dtype,
                                   out_scale_mult=0.3)
        report = verify.verify_bytes(buf, name=f"conv_{bias_dtype}", random=3, seed=0)
        assert report.ok, report.summary()
        it = tflm_interpreter(buf)
        it.set_input(x, 0)
        it.invoke()
        outputs[bias_dtype] = it.get_output(0)
    assert not np.array_equal(outputs["int32"], outputs["int64"])


# --------------------------------------------------------------------------- dtype errors

def _conv(x_dtype: str, w_dtype: str, bias_dtype: str | None, y_dtype: str, kind: str = "CONV_2D") -> bytes:
    b = ModelBuilder()
    x = b.tensor("x", (1, 4, 4, 2), x_dtype, scale=0.01, zero_point=0)
    axis = 0 if kind == "CONV_2D" else 3
    w_shape = (2, 3, 3, 2) if kind == "CONV_2D" else (1, 3, 3, 2)
    wt = b.const("w", np.ones(w_shape, np.dtype(w_dtype)), scale=np.full(2, 0.01, np.float32), axis=axis)
    bt = None if bias_dtype is None else b.const("b", np.zeros(2, np.dtype(bias_dtype)), scale=1e-4)
    y = b.tensor("y", (1, 4, 4, 2), y_dtype, scale=0.02, zero_point=0)
    opts = {"padding": "SAME", "depth_multiplier": 1} if kind == "DEPTHWISE_CONV_2D" else {"padding": "SAME"}
    b.op(kind, [x, wt, bt], [y], opts)
    return b.finish()


@pytest.mark.parametrize("kind,x,w,bias,y,fragment", [
    ("CONV_2D", "int16", "int16", "int64", "int16", "filter int16"),
    ("CONV_2D", "int16", "int8", "int64", "int8", "output int8"),
    ("CONV_2D", "int8", "int8", "int64", "int8", "bias int64"),
    ("DEPTHWISE_CONV_2D", "int16", "int8", "int32", "int16", "bias int32"),
    ("DEPTHWISE_CONV_2D", "int8", "int8", "int32", "int16", "output int16"),
])
def test_dtype_combination_errors(kind, x, w, bias, y, fragment):
    """Combinations TFLM does not run are refused naming the op (index, kind) and every dtype."""
    problems = support_problems(read_model(_conv(x, w, bias, y, kind), "m"))
    assert len(problems) == 1, problems
    msg = problems[0]
    assert msg.startswith(f"op #0 {kind}") and fragment in msg and "supported" in msg, msg


def test_batch_matmul_errors():
    b = ModelBuilder()
    lhs = b.tensor("lhs", (2, 3, 4), "int16", scale=0.01, zero_point=3)
    rhs = b.tensor("rhs", (2, 4, 5), "int16", scale=0.01, zero_point=0)
    y = b.tensor("y", (2, 3, 5), "int16", scale=0.02, zero_point=0)
    b.op("BATCH_MATMUL", [lhs, rhs], [y], {"adj_x": False, "adj_y": False})
    problems = support_problems(read_model(b.finish(), "m"))
    assert problems and "zero point 3" in problems[0] and "op #0 BATCH_MATMUL" in problems[0], problems

    b = ModelBuilder()
    lhs = b.tensor("lhs", (2, 3, 4), "int8", scale=0.01, zero_point=0)
    rhs = b.tensor("rhs", (2, 4, 5), "int16", scale=0.01, zero_point=0)
    y = b.tensor("y", (2, 3, 5), "int8", scale=0.02, zero_point=0)
    b.op("BATCH_MATMUL", [lhs, rhs], [y], {"adj_x": False, "adj_y": False})
    problems = support_problems(read_model(b.finish(), "m"))
    assert problems and "rhs int16" in problems[0], problems

    b = ModelBuilder()
    lhs = b.tensor("lhs", (2, 3, 4), "int8", scale=0.01, zero_point=0)
    rhs = b.tensor("rhs", (3, 4, 5), "int8", scale=0.01, zero_point=0)
    y = b.tensor("y", (3, 3, 5), "int8", scale=0.02, zero_point=0)
    b.op("BATCH_MATMUL", [lhs, rhs], [y], {"adj_x": False, "adj_y": False})
    problems = support_problems(read_model(b.finish(), "m"))
    assert problems and "do not broadcast" in problems[0], problems


def _mixed_model(kind: str, in_dtypes, out_dtype: str, consts=(), options=None) -> bytes:
    """One `kind` op over non-constant inputs of in_dtypes (shape 1x4x4x2) plus constant inputs."""
    b = ModelBuilder()
    xs = [b.tensor(f"x{i}", (1, 4, 4, 2), d, scale=0.01, zero_point=0) for i, d in enumerate(in_dtypes)]
    cs = [b.const(f"c{i}", np.asarray(v, np.int32)) for i, v in enumerate(consts)]
    shape = {"MEAN": (1, 1, 1, 2)}.get(kind, (1, 4, 4, 2))
    y = b.tensor("y", shape, out_dtype, scale=1 / 256 if kind == "SOFTMAX" else 0.01,
                 zero_point=-128 if kind == "SOFTMAX" and out_dtype == "int8" else 0)
    b.op(kind, xs + cs, [y], options or {})
    b.inputs(xs)
    b.outputs([y])
    return b.finish()


@pytest.mark.parametrize("kind,ins,out,consts,options", [
    ("ADD", ("int8", "int16"), "int8", (), {}),
    ("ADD", ("int16", "int16"), "int8", (), {}),
    ("SOFTMAX", ("int16",), "int8", (), {"beta": 1.0}),
    ("MEAN", ("int8",), "int16", ([1, 2],), {"keep_dims": True}),
    ("PAD", ("int8",), "int16", ([[0, 0], [0, 0], [0, 0], [0, 0]],), {}),
    ("TRANSPOSE", ("int8",), "int16", ([0, 1, 2, 3],), {}),
    ("AVERAGE_POOL_2D", ("int8",), "int16", (), {"filter_height": 1, "filter_width": 1, "padding": "VALID"}),
    ("MAX_POOL_2D", ("int16",), "int8", (), {"filter_height": 1, "filter_width": 1, "padding": "VALID"}),
])
def test_mixed_dtypes_are_refused_by_every_module(kind, ins, out, consts, options):
    """Dtype mixes TFLM refuses (its kernels need input and output of one type): micro refuses them
    naming the op (index and kind) and the offending dtype."""
    problems = support_problems(read_model(_mixed_model(kind, ins, out, consts, options), "m"))
    assert problems, f"{kind} {ins} -> {out} was accepted"
    assert problems[0].startswith(f"op #0 {kind}") and "int16" in problems[0], problems
