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


def overlap_index(overlaps: list[Overlap]) -> dict[tuple[int, int], Overlap]:
    return {(ov.inp, ov.out): ov for ov in overlaps}


def place_in_order(buffers: list[Buffer], order: list[int], overlaps: dict[tuple[int, int], Overlap],
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
            ov = overlaps.get((j, i))
            if ov is not None:  # b is the output, p its input
                if ov.gap is not None:  # b may start gap bytes (or more) before p
                    left = min(left, ov.gap)
                if ov.gap_after is not None:  # b may start gap_after bytes (or more) after p
                    right = min(right, ov.gap_after)
            ov = overlaps.get((i, j))
            if ov is not None:  # b is the input, p its output placed already
                if ov.gap is not None:  # output p may start gap bytes before b
                    right = min(right, ov.gap)
                if ov.gap_after is not None:  # output p may start gap_after bytes after b
                    left = min(left, ov.gap_after)
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
