"""Elementwise arithmetic (ADD, SUB, MUL, DIV, SQUARED_DIFFERENCE, MAXIMUM, MINIMUM, RSQRT) bit-exact with TFLM.

- every corpus model of these ops: its inputs plus 20 random input sets, every tensor;
- every int8 input pair (65536) of each quantized binary op, and every valid RSQRT input, for several
  quantizations (this is what pins TFLM's Prepare arithmetic, e.g. DIV's double-precision multiplier,
  and its x86-64 behaviour where its C++ is undefined: DIV by a zero-valued input, huge shifts);
- Hypothesis property tests per op: random shapes and broadcasts up to 6-D, every element type TFLM
  supports, scales and zero points spanning the int8 and int16 ranges, fused activations; each example
  verifies micro's compiled model and the op's constant-folding `fold` against the oracle;
- rejected models: operand types TFLM rejects, broadcasts above TFLM's 6-D, int16 zero points;
- constant folding: a constant-only SUB disappears at compile time and the model still verifies.

Set MICRO_HYPOTHESIS_EXAMPLES to run more (or fewer) examples per op.
"""

from __future__ import annotations

import copy
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from micro.compiler import compile_model, support_problems
from micro.errors import InvalidModelError, UnsupportedModelError
from micro.frontend import read_model
from micro.ops import module_for
from micro.testing.layers_elementwise import binary_model, folded_subgraph_model, int8_pairs, unary_model

from support.corpus import corpus_models

import tflite_micro.python.tflite_micro.runtime  # noqa: F401,E402  (the oracle)
from micro.verify.compare import verify_bytes, verify_file  # noqa: E402
from micro.verify.oracle import Oracle  # noqa: E402

