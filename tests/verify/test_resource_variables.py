"""Resource variables and CALL_ONCE (micro.passes.resource_variables, micro.arena.variables): mww_alexa_stream_int8
bit-exact over 300 streamed invokes (random and real audio features), every tensor and the variables after
every invoke; reset equal to a fresh init; TFLM's reset quirk (CALL_ONCE does not run again); which reads and
writes are views of the state; control flow refused by name."""

from __future__ import annotations

import numpy as np
import pytest

from micro.codegen import emit_c
from micro.compiler import compile_model
from micro.errors import UnsupportedModelError
from micro.frontend import load_model, read_model
from micro.lowered import Alias, KernelCall
from micro.verify.compare import random_inputs, verify_compiled
from micro.verify.host import HostModel
from micro.verify.oracle import Oracle, tflm_arena_bytes

from support import resource_models
from support.corpus import shared_model
from support.datasets import mww_feature_stream

MWW = "mww_alexa_stream_int8"
INVOKES = 300


@pytest.fixture(scope="module")
def mww():
    path = shared_model(MWW)
    return path, compile_model(load_model(path))


def _random(compiled, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return [random_inputs(compiled.graph, rng) for _ in range(n)]


def test_mww_streams_300_random_invokes_bit_exact(mww):
    path, compiled = mww
    report = verify_compiled(compiled, path.read_bytes(), _random(compiled, INVOKES), stream=True)
    assert report.ok, report.summary()
    # every produced tensor and the 6 variables, after every invoke
    per_invoke = sum(len(low.op.outputs) for low in compiled.lowered) + 6
    assert report.inputs_run == INVOKES and report.tensors_compared == INVOKES * per_invoke


def test_mww_streams_a_real_feature_stream_bit_exact(mww):
    path, compiled = mww
    stream = mww_feature_stream(INVOKES)
    report = verify_compiled(compiled, path.read_bytes(), stream, stream=True)
    assert report.ok, report.summary()
    host = HostModel(compiled, emit_c(compiled))
    host.reset()
    scores = [host.run(x)[0][0].item() for x in stream]
    assert max(scores) < 0.9 * 255  # yes/no/noise/silence: no wake word above the model card's cutoff


def test_mww_reset_gives_the_outputs_of_a_fresh_init(mww):
    _, compiled = mww
    host = HostModel(compiled, emit_c(compiled))   # just initialised
    probe = _random(compiled, 20, seed=7)

    def run(sets):
        out = []
        for x in sets:
            y, _ = host.run(x)
            out.append((y[0].tobytes(), {t: v.tobytes() for t, v in host.state_tensors().items()}))
        return out

    fresh = run(probe)
    run(_random(compiled, 50, seed=8))
    host.reset()
    assert run(probe) == fresh
    assert any(y != fresh[0][0] for y, _ in fresh[1:]) or len({str(s) for _, s in fresh}) > 1  # state matters


def test_mww_variables_are_state_and_reads_and_writes_are_views(mww):
    path, compiled = mww
    g, state = compiled.graph, compiled.state
    assert sorted(g.resources[t].shared_name for t in g.resources) == sorted(f"stream_{k}/states" for k in range(6, 12))
    assert state.state_bytes == sum(g.tensors[t].nbytes for t in g.resources) == 3024
    for low in compiled.lowered:
        if low.op.kind in ("READ_VARIABLE", "ASSIGN_VARIABLE"):
            assert isinstance(low.call, Alias), (low.op.index, low.notes)
    assert len(state.views) == 12 and not set(state.views) & set(compiled.plan.tensor_buffer)
    assert compiled.plan.arena_bytes <= compiled.plan.lower_bound_bytes
    tflm = tflm_arena_bytes(path.read_bytes(), compiled.model)
    ours = compiled.plan.arena_bytes + state.state_bytes
    assert ours < tflm["head"] + tflm["tail"], (ours, tflm)
    c = emit_c(compiled).files[f"{MWW}.c"]
    assert "call_once_done_" not in c  # its init subgraph assigns each variable its reset value: nothing to do


def test_call_once_value_then_tflm_reset_semantics():
    buf = resource_models.accumulator()
    compiled = compile_model(read_model(buf, "acc"))
    (var,) = compiled.graph.resources
    assert compiled.state.buffers[0].fill == 3 and list(compiled.state.buffers[0].call_once) == [10, 20, 30, 40]
    sets = _random(compiled, 12, seed=3)
    for stream in (True, False):   # non-stream: host and TFLM reset between invokes
        report = verify_compiled(compiled, buf, sets, stream=stream)
        assert report.ok, report.summary()
    host = HostModel(compiled, emit_c(compiled))
    x = [np.full((1, 4), 4, np.int8)]                                     # +1 (scale units) each invoke
    assert host.run(x)[0][0].tolist() == [[11, 21, 31, 41]]               # CALL_ONCE's values
    host.reset()
    assert host.state_tensors()[var].tolist() == [[3, 3, 3, 3]]           # TFLM: reset to the fill ...
    assert host.run(x)[0][0].tolist() == [[4, 4, 4, 4]]                   # ... and CALL_ONCE does not run again
    host.lib["acc_init"]()
    host.reset()                                                          # a reset before the first invoke
    oracle = Oracle(buf, compiled.model)
    assert host.run(x)[0][0].tolist() == np.asarray(oracle.run(x, [compiled.graph.outputs[0]])[
        compiled.graph.outputs[0]]).tolist() == [[11, 21, 31, 41]]


def test_a_read_used_after_the_assignment_is_copied():
    buf = resource_models.read_used_after_assign()
    compiled = compile_model(read_model(buf, "after"))
    calls = {low.op.kind: low for low in compiled.lowered}
    read, assign = calls["READ_VARIABLE"], calls["ASSIGN_VARIABLE"]
    assert isinstance(read.call, KernelCall) and "overwritten by op #3 ASSIGN_VARIABLE" in read.notes[0]
    assert isinstance(assign.call, Alias)   # s is written straight into the variable
    report = verify_compiled(compiled, buf, _random(compiled, 10), stream=True)
    assert report.ok, report.summary()


def test_an_assignment_after_a_later_read_is_copied():
    buf = resource_models.read_between_produce_and_assign()
    compiled = compile_model(read_model(buf, "between"))
    kinds = [(low.op.kind, type(low.call).__name__) for low in compiled.lowered]
    assert ("ASSIGN_VARIABLE", "KernelCall") in kinds and kinds.count(("READ_VARIABLE", "Alias")) == 2
    report = verify_compiled(compiled, buf, _random(compiled, 10), stream=True)
    assert report.ok, report.summary()


def test_no_views_copies_every_read_and_write():
    path = shared_model(MWW)
    compiled = compile_model(load_model(path), plan_options=dict(views=False))
    assert not compiled.state.views
    report = verify_compiled(compiled, path.read_bytes(), _random(compiled, 5), stream=True)
    assert report.ok, report.summary()


@pytest.mark.parametrize("build, expected", [
    (lambda: resource_models.control_flow("WHILE"), "op #0 WHILE: control flow is not supported"),
    (lambda: resource_models.control_flow("IF"), "op #0 IF: control flow is not supported"),
    (lambda: resource_models.accumulator(extra_init_op=True), "subgraph 1 op #1 ADD: an init subgraph may only"),
    (lambda: resource_models.accumulator(call_once_first=False), "op #2 CALL_ONCE runs after op #1 READ_VARIABLE"),
    (resource_models.unused_subgraph, "subgraph 1 'spare' (1 ops) is run by no CALL_ONCE"),
    (resource_models.read_never_assigned, "resource variable 'acc', which no ASSIGN_VARIABLE ever assigns"),
], ids=["while", "if", "init-subgraph-op", "call-once-late", "unused-subgraph", "never-assigned"])
def test_unsupported_control_flow_and_variables_are_refused_by_name(build, expected):
    with pytest.raises(UnsupportedModelError) as err:
        compile_model(read_model(build(), "flow"))
    assert expected in str(err.value)
