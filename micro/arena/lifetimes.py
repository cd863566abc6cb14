"""Buffers, their lifetimes over the execution order, and the overlaps kernels allow.

A buffer is one contiguous region of the arena: a tensor (plus every tensor
that aliases it, such as RESHAPE outputs or the parts of an aliased SPLIT, each
at its byte offset inside the buffer: micro.arena.views) or a kernel's scratch
space. Its lifetime is the closed interval of op steps during which it must
hold data: for a group of views, from the first use of any member to the last.
Step -1 is "before invoke" (graph inputs are written then); step len(ops) is
"after invoke" (graph outputs are read then). State (variable tensors, and the tensors viewing
them) is not in the arena (micro.arena.state).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from micro.arena.state import is_state, state_roots
from micro.arena.views import layout
from micro.ir import Graph
from micro.lowered import CODE_CALLS, Lowered


@dataclass
class Buffer:
    name: str
    size: int
    first: int
    last: int
    tensors: list[int] = field(default_factory=list)  # tensor indices stored here
    within: dict[int, int] = field(default_factory=dict)  # tensor -> byte offset inside (views; else 0)
    scratch_of: int | None = None  # op index, for scratch buffers
    offset: int = -1

    def overlaps_in_time(self, other: "Buffer") -> bool:
        return not (self.last < other.first or other.last < self.first)


@dataclass(frozen=True)
class Overlap:
    """Buffer `out` may share bytes with buffer `inp` if it starts at least `gap` bytes before it
    (forward mode) or at least `gap_after` bytes after it (reverse mode); None: that mode is not allowed."""

    inp: int
    out: int
    gap: int | None
    step: int
    gap_after: int | None = None

    def allows(self, in_offset: int, out_offset: int) -> bool:
        return ((self.gap is not None and out_offset + self.gap <= in_offset) or
                (self.gap_after is not None and out_offset >= in_offset + self.gap_after))


def view_places(lowered: list[Lowered]) -> dict[int, tuple[int, int]]:
    """{tensor: (the tensor owning its buffer, byte offset inside it)} for every tensor in a view."""
    places = layout([a for low in lowered for a in low.aliases])
    if places is None:
        raise ValueError("views place one tensor at two offsets (run micro.arena.views.resolve_views first)")
    return places


def buffers_for(g: Graph, lowered: list[Lowered]) -> tuple[list[Buffer], dict[int, int]]:
    """Return the buffers to place (in execution order `lowered`) and {tensor index: buffer index}."""
    places = view_places(lowered)
    in_state = state_roots(g, places)  # groups holding a state tensor live in the state region
    n = len(lowered)
    spans: dict[int, list[int]] = {}  # root tensor -> [first, last]

    def touch(t: int | None, step: int) -> None:
        if t is None or g.tensors[t].is_const or is_state(g.tensors[t]):
            return
        r = places[t][0] if t in places else t
        if r in in_state:
            return
        span = spans.setdefault(r, [step, step])
        span[0] = min(span[0], step)
        span[1] = max(span[1], step)

    for t in g.inputs:
        touch(t, -1)
    for step, low in enumerate(lowered):
        for t in low.op.inputs:
            touch(t, step)
        for t in low.op.outputs:
            touch(t, step)
    for t in g.outputs:
        touch(t, n)

    members_of: dict[int, list[int]] = {}
    for t, (r, _) in places.items():
        members_of.setdefault(r, []).append(t)
    buffers: list[Buffer] = []
    tensor_buffer: dict[int, int] = {}
    for r, (first, last) in sorted(spans.items()):
        within = {t: places[t][1] for t in members_of.get(r, [r]) if t in places}
        # Named after its widest tensor at offset 0 (the root of a RESHAPE chain, a SPLIT's input).
        owner = max((t for t in members_of.get(r, [r]) if not within.get(t)),
                    key=lambda t: (g.tensors[t].nbytes, t == r, -t))
        members = sorted(members_of.get(r, [r]), key=lambda t: (t != owner, t))
        size = max(within.get(t, 0) + g.tensors[t].nbytes for t in members)
        tensor_buffer.update({t: len(buffers) for t in members})
        buffers.append(Buffer(f"t{owner}:{g.tensors[owner].name}", size, first, last, members,
                              {t: off for t, off in within.items() if off}))
    for step, low in enumerate(lowered):
        if isinstance(low.call, CODE_CALLS) and low.call.scratch_bytes > 0:
            buffers.append(Buffer(f"scratch:op{low.op.index}", low.call.scratch_bytes, step, step,
                                  scratch_of=low.op.index))
    return buffers, tensor_buffer


def overlaps_for(g: Graph, lowered: list[Lowered], buffers: list[Buffer],
                 tensor_buffer: dict[int, int]) -> list[Overlap]:
    """The overlaps kernels declare, kept only where the input's buffer dies at that op."""
    out: list[Overlap] = []
    for step, low in enumerate(lowered):
        call = low.call
        if not isinstance(call, CODE_CALLS) or len(call.outputs) != 1:
            continue
        o = call.outputs[0]
        if o not in tensor_buffer or buffers[tensor_buffer[o]].within.get(o):
            continue  # the overlap contracts relate tensor starts: both must start their buffers
        ob = tensor_buffer[o]
        forward, reverse = call.overlap_gaps(), call.overlap_gap_reverse
        for pos in sorted(set(forward) | set(reverse)):
            t = call.inputs[pos] if pos < len(call.inputs) else None
            if t is None or t not in tensor_buffer or buffers[tensor_buffer[t]].within.get(t):
                continue
            ib = tensor_buffer[t]
            if ib == ob or buffers[ib].last != step or buffers[ob].first != step:
                continue
            # Another input of the same op in the same buffer would be clobbered while still needed.
            others = [x for k, x in enumerate(call.inputs) if k != pos and x is not None and
                      tensor_buffer.get(x) == ib]
            if others:
                continue
            out.append(Overlap(ib, ob, forward.get(pos), step, reverse.get(pos)))
    return out