KINDS = ("ADD", "SUB", "MUL", "DIV", "SQUARED_DIFFERENCE", "MAXIMUM", "MINIMUM", "RSQRT")
CORPUS_KINDS = [k for k in KINDS if k != "DIV"]  # the corpus has no DIV model
CORPUS = corpus_models(*(f"{k.lower()}__*.tflite" for k in CORPUS_KINDS))
EXAMPLES = int(os.environ.get("MICRO_HYPOTHESIS_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])
ACTS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")
DTYPES = {"ADD": ("int8", "int16", "int32"), "SUB": ("int8", "int16", "int32"), "MUL": ("int8", "int16", "int32"),
          "DIV": ("int8", "int32"), "SQUARED_DIFFERENCE": ("int8", "int16", "int32"),
          "MAXIMUM": ("int8", "int16", "int32", "int64"), "MINIMUM": ("int8", "int16", "int32", "int64")}
INFO = {d: np.iinfo(d) for d in ("int8", "int16", "int32", "int64")}


def _ok(report):
    assert report.ok, report.summary()


# --------------------------------------------------------------------------- corpus

def test_corpus_has_every_op():
    assert {p.name.split("__")[0] for p in CORPUS} == {k.lower() for k in CORPUS_KINDS}


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_model(path):
    _ok(verify_file(path, random=20, seed=3))


# --------------------------------------------------------------------------- every int8 input pair

PAIR_CASES = [
    ("ADD", (0.05, 3), (0.02, -5), (0.1, 2), "NONE"),
    ("ADD", (0.004, -128), (0.3, 127), (0.31, -7), "RELU"),
    ("SUB", (0.05, 3), (0.02, -5), (0.1, 2), "NONE"),
    ("SUB", (0.0117647, -43), (0.0235272, 0), (0.0352432, -15), "RELU6"),
    ("SUB", (0.3, 100), (0.001, -100), (0.2, 0), "RELU_N1_TO_1"),
    ("MUL", (0.05, 3), (0.02, -5), (0.004, 2), "NONE"),
    ("MUL", (0.9, -128), (0.7, 127), (0.001, 0), "RELU"),
    ("MUL", (0.001, 10), (0.002, -10), (0.5, -100), "NONE"),
    ("DIV", (0.05, 3), (0.02, -5), (0.1, 2), "NONE"),
    ("DIV", (0.01, 100), (0.01, -100), (0.0001, 0), "NONE"),
    ("DIV", (0.02, -128), (0.03, 10), (0.004, -20), "RELU"),
    ("DIV", (0.3, 0), (0.002, 0), (2.0, 5), "RELU6"),
    ("SQUARED_DIFFERENCE", (0.0235253, 0), (0.0195638, -77), (0.190189, -128), "NONE"),
    ("SQUARED_DIFFERENCE", (0.3, 50), (0.001, -128), (0.01, 0), "NONE"),
    ("SQUARED_DIFFERENCE", (0.01, -3), (0.05, 3), (20.0, -128), "NONE"),
]


@pytest.mark.parametrize("kind,qa,qb,qo,act", PAIR_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(PAIR_CASES)])
def test_every_int8_pair(kind, qa, qb, qo, act):
    xs, ys = int8_pairs()
    buf = binary_model(kind, "int8", xs.shape, ys.shape, qa, qb, qo, act)
    _ok(verify_bytes(buf, f"pairs_{kind}", inputs=[[xs, ys]], random=0))
    assert np.array_equal(_fold(buf, [xs, ys]), _oracle(buf, [xs, ys]))


@pytest.mark.parametrize("qi,qo", [((0.0117629, -128), (0.0123445, -128)), ((0.0313695, -128), (0.0055223, -128)),
                                   ((0.002, -20), (0.5, 3)), ((1.5, 60), (0.001, -128)), ((0.2, 127), (0.2, 0))],
                         ids=str)
def test_rsqrt_every_valid_input(qi, qo):
    x = np.arange(qi[1], 128, dtype=np.int8)  # TFLM fails the invoke below the zero point
    buf = unary_model("RSQRT", "int8", x.shape, qi, qo)
    _ok(verify_bytes(buf, "rsqrt_all", inputs=[[x]], random=0))
    assert np.array_equal(_fold(buf, [x]), _oracle(buf, [x]))


# --------------------------------------------------------------------------- property tests

def _oracle(buf: bytes, inputs) -> np.ndarray:
    model = read_model(buf, "m")
    oracle = Oracle(buf, model)
    try:
        out = model.main.outputs[0]
        return np.asarray(oracle.run(inputs, [out])[out]).reshape(model.main.tensors[out].shape)
    finally:
        oracle.close()


def _fold(buf: bytes, inputs) -> np.ndarray:
    """The single op's fold(op, g) with the model inputs made constants."""
    g = copy.copy(read_model(buf, "m").main)
    g.tensors = list(g.tensors)
    for t_idx, x in zip(g.inputs, inputs):
        t = copy.copy(g.tensors[t_idx])
        t.data = np.asarray(x).reshape(t.shape)
        g.tensors[t_idx] = t
    op = g.ops[0]
    (out,) = module_for(op).fold(op, g)
    return out.reshape(g.tensors[op.outputs[0]].shape)


@st.composite
def broadcast_pair(draw, max_rank: int = 6):
    """Two shapes that broadcast (numpy rules) to an output of up to max_rank dims."""
    rank = draw(st.integers(0, max_rank))
    out = [draw(st.integers(1, 4)) for _ in range(rank)]

    def operand():
        r = draw(st.integers(0, rank))
        return tuple(d if draw(st.booleans()) else 1 for d in out[rank - r:])

    return operand(), operand()


def _scale(draw, lo: float, hi: float) -> float:
    return float(np.float32(2.0 ** draw(st.floats(lo, hi))))


def _quant(draw, kind: str, dtype: str):
    """(qa, qb, qo) spanning the type's scales and zero points, the output scale near the result's range."""
    if dtype in ("int32", "int64"):
        return None, None, None
    i8 = dtype == "int8"
    zero_pinned = dtype == "int16" and kind in ("MUL", "SQUARED_DIFFERENCE")  # TFLM requires 0

    def zp():
        if zero_pinned:
            return 0
        lo, hi = (-128, 127) if i8 else (-32768, 32767)
        return draw(st.one_of(st.just(0), st.integers(lo, hi)))

    s1, s2 = (_scale(draw, -12, 2) if i8 else _scale(draw, -18, -4) for _ in range(2))
    # Output scale: the result's natural scale times 2^u (u > 0 coarser, u < 0 saturating more).
    natural = {"MUL": s1 * s2 * (2 ** 10 if i8 else 2 ** 22), "DIV": s1 / s2,
               "SQUARED_DIFFERENCE": max(s1, s2) ** 2 * (2 ** 10 if i8 else 2 ** 22)}.get(kind, max(s1, s2))
    so = float(np.float32(natural * 2.0 ** draw(st.floats(-4, 4))))
    if kind in ("MAXIMUM", "MINIMUM") and draw(st.booleans()):
        q = (s1, zp())  # as a converter writes them: one quantization for all three
        return q, q, q
    return (s1, zp()), (s2, zp()), (so, zp())


def _inputs(draw, kind: str, dtype: str, shapes) -> list[np.ndarray]:
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    info = INFO[dtype]
    xs = [rng.integers(info.min, info.max, size=s, endpoint=True, dtype=dtype) for s in shapes]
    if kind == "DIV" and dtype == "int32":  # TFLM traps on a zero divisor and on INT32_MIN / -1
        xs[1] = np.where(xs[1] == 0, 7, xs[1]).astype(dtype)
        xs[0] = np.where(xs[0] == info.min, 5, xs[0]).astype(dtype)
    return xs


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "RSQRT"])
@SETTINGS
@given(data=st.data())
def test_binary_op_matches_tflm(kind, data):
    draw = data.draw
    dtype = draw(st.sampled_from(DTYPES[kind]))
    shape_a, shape_b = draw(broadcast_pair())
    qa, qb, qo = _quant(draw, kind, dtype)
    act = draw(st.sampled_from(ACTS))
    const_b = draw(st.integers(0, 3)) == 0 and kind != "DIV"
    x, y = _inputs(draw, kind, dtype, (shape_a, shape_b))
    buf = binary_model(kind, dtype, shape_a, shape_b, qa, qb, qo, act, const_b=y if const_b else None)
    assume(not support_problems(read_model(buf, "m")))  # a rescale TFLM itself rejects
    inputs = [x] if const_b else [x, y]
    report = verify_bytes(buf, f"{kind.lower()}_{dtype}", inputs=[inputs], random=1)
    assert report.ok, f"{kind} {dtype} {shape_a} {shape_b} {qa} {qb} {qo} {act}: {report.summary()}"
    assert np.array_equal(_fold(buf, inputs), _oracle(buf, inputs)), "fold differs from TFLM"


