"""Greedy-by-size placement (TFLM's GreedyMemoryPlanner): largest buffer first, lowest fitting offset."""

from __future__ import annotations

from micro.arena.lifetimes import Buffer


def align_up(x: int, alignment: int) -> int:
    return (x + alignment - 1) // alignment * alignment


def place_greedy_by_size(buffers: list[Buffer], alignment: int = 4) -> int:
    """Assign `offset` to every buffer; return the arena size in bytes."""
    order = sorted(range(len(buffers)), key=lambda i: (-buffers[i].size, buffers[i].first, i))
    placed: list[Buffer] = []
    for i in order:
        b = buffers[i]
        live = sorted((p for p in placed if p.overlaps_in_time(b)), key=lambda p: p.offset)
        offset = 0
        for p in live:
            if offset + b.size <= p.offset:
                break
            offset = max(offset, align_up(p.offset + p.size, alignment))
        b.offset = offset
        placed.append(b)
    return max((align_up(b.offset + b.size, alignment) for b in buffers), default=0)
