"""Buffers and their lifetimes over the execution order.

A buffer is one contiguous region of the arena: a tensor (plus every tensor
that aliases it, such as RESHAPE outputs) or a kernel's scratch space. Its
lifetime is the closed interval of op steps during which it must hold data.
Step -1 is "before invoke" (graph inputs are written then); step len(ops) is
"after invoke" (graph outputs are read then).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from micro.ir import Graph
from micro.ops.base import Alias, KernelCall, Lowered


@dataclass
class Buffer:
    name: str
    size: int
    first: int
    last: int
    tensors: list[int] = field(default_factory=list)  # tensor indices stored here
    scratch_of: int | None = None  # op index, for scratch buffers
    offset: int = -1

    def overlaps_in_time(self, other: "Buffer") -> bool:
        return not (self.last < other.first or other.last < self.first)


def alias_roots(lowered: list[Lowered]) -> dict[int, int]:
    """Map each aliased tensor to the tensor that owns its storage."""
    root: dict[int, int] = {}
    for low in lowered:
        if isinstance(low.call, Alias):
            src = low.call.src
            root[low.call.dst] = root.get(src, src)
    return root


def buffers_for(g: Graph, lowered: list[Lowered]) -> tuple[list[Buffer], dict[int, int]]:
    """Return the buffers to place and {tensor index: buffer index}."""
    root = alias_roots(lowered)
    n = len(lowered)
    spans: dict[int, list[int]] = {}  # root tensor -> [first, last]

    def touch(t: int | None, step: int) -> None:
        if t is None or g.tensors[t].is_const:
            return
        r = root.get(t, t)
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
    for t, tensor in enumerate(g.tensors):
        if tensor.is_variable and not tensor.is_const:
            touch(t, -1)
            touch(t, n)

    buffers: list[Buffer] = []
    tensor_buffer: dict[int, int] = {}
    for r, (first, last) in sorted(spans.items()):
        members = [r] + [t for t, rr in root.items() if rr == r]
        size = max(g.tensors[t].nbytes for t in members)
        tensor_buffer.update({t: len(buffers) for t in members})
        buffers.append(Buffer(f"t{r}:{g.tensors[r].name}", size, first, last, sorted(members)))
    for step, low in enumerate(lowered):
        if isinstance(low.call, KernelCall) and low.call.scratch_bytes > 0:
            buffers.append(Buffer(f"scratch:op{low.op.index}", low.call.scratch_bytes, step, step,
                                  scratch_of=low.op.index))
    return buffers, tensor_buffer


def lower_bound(buffers: list[Buffer]) -> int:
    """Peak of simultaneously live bytes: no placement can use less."""
    if not buffers:
        return 0
    steps = sorted({b.first for b in buffers})
    return max(sum(b.size for b in buffers if b.first <= s <= b.last) for s in steps)
