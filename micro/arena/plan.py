"""The arena plan: buffers with lifetimes and offsets, and the total size."""

from __future__ import annotations

from dataclasses import dataclass

from micro.arena.greedy import place_greedy_by_size
from micro.arena.lifetimes import Buffer, buffers_for, lower_bound
from micro.ir import Graph
from micro.ops.base import Lowered

ALIGNMENT = 4


@dataclass
class ArenaPlan:
    buffers: list[Buffer]
    tensor_buffer: dict[int, int]
    arena_bytes: int
    lower_bound_bytes: int

    def tensor_offset(self, t: int) -> int:
        return self.buffers[self.tensor_buffer[t]].offset

    def scratch_offset(self, op_index: int) -> int:
        for b in self.buffers:
            if b.scratch_of == op_index:
                return b.offset
        raise KeyError(op_index)

    def check(self) -> None:
        """Raise if two buffers live at the same time share bytes."""
        bs = self.buffers
        for i in range(len(bs)):
            for j in range(i + 1, len(bs)):
                a, b = bs[i], bs[j]
                if a.overlaps_in_time(b) and a.offset < b.offset + b.size and b.offset < a.offset + a.size:
                    raise AssertionError(f"arena plan overlap: {a.name} and {b.name}")


def plan_arena(g: Graph, lowered: list[Lowered]) -> ArenaPlan:
    buffers, tensor_buffer = buffers_for(g, lowered)
    total = place_greedy_by_size(buffers, ALIGNMENT)
    plan = ArenaPlan(buffers, tensor_buffer, total, lower_bound(buffers))
    plan.check()
    return plan
