"""SVDF and UNIDIRECTIONAL_SEQUENCE_LSTM single-op models (micro.testing.layers_recurrent), bit-exact with
TFLM over consecutive invokes on the same state: every output and the state tensors compared after every
invoke (verify_compiled(stream=True)).

Property tests: hypothesis, derandomize=True, MICRO_HYPOTHESIS_EXAMPLES examples (25 by default).
Reproduce a failure with the printed parameters: `svdf_model(np.random.default_rng(seed), **params)`."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from micro.compiler import compile_model
from micro.errors import UnsupportedModelError
from micro.frontend import read_model
from micro.fixedpoint import mul_by_qmult
from micro.ops import check_op
from micro.quant import quantize_multiplier
from micro.testing.tflite_builder import ModelBuilder
from micro.testing.layers_recurrent import lstm_model, svdf_model
from micro.verify.compare import random_inputs, verify_compiled
from support.paths import need_tool

EXAMPLES = int(os.environ.get("MICRO_HYPOTHESIS_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
INVOKES = 4
SEEDS = st.integers(0, 2**16)


@pytest.fixture(autouse=True, scope="module")
def _host_compiler():
    need_tool("gcc")


def stream_report(buf: bytes, oracle_buf: bytes | None = None, invokes: int = INVOKES, seed: int = 0):
    """Compile `buf`, run `invokes` random inputs on one state, compare with TFLM running `oracle_buf`
    (default: the same model) after every invoke."""
    compiled = compile_model(read_model(buf, "recurrent"))
    rng = np.random.default_rng(seed)
    sets = [random_inputs(compiled.graph, rng) for _ in range(invokes)]
    return verify_compiled(compiled, oracle_buf or buf, sets, stream=True)


# ---- SVDF --------------------------------------------------------------------------------------

@SETTINGS
@given(seed=SEEDS, batch=st.integers(1, 2), input_size=st.integers(1, 24), units=st.integers(1, 6),
       rank=st.integers(1, 3), memory=st.integers(1, 8), state_dtype=st.sampled_from(["int16", "int8"]),
       bias=st.sampled_from(["random", "zeros", "none"]))
@example(seed=3932, batch=2, input_size=17, units=5, rank=2, memory=1, state_dtype="int16", bias="random")
@example(seed=11, batch=2, input_size=9, units=3, rank=3, memory=6, state_dtype="int8", bias="none")
def test_svdf_random_layers_stream_bit_exact(seed, batch, input_size, units, rank, memory, state_dtype, bias):
    """Without a bias the oracle runs the same model with an all-zero bias (the pinned TFLM crashes in
    Prepare on an absent SVDF bias; its Eval treats it as zeros: see the test below)."""
    params = dict(batch=batch, input_size=input_size, units=units, rank=rank, memory=memory,
                  state_dtype=state_dtype)
    buf = svdf_model(np.random.default_rng(seed), bias=bias, **params)
    oracle = svdf_model(np.random.default_rng(seed), bias="zeros", **params) if bias == "none" else None
    report = stream_report(buf, oracle_buf=oracle)
    assert report.ok, f"seed={seed} params={params} bias={bias}: {report.summary()}"
    assert report.tensors_compared == 2 * INVOKES   # the output and the activation state, every invoke


@pytest.mark.parametrize("state_dtype", ["int16", "int8"])
@pytest.mark.parametrize("rank", [1, 2])
def test_svdf_without_bias_computes_as_tflm_eval_with_zero_bias(state_dtype, rank):
    """TFLM's SVDF Prepare reads the absent bias's scale (the pinned tflite-micro crashes on such a model);
    its Eval treats a missing bias as zeros, which is what micro compiles: the same model with an all-zero
    bias is the oracle."""
    params = dict(batch=2, input_size=10, units=3, rank=rank, memory=5, state_dtype=state_dtype)
    without = svdf_model(np.random.default_rng(7), bias="none", **params)
    zeros = svdf_model(np.random.default_rng(7), bias="zeros", **params)
    report = stream_report(without, oracle_buf=zeros, invokes=6)
    assert report.ok, report.summary()


def _svdf_time_sum_model(time_weights_scale: float, output_scale: float, bias: int) -> bytes:
    """SVDF whose state is its input (feature and state scales make effective_scale_1 exactly 1), so the
    unit's time sum is 1 * input + bias: any value, to probe effective_scale_2's rounding."""
    state_scale = 2.0 ** -14
    b = ModelBuilder()
    x = b.tensor("input", (1, 1), "int8", 2.0 ** -7, 0)
    wf = b.const("weights_feature", np.array([[1]], np.int8), 2.0 ** -7, 0)
    wt = b.const("weights_time", np.array([[1]], np.int16), time_weights_scale, 0)
    bias_t = b.const("bias", np.array([bias], np.int32), float(np.float32(state_scale) * np.float32(time_weights_scale)))
    state = b.tensor("activation_state", (1, 1), "int16", state_scale, 0, is_variable=True)
    y = b.tensor("output", (1, 1), "int8", output_scale, 0)
    b.op("SVDF", [x, wf, wt, bias_t, state], [y], {"rank": 1}, version=3)
    b.inputs([x])
    b.outputs([y])
    return b.finish()


@pytest.mark.parametrize("time_weights_scale, output_scale, time_sum", [
    (0.002259485889226198, 0.001753758522681892, -1112725), (0.0015981561737135053, 0.005791672505438328, 1751566),
    (0.001811034046113491, 0.003562080906704068, -2336334)])
def test_svdf_effective_scales_are_double_precision(time_weights_scale, output_scale, time_sum):
    """Time sums where the float32 quotient of the scales and the double one requantize differently: the
    pinned TFLM agrees with the double one (micro/ops/svdf.py)."""
    ss, wts, ys = np.float32(2.0 ** -14), np.float32(time_weights_scale), np.float32(output_scale)
    single = quantize_multiplier(float(np.float32(ss * wts) / ys))
    double = quantize_multiplier(float(ss) * float(wts) / float(ys))
    assert mul_by_qmult(time_sum, *single) != mul_by_qmult(time_sum, *double)
    buf = _svdf_time_sum_model(time_weights_scale, output_scale, time_sum - 1)
    compiled = compile_model(read_model(buf, "tie"))
    report = verify_compiled(compiled, buf, [[np.array([[1]], np.int8)]], stream=True)
    assert report.ok, report.summary()


def test_svdf_refuses_a_state_of_another_type_than_the_time_weights():
    g = read_model(svdf_model(np.random.default_rng(0)), "m").main
    op = g.ops[0]
    g.t(op.inputs[4]).dtype = "int8"
    assert any("reads the state as the time weights' type" in p for p in check_op(op, g))


def test_svdf_refuses_a_state_that_is_not_a_variable():
    g = read_model(svdf_model(np.random.default_rng(0)), "m").main
    op = g.ops[0]
    g.t(op.inputs[4]).is_variable = False
    assert any("not a variable tensor" in p for p in check_op(op, g))


# ---- UNIDIRECTIONAL_SEQUENCE_LSTM -------------------------------------------------------------

@SETTINGS
@given(seed=SEEDS, batch=st.integers(1, 3), time_steps=st.integers(1, 5), input_size=st.integers(1, 20),
       units=st.integers(1, 8), time_major=st.booleans(), cell_scale_power=st.integers(-15, -10),
       cell_clip=st.sampled_from([0.0, 10.0, 0.75]), bias=st.sampled_from(["random", "zeros"]))
def test_lstm_random_layers_stream_bit_exact(seed, batch, time_steps, input_size, units, time_major,
                                             cell_scale_power, cell_clip, bias):
    """With and without bias: a model without gate biases carries all-zero bias tensors (TFLM's integer LSTM
    requires the four; an absent one is refused, see test_lstm_refuses_absent_gate_biases)."""
    params = dict(batch=batch, time_steps=time_steps, input_size=input_size, units=units, time_major=time_major,
                  cell_scale_power=cell_scale_power, cell_clip=cell_clip, bias=bias)
    report = stream_report(lstm_model(np.random.default_rng(seed), **params))
    assert report.ok, f"seed={seed} params={params}: {report.summary()}"
    assert report.tensors_compared == 3 * INVOKES   # every time step's output, hidden and cell state


def test_lstm_refuses_absent_gate_biases():
    """TFLM's Prepare (ValidateTensorSize) reads the shape of each of the four gate biases: a model without
    them cannot run in TFLM, and micro says which inputs are missing."""
    with pytest.raises(UnsupportedModelError, match=r"inputs \[12, 13, 14, 15\] are absent.*requires them"):
        compile_model(read_model(lstm_model(np.random.default_rng(0), bias="none"), "m"))


def _lstm_op(**params):
    g = read_model(lstm_model(np.random.default_rng(0), **params), "m").main
    return g, g.ops[0]


@pytest.mark.parametrize("positions, words", [((20, 21, 22, 23), "layer normalization"), ((16,), "projection"),
                                              ((9, 10, 11), "peephole")])
def test_lstm_refuses_the_variants_tflm_refuses(positions, words):
    g, op = _lstm_op()
    for p in positions:
        op.inputs[p] = op.inputs[13]    # any tensor: TFLM requires these inputs absent
    problems = check_op(op, g)
    assert any(words in p and "TFLM" in p for p in problems), problems


def test_lstm_refuses_cifg_and_16x8_clearly():
    g, op = _lstm_op()
    op.inputs[1] = op.inputs[5] = op.inputs[12] = None
    assert any("CIFG" in p for p in check_op(op, g))
    g, op = _lstm_op()
    g.t(op.inputs[0]).dtype = "int16"
    assert any("16x8" in p for p in check_op(op, g))


def test_lstm_refuses_a_relu_cell_gate():
    """TFLM's CalculateLstmGate aborts on any cell gate activation but sigmoid and tanh (and a flatbuffer
    has no sigmoid)."""
    buf = lstm_model(np.random.default_rng(0), activation="RELU")
    with pytest.raises(UnsupportedModelError, match="cell gate activation RELU"):
        compile_model(read_model(buf, "m"))


def test_lstm_output_may_start_before_its_input():
    """The kernel writes output rows in ascending order after reading the same input row: the planner may
    overlap them (the output starts `units` bytes before the input when input rows are the wider)."""
    compiled = compile_model(read_model(lstm_model(np.random.default_rng(3), time_steps=6, input_size=12,
                                                   units=4), "m"))
    call = compiled.lowered[0].call
    assert call.overlap_gap == {0: 4}
    x, y = compiled.graph.inputs[0], compiled.graph.outputs[0]
    assert compiled.plan.arena_bytes < compiled.graph.t(x).nbytes + compiled.graph.t(y).nbytes
    report = stream_report(lstm_model(np.random.default_rng(3), time_steps=6, input_size=12, units=4))
    assert report.ok, report.summary()