def pair_footprint(inp: int, out: int, gap: int | None, gap_after: int | None = None) -> int:
    """Least bytes an overlapping (input, output) pair can occupy together."""
    best = inp + out
    if gap is not None:  # output starts gap bytes before the input
        best = min(best, max(inp + gap, out))
    if gap_after is not None:  # output starts gap_after bytes after the input
        best = min(best, max(inp, gap_after + out))
    return best


def lower_bound(buffers: list[Buffer], overlaps: list[Overlap] = ()) -> int:
    """Peak of simultaneously live bytes (crediting declared overlaps): no placement can use less."""
    return max(live_by_step(buffers, overlaps).values(), default=0)


def live_by_step(buffers: list[Buffer], overlaps: list[Overlap] = ()) -> dict[int, int]:
    """{step: bytes that must be live then} at every step where a buffer starts (the only steps where the
    live set grows), crediting declared overlaps.

    At one step all declared overlaps belong to the op running then, so they share one output:
    that output and its overlapping inputs form a group that occupies at least the largest of the
    output, the inputs side by side (they never overlap each other), and each pair's own footprint.
    Every other live buffer is disjoint from the group and from each other.
    """
    out: dict[int, int] = {}
    for s in sorted({b.first for b in buffers}):
        live = {i for i, b in enumerate(buffers) if b.first <= s <= b.last}
        pairs = [ov for ov in overlaps if ov.inp in live and ov.out in live]
        total = sum(buffers[i].size for i in live)
        for out_buf in {ov.out for ov in pairs}:
            group = [ov for ov in pairs if ov.out == out_buf]
            o = buffers[out_buf].size
            ins = sum(buffers[ov.inp].size for ov in group)
            footprint = max([o, ins] + [pair_footprint(buffers[ov.inp].size, o, ov.gap, ov.gap_after)
                                        for ov in group])
            total -= o + ins - footprint
        out[s] = total
    return out
