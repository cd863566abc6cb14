"""Property tests of the planner on random graphs: no two live buffers share bytes unless a kernel
declared that overlap legal, the plan is never worse than TFLM's greedy-by-size, and with views at byte
offsets (random SPLIT / CONCATENATION parts, chains of them, constants, model inputs and outputs among
the parts) every tensor holds, whenever an op reads it, exactly what the model says."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from micro.arena.greedy import overlap_index, place_greedy_by_size
from micro.arena.lifetimes import buffers_for, overlaps_for
from micro.arena.plan import plan_arena
from micro.ir import Graph, Op, Tensor
from micro.kernels.abi import Arg, Field, Kernel, Struct
from micro.lowered import Alias, KernelCall, Lowered, Views


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


# --------------------------------------------------------------------------- views at byte offsets

COUNT = Struct("fake_count_t", "", (Field("n", "int32_t", ""),))
FAKE_CONCAT = Kernel("fake_concat", "f.c", COUNT, (Arg("ins", "input", "int8_t", "", count="n"),
                                                  Arg("out", "output", "int8_t", "")), "")
FAKE_SPLIT = Kernel("fake_split", "f.c", COUNT, (Arg("in", "input", "int8_t", ""),
                                                Arg("outs", "output", "int8_t", "", count="n")), "")


@st.composite
def random_view_graphs(draw):
    """A DAG of 1..12 ops over small tensors: kernels (maybe in place, maybe with scratch), RESHAPE
    views, SPLITs and CONCATENATIONs lowered to `Views` with their copy fallback. Concatenations take
    1-3 earlier tensors, possibly the same one twice, the model input, a constant or a split part;
    `meaning` says what each tensor holds: ("fresh",) for a kernel output, ("slice", src, start) for a
    split part, ("concat", [parts]) and ("same", src)."""
    tensors = [Tensor(0, "in", (draw(st.integers(1, 24)),), "int8")]
    meaning = {0: ("fresh",)}
    ops, lowered = [], []

    def new(size, name, data=None):
        tensors.append(Tensor(len(tensors), name, (size,), "int8", data=data))
        return len(tensors) - 1

    if draw(st.booleans()):
        c = new(draw(st.integers(1, 8)), "const", np.arange(8, dtype=np.int8)[:1])
        tensors[c].data = np.zeros(tensors[c].shape, np.int8)
        meaning[c] = ("fresh",)
    live = [t for t in range(len(tensors)) if not tensors[t].is_const]
    for k in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["kernel", "kernel", "reshape", "split", "concat", "concat"]))
        if kind == "kernel":
            ins = sorted({draw(st.sampled_from(live)) for _ in range(draw(st.integers(1, 2)))})
            out = new(draw(st.integers(1, 24)), f"t{len(tensors)}")
            meaning[out] = ("fresh",)
            op = Op(k, "X", 1, ins, [out])
            scratch = draw(st.sampled_from([0, 0, 16]))
            gaps = {0: draw(st.integers(0, 24))} if draw(st.booleans()) else {}
            call = KernelCall(fake_kernel(len(ins), bool(scratch)), {}, ins, [out], scratch_bytes=scratch,
                              overlap_gap=gaps, overlap_ok=(0,) if draw(st.booleans()) else ())
        elif kind == "reshape":
            src = draw(st.sampled_from(live))
            out = new(tensors[src].size, f"r{len(tensors)}")
            meaning[out] = ("same", src)
            op, call = Op(k, "RESHAPE", 1, [src], [out]), Alias(src, out)
        elif kind == "split":
            src = draw(st.sampled_from(live))
            size = tensors[src].size
            cuts = sorted(set(draw(st.lists(st.integers(1, max(1, size - 1)), max_size=3)))) if size > 1 else []
            bounds = [0] + [c for c in cuts if 0 < c < size] + [size]
            outs = []
            for a, b in zip(bounds, bounds[1:]):
                outs.append(new(b - a, f"p{len(tensors)}"))
                meaning[outs[-1]] = ("slice", src, a)
            op = Op(k, "SPLIT", 1, [src], outs)
            fallback = KernelCall(FAKE_SPLIT, dict(n=len(outs)), [src], outs)
            call = Views(tuple(Alias(src, o, a) for o, a in zip(outs, bounds)), fallback)
        else:
            pool = live + [t for t in range(len(tensors)) if tensors[t].is_const]
            ins = [draw(st.sampled_from(pool)) for _ in range(draw(st.integers(1, 3)))]
            sizes = [tensors[i].size for i in ins]
            out = new(sum(sizes), f"c{len(tensors)}")
            meaning[out] = ("concat", ins)
            op = Op(k, "CONCATENATION", 1, ins, [out])
            offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            fallback = KernelCall(FAKE_CONCAT, dict(n=len(ins)), ins, [out])
            call = Views(tuple(Alias(out, i, int(o)) for i, o in zip(ins, offsets)), fallback)
        ops.append(op)
        lowered.append(Lowered(op, call))
        live += op.outputs
    produced = [t for op in ops for t in op.outputs]
    outputs = {produced[-1]} | {t for t in produced if draw(st.integers(0, 6)) == 0}
    return Graph("g", tensors, ops, [0], sorted(outputs)), lowered, meaning


def expected_contents(g: Graph, meaning: dict) -> dict[int, np.ndarray]:
    """What each tensor holds: one token per byte, fresh ones for what kernels (and the host) write."""
    out: dict[int, np.ndarray] = {}

    def content(t: int) -> np.ndarray:
        if t not in out:
            m = meaning[t]
            if m[0] == "fresh":
                out[t] = t * 1000 + np.arange(g.tensors[t].nbytes)
            elif m[0] == "same":
                out[t] = content(m[1])
            elif m[0] == "slice":
                out[t] = content(m[1])[m[2]:m[2] + g.tensors[t].nbytes]
            else:
                out[t] = np.concatenate([content(i) for i in m[1]])
        return out[t]

    for t in meaning:
        content(t)
    return out


def simulate(g: Graph, plan, order: list, want: dict) -> list[str]:
    """Run the plan on an arena of tokens: the host writes the inputs, each kernel first scribbles over
    its scratch, then must find every input it reads intact, then writes its outputs; views write
    nothing and must already hold their contents. Returns every mismatch."""
    arena = np.full(plan.arena_bytes + 1, -1, dtype=np.int64)
    bad = []

    def at(t):
        off = plan.tensor_offset(t)
        return slice(off, off + g.tensors[t].nbytes)

    def check(t, when):
        if not g.tensors[t].is_const and not np.array_equal(arena[at(t)], want[t]):
            bad.append(f"tensor {t} wrong {when}")

    for t in g.inputs:
        arena[at(t)] = want[t]
    for step, low in enumerate(order):
        if isinstance(low.call, KernelCall) and low.call.scratch_bytes:
            off = plan.scratch_offset(low.op.index)
            arena[off:off + low.call.scratch_bytes] = -2
        for t in low.op.inputs:
            check(t, f"when op #{low.op.index} (step {step}) reads it")
        if isinstance(low.call, KernelCall):
            for t in low.op.outputs:
                arena[at(t)] = want[t]
        else:
            for t in low.op.outputs:
                check(t, f"as the view op #{low.op.index} defines it")
    for t in g.outputs:
        check(t, "after invoke")
    return bad


@settings(max_examples=200, derandomize=True, deadline=None)
@given(random_view_graphs())
def test_views_keep_every_tensor_intact(case):
    g, lowered, meaning = case
    plan, order = plan_arena(g, lowered, restarts=10)
    want = expected_contents(g, meaning)
    assert not simulate(g, plan, order, want)
    assert not brute_force_violations(plan.buffers, plan.overlaps)
    for low in order:  # a view op left as views keeps every alias where it said
        if isinstance(low.call, Views):
            for a in low.aliases:
                assert plan.tensor_offset(a.dst) == plan.tensor_offset(a.src) + a.offset
        else:
            assert not any(g.tensors[t].is_const for a in low.aliases for t in (a.src, a.dst))


@settings(max_examples=100, derandomize=True, deadline=None)
@given(random_view_graphs())
def test_views_never_grow_the_arena(case):
    """Copying everywhere holds the same contents, and the plan with views is never larger."""
    g, lowered, meaning = case
    plan, order = plan_arena(g, lowered, restarts=10, views=False)
    assert all(not isinstance(low.call, Views) for low in order)
    assert not simulate(g, plan, order, expected_contents(g, meaning))
    assert plan_arena(g, lowered, restarts=10)[0].arena_bytes <= plan.arena_bytes
