"""State that persists between invokes (TFLite variable tensors): outside the arena, reset to TFLM's
initial value, compared with TFLM after every invoke of a stream."""

from __future__ import annotations

import numpy as np

from micro.arena.state import plan_state
from micro.codegen import emit_c
from micro.compiler import compile_model
from micro.frontend import read_model
from micro.ir import Graph, Op, Tensor
from micro.kernels.abi import Arg, Kernel
from micro.lowered import KernelCall, Lowered
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


def test_a_kernels_own_state_gets_a_state_buffer():
    kernel = Kernel("mn_f", "f.c", None, (Arg("x", "input", "int8_t", ""), Arg("y", "output", "int8_t", ""),
                                          Arg("s", "state", "int32_t", "")), "")
    g = Graph("g", [Tensor(0, "x", (4,), "int8"), Tensor(1, "y", (4,), "int8")], [Op(3, "X", 1, [0], [1])], [0], [1])
    call = KernelCall(kernel, {}, [0], [1], state_bytes=12, state_initial=bytes(range(12)))
    plan = plan_state(g, [Lowered(g.ops[0], call)])
    assert plan.op_offset(3) == 0 and plan.state_bytes == 16
    assert plan.buffers[0].initial.tolist() == list(range(12))
