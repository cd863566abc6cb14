"""Offset assignment: first fit at the lowest offset, buffers taken in a given order.

With the order "largest first" this is TFLM's GreedyMemoryPlanner. Declared overlaps
(micro.arena.lifetimes.Overlap) relax the rule for one (input, output) pair: the output
may start `gap` bytes or more before its input and overlap it.
"""

from __future__ import annotations

from micro.arena.lifetimes import Buffer, Overlap


def align_up(x: int, alignment: int) -> int:
    return (x + alignment - 1) // alignment * alignment


def align_down(x: int, alignment: int) -> int:
    return x // alignment * alignment


def overlap_index(overlaps: list[Overlap]) -> dict[tuple[int, int], int]:
    return {(ov.inp, ov.out): ov.gap for ov in overlaps}


def place_in_order(buffers: list[Buffer], order: list[int], overlaps: dict[tuple[int, int], int],
                   alignment: int = 4) -> int:
    """Assign `offset` to every buffer, in `order`; return the arena size in bytes."""
    for b in buffers:
        b.offset = -1
    placed: list[int] = []
    for i in order:
        b = buffers[i]
        forbidden = []
        for j in placed:
            p = buffers[j]
            if not p.overlaps_in_time(b):
                continue
            left, right = b.size, p.size  # b may not start in (p.off - left, p.off + right)
            if (j, i) in overlaps:  # b is the output that may run ahead of input p
                left = min(left, overlaps[(j, i)])
            elif (i, j) in overlaps:  # b is the input, p the output placed already
                right = min(right, overlaps[(i, j)])
            forbidden.append((p.offset - left, p.offset + right))
        b.offset = _first_fit(0, forbidden, alignment)
        placed.append(i)
    return max((align_up(b.offset + b.size, alignment) for b in buffers), default=0)


def _first_fit(start: int, forbidden: list[tuple[int, int]], alignment: int) -> int:
    """Lowest aligned offset >= start outside every open interval (lo, hi)."""
    offset = start
    moved = True
    while moved:
        moved = False
        for lo, hi in forbidden:
            if lo < offset < hi:
                offset = align_up(hi, alignment)
                moved = True
    return offset


def place_greedy_by_size(buffers: list[Buffer], alignment: int = 4,
                         overlaps: list[Overlap] = ()) -> int:
    order = sorted(range(len(buffers)), key=lambda i: (-buffers[i].size, buffers[i].first, i))
    return place_in_order(buffers, order, overlap_index(list(overlaps)), alignment)
