from hypothesis import given, settings
from hypothesis import strategies as st

from micro.arena.greedy import place_greedy_by_size
from micro.arena.lifetimes import Buffer, lower_bound
from micro.arena.plan import ArenaPlan
from micro.compiler import compile_model
from micro.frontend import load_model
from micro.verify.oracle import tflm_arena_bytes

from support.paths import MODELS


@st.composite
def buffer_sets(draw):
    n = draw(st.integers(1, 25))
    out = []
    for i in range(n):
        first = draw(st.integers(-1, 20))
        last = draw(st.integers(first, 21))
        out.append(Buffer(f"b{i}", draw(st.integers(1, 5000)), first, last))
    return out


@settings(max_examples=300, derandomize=True)
@given(buffer_sets())
def test_greedy_placement_never_overlaps_live_buffers(buffers):
    total = place_greedy_by_size(buffers, alignment=4)
    plan = ArenaPlan(buffers, {}, total, lower_bound(buffers))
    plan.check()
    assert all(b.offset % 4 == 0 and b.offset + b.size <= total for b in buffers)
    assert total >= plan.lower_bound_bytes


def test_reshape_output_shares_its_input_buffer():
    c = compile_model(load_model(MODELS / "mlperf_tiny_kws_ref_model.tflite"))
    reshape = [low.op for low in c.lowered if low.op.kind == "RESHAPE"]
    assert reshape
    for op in reshape:
        assert c.plan.tensor_offset(op.inputs[0]) == c.plan.tensor_offset(op.outputs[0])


def test_arena_is_at_most_tflm_tensor_arena_on_kws():
    path = MODELS / "mlperf_tiny_kws_ref_model.tflite"
    m = load_model(path)
    c = compile_model(m)
    tflm = tflm_arena_bytes(path.read_bytes(), m)
    assert c.plan.arena_bytes <= tflm["head"]