@SETTINGS
@given(data=st.data())
def test_rsqrt_matches_tflm(data):
    draw = data.draw
    shape = draw(broadcast_pair())[0] or (3,)
    qi = (_scale(draw, -10, 3), draw(st.integers(-128, 127)))
    qo = (_scale(draw, -10, 3), draw(st.integers(-128, 127)))
    x = np.random.default_rng(draw(st.integers(0, 2**16))).integers(qi[1], 128, size=shape).astype(np.int8)
    buf = unary_model("RSQRT", "int8", shape, qi, qo)
    _ok(verify_bytes(buf, "rsqrt", inputs=[[x]], random=0))
    assert np.array_equal(_fold(buf, [x]), _oracle(buf, [x]))


# --------------------------------------------------------------------------- TFLM quirks, pinned

@pytest.mark.parametrize("kind,clamped", [("ADD", False), ("SUB", True), ("MUL", True), ("DIV", True)])
def test_int32_fused_activation(kind, clamped):
    """TFLM's int32 ADD ignores its fused activation; SUB, MUL and DIV clamp to the int32 RELU6 range."""
    x = np.array([-50, -3, 0, 4, 9, 1000], np.int32)
    y = np.array([7, 2, 1, 3, -1, 2], np.int32)
    buf = binary_model(kind, "int32", x.shape, y.shape, act="RELU6")
    _ok(verify_bytes(buf, f"{kind}_relu6", inputs=[[x, y]], random=0))
    out = _oracle(buf, [x, y])
    assert (out.min() >= 0 and out.max() <= 6) == clamped, out


