"""State that persists between invokes (TFLite variable tensors): outside the arena, reset to TFLM's
initial value, compared with TFLM after every invoke of a stream."""

from __future__ import annotations

import numpy as np

from micro.codegen import emit_c
from micro.compiler import compile_model
from micro.frontend import read_model
from micro.testing.tflite_builder import ModelBuilder
from micro.verify.compare import random_inputs, verify_compiled
from micro.verify.host import HostModel


def model_reading_a_variable(zero_point: int = 5) -> bytes:
    """y = x + v with v an int8 variable tensor: TFLM starts v at its zero point (ResetVariableTensor)."""
    b = ModelBuilder()
    x = b.tensor("x", (1, 8), "int8", scale=0.05, zero_point=-3)
    v = b.tensor("v", (1, 8), "int8", scale=0.04, zero_point=zero_point, is_variable=True)
    y = b.tensor("y", (1, 8), "int8", scale=0.1, zero_point=2)
    b.op("ADD", [x, v], [y])
    b.inputs([x])
    b.outputs([y])
    return b.finish()


def test_variable_tensor_is_state_not_arena():
    compiled = compile_model(read_model(model_reading_a_variable(), "stateful"))
    v = next(t.index for t in compiled.graph.tensors if t.name == "v")
    assert v in compiled.state.tensor_state and v not in compiled.plan.tensor_buffer
    assert compiled.state.state_bytes == 8
    files = emit_c(compiled).files
    assert "#define STATEFUL_STATE_BYTES 8" in files["stateful.h"]
    assert "void stateful_reset(void);" in files["stateful.h"]
    assert "memset(S%d_STATE, 5, 8);" % v in files["stateful.c"]


def test_reset_restores_the_initial_state():
    compiled = compile_model(read_model(model_reading_a_variable(-7), "stateful"))
    host = HostModel(compiled, emit_c(compiled))
    (v,) = compiled.state.tensor_state
    assert host.state_tensors()[v].tolist() == [[-7] * 8]
    host.run(random_inputs(compiled.graph, np.random.default_rng(0)))
    host.reset()
    assert host.state_tensors()[v].tolist() == [[-7] * 8]


def test_stream_verifies_state_after_every_invoke():
    buf = model_reading_a_variable()
    compiled = compile_model(read_model(buf, "stateful"))
    rng = np.random.default_rng(1)
    sets = [random_inputs(compiled.graph, rng) for _ in range(5)]
    for stream in (False, True):
        report = verify_compiled(compiled, buf, sets, stream=stream)
        assert report.ok, report.summary()
        assert report.tensors_compared == 5 * 2  # the ADD output and the state, per invoke
