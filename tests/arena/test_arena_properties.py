"""Property tests of the planner on random graphs: no two live buffers share bytes unless a kernel
declared that overlap legal, and the plan is never worse than TFLM's greedy-by-size."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from micro.arena.greedy import overlap_index, place_greedy_by_size
from micro.arena.lifetimes import buffers_for, overlaps_for
from micro.arena.plan import plan_arena
from micro.ir import Graph, Op, Tensor
from micro.kernels.abi import Arg, Kernel
from micro.lowered import Alias, KernelCall, Lowered


def fake_kernel(n_inputs: int, scratch: bool) -> Kernel:
    """A kernel declaration for planner tests: nothing is ever generated or called."""
    args = [Arg(f"in{i}", "input", "int8_t", "") for i in range(n_inputs)] + [Arg("out", "output", "int8_t", "")]
    return Kernel("f", "f.c", None, tuple(args + ([Arg("scratch", "scratch", "int8_t", "")] if scratch else [])), "")


@st.composite
def random_graphs(draw):
    """A DAG of 1..14 ops, each reading 1-2 earlier tensors (or the graph input), some views."""
    n_ops = draw(st.integers(1, 14))
    tensors = [Tensor(0, "in", (draw(st.integers(1, 4000)),), "int8")]
    ops, lowered = [], []
    for k in range(n_ops):
        n_in = draw(st.integers(1, 2))
        ins = sorted({draw(st.integers(0, len(tensors) - 1)) for _ in range(n_in)})
        out = len(tensors)
        if draw(st.integers(0, 5)) == 0:  # a view of its (single) input
            src = ins[0]
            tensors.append(Tensor(out, f"v{out}", tensors[src].shape, "int8"))
            op = Op(k, "RESHAPE", 1, [src], [out])
            lowered.append(Lowered(op, Alias(src, out)))
        else:
            tensors.append(Tensor(out, f"t{out}", (draw(st.integers(1, 4000)),), "int8"))
            op = Op(k, "X", 1, ins, [out])
            gaps, gaps_rev = {}, {}
            for pos in range(len(ins)):
                if draw(st.booleans()):
                    gaps[pos] = draw(st.integers(0, 5000))
                if draw(st.booleans()):
                    gaps_rev[pos] = draw(st.integers(0, 5000))
            scratch = draw(st.sampled_from([0, 0, 0, 64, 1000]))
            lowered.append(Lowered(op, KernelCall(fake_kernel(len(ins), bool(scratch)), {}, ins, [out],
                                                  scratch_bytes=scratch,
                                                  overlap_gap=gaps, overlap_gap_reverse=gaps_rev)))
        ops.append(op)
    outputs = [len(tensors) - 1] + ([draw(st.integers(0, len(tensors) - 1))] if draw(st.booleans()) else [])
    g = Graph("g", tensors, ops, [0], sorted(set(outputs)))
    return g, lowered


def brute_force_violations(buffers, overlaps):
    """Independent check: simulate byte ownership at every step."""
    allowed = {(o.inp, o.out): (o.gap, o.gap_after) for o in overlaps}

    def legal(inp, out):
        if (inp, out) not in allowed:
            return False
        before, after = allowed[(inp, out)]
        start_in, start_out = buffers[inp].offset, buffers[out].offset
        return (before is not None and start_out <= start_in - before) or \
               (after is not None and start_out >= start_in + after)

    steps = range(min(b.first for b in buffers), max(b.last for b in buffers) + 1)
    bad = []
    for s in steps:
        live = [i for i, b in enumerate(buffers) if b.first <= s <= b.last]
        owner = {}
        for i in live:
            b = buffers[i]
            for byte in range(b.offset, b.offset + b.size):
                if byte in owner:
                    j = owner[byte]
                    if not (legal(j, i) or legal(i, j)):
                        bad.append((s, i, j, byte))
                        break
                owner[byte] = i
    return bad


@settings(max_examples=150, derandomize=True, deadline=None)
@given(random_graphs())
def test_plans_never_overlap_illegally(case):
    g, lowered = case
    plan, order = plan_arena(g, lowered, restarts=20)
    assert sorted(plan.order) == sorted(op.index for op in g.ops)
    pos = {op_index: k for k, op_index in enumerate(plan.order)}
    for low in lowered:  # execution order respects every dependency
        for t in low.op.inputs:
            producers = [l2.op.index for l2 in lowered if t in l2.op.outputs]
            assert all(pos[p] < pos[low.op.index] for p in producers)
    assert not brute_force_violations(plan.buffers, plan.overlaps)
    assert plan.arena_bytes >= plan.lower_bound_bytes
    # never worse than TFLM-style greedy by size without overlaps, in the same order
    buffers, _ = buffers_for(g, order)
    greedy = place_greedy_by_size(buffers, 4)
    assert plan.arena_bytes <= (greedy + 7) // 8 * 8  # the generated arena rounds up to 8 bytes


@settings(max_examples=100, derandomize=True, deadline=None)
@given(random_graphs())
def test_overlaps_only_where_the_input_dies(case):
    g, lowered = case
    buffers, tb = buffers_for(g, lowered)
    for ov in overlaps_for(g, lowered, buffers, tb):
        assert buffers[ov.inp].last == ov.step == buffers[ov.out].first
        assert buffers[ov.inp].scratch_of is None and buffers[ov.out].scratch_of is None