@pytest.mark.parametrize("kind", ["ADD", "SUB"])
def test_int16_ignores_pot_scale_option(kind):
    """Power-of-two scales with pot_scale_int16 set: TFLM still takes the general rescaling."""
    q = (2.0 ** -12, 0)
    buf = binary_model(kind, "int16", (1, 9), (9,), q, (2.0 ** -10, 0), (2.0 ** -11, 0),
                       options={"pot_scale_int16": True})
    _ok(verify_bytes(buf, f"{kind}_pot", random=5))


# --------------------------------------------------------------------------- rejected models

Q8 = (0.05, 0)
Q16 = (0.001, 0)


def _problems(buf: bytes) -> str:
    with pytest.raises(UnsupportedModelError) as err:
        compile_model(read_model(buf, "bad"))
    return str(err.value)


@pytest.mark.parametrize("kind", ["ADD", "SUB", "MUL", "DIV", "SQUARED_DIFFERENCE", "MINIMUM"])
def test_mixed_operand_types_are_rejected(kind):
    b = binary_model(kind, "int8", (1, 4), (1, 4), Q8, Q8, Q16, out_dtype="int16")
    msg = _problems(b)
    assert f"op #0 {kind}" in msg and "int8" in msg and "int16" in msg, msg


@pytest.mark.parametrize("kind,dtype", [("DIV", "int16"), ("MAXIMUM", "uint8"), ("ADD", "int64")])
def test_unsupported_types_are_rejected(kind, dtype):
    q = None if dtype == "int64" else (0.05, 0 if dtype != "uint8" else 128)
    msg = _problems(binary_model(kind, dtype, (2, 3), (2, 3), q, q, q))
    assert f"op #0 {kind}" in msg and dtype in msg, msg


def test_rsqrt_int16_is_rejected():
    msg = _problems(unary_model("RSQRT", "int16", (4,), Q16, Q16))
    assert "op #0 RSQRT" in msg and "int16" in msg, msg


@pytest.mark.parametrize("kind", ["MUL", "SQUARED_DIFFERENCE"])
def test_int16_zero_points_must_be_zero(kind):
    msg = _problems(binary_model(kind, "int16", (4,), (4,), (0.001, 3), Q16, Q16))
    assert f"op #0 {kind}" in msg and "zero point 3" in msg, msg


def test_quantized_int32_add_is_rejected():
    msg = _problems(binary_model("ADD", "int32", (4,), (4,), (0.5, 0), (0.5, 0), (0.5, 0)))
    assert "op #0 ADD" in msg and "unquantized" in msg, msg


@pytest.mark.parametrize("kind", ["ADD", "SUB", "MUL", "MAXIMUM"])
def test_broadcast_above_six_dims_fails_at_compile_time(kind):
    """TFLM only fails such a model at run time (a debug check); micro refuses it when reading it."""
    with pytest.raises(InvalidModelError) as err:
        read_model(binary_model(kind, "int8", (2, 1, 1, 1, 1, 1, 3), (1, 2, 1, 1, 1, 1, 1), Q8, Q8, Q8), "bad")
    msg = str(err.value)
    assert "rank 7" in msg and "6 dimensions" in msg, msg


def test_shapes_that_do_not_broadcast_are_rejected():
    msg = _problems(binary_model("SUB", "int8", (2, 3), (3, 2), Q8, Q8, Q8, shape_out=(2, 3)))
    assert "op #0 SUB" in msg and "do not broadcast" in msg, msg


# --------------------------------------------------------------------------- constant folding

def test_constant_sub_is_folded_away():
    buf = folded_subgraph_model(np.random.default_rng(5))
    compiled = compile_model(read_model(buf, "folded"))
    assert [low.op.kind for low in compiled.lowered] == ["MUL"]
    _ok(verify_bytes(buf, "folded", random=5))
