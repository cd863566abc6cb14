"""Search for better offsets than one greedy pass: several orderings, then random restarts.

Every candidate is a first-fit placement (micro.arena.greedy.place_in_order) in some buffer
order; the best arena wins. Stops at the lower bound or after a fixed number of random restarts: a
work budget, not a time limit, so the plan (and the generated C) is the same on any machine under any
load.
"""

from __future__ import annotations

import random

from micro.arena.greedy import place_in_order
from micro.arena.lifetimes import Buffer

DEFAULT_RESTARTS = 400  # random placements tried after the heuristic orders (when above the lower bound)


def _heuristic_orders(buffers: list[Buffer]) -> list[list[int]]:
    idx = list(range(len(buffers)))
    keys = [
        lambda i: (-buffers[i].size, buffers[i].first),                      # TFLM greedy by size
        lambda i: (buffers[i].first, -buffers[i].size),                      # by first use
        lambda i: (-(buffers[i].last - buffers[i].first), -buffers[i].size),  # longest lived first
        lambda i: (-buffers[i].size * (buffers[i].last - buffers[i].first + 1), i),
        lambda i: (-buffers[i].last, -buffers[i].size),                      # by last use
    ]
    return [sorted(idx, key=k) for k in keys]


def search_placement(buffers: list[Buffer], overlaps: dict[tuple[int, int], int], lower_bound: int,
                     alignment: int = 4, restarts: int = DEFAULT_RESTARTS, seed: int = 0) -> int:
    """Place `buffers` (offsets set in place); return the arena size."""
    best_size, best_offsets = None, None

    def consider(order: list[int]) -> None:
        nonlocal best_size, best_offsets
        size = place_in_order(buffers, order, overlaps, alignment)
        if best_size is None or size < best_size:
            best_size, best_offsets = size, [b.offset for b in buffers]

    for order in _heuristic_orders(buffers):
        consider(order)
    rng = random.Random(seed)
    base = _heuristic_orders(buffers)[0]
    for _ in range(restarts if len(buffers) > 1 else 0):
        if best_size <= lower_bound:
            break
        # perturb the size order: jitter each key, biased toward keeping large buffers first
        noise = {i: buffers[i].size * (0.6 + 0.8 * rng.random()) for i in base}
        consider(sorted(base, key=lambda i: -noise[i]))
    for b, off in zip(buffers, best_offsets):
        b.offset = off
    return best_size
