"""A guarded arena plan for debug builds: every buffer in bytes of its own, GUARD_BYTES between neighbours
(and before the first, after the last), so that a kernel writing past the end of its buffer overwrites a
guard instead of silently corrupting the next buffer. AddressSanitizer cannot see such an overrun: the arena
is one array. micro.verify.sanitize fills the guards with GUARD_BYTE and checks them after every op.

The plan keeps the execution order, the aliases (tensors sharing a buffer) and the buffers' sizes; it drops
every reuse and in-place overlap, which kernels allow but never need, so the arena is larger: debug only."""

from __future__ import annotations

import dataclasses

from micro.arena.greedy import align_up
from micro.arena.plan import ARENA_ROUNDING, ArenaPlan

GUARD_BYTES = 32
GUARD_BYTE = 0xA5


def guarded_plan(plan: ArenaPlan, guard: int = GUARD_BYTES) -> tuple[ArenaPlan, list[tuple[int, int, str]]]:
    """The guarded plan and its guards: (arena offset, length, name of the buffer before it)."""
    buffers, guards = [], []
    at = guard
    guards.append((0, guard, "the arena start"))
    for b in plan.buffers:
        buffers.append(dataclasses.replace(b, offset=at))
        end = at + b.size
        nxt = align_up(end + guard, ARENA_ROUNDING)
        guards.append((end, nxt - end, b.name))
        at = nxt
    guarded = ArenaPlan(buffers, dict(plan.tensor_buffer), at, plan.lower_bound_bytes, [], list(plan.order))
    guarded.check()
    return guarded, guards
