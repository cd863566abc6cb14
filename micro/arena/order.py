"""Execution order: among topological orders, the one with the smallest peak of live bytes.

Exact dynamic programming over the sets of executed ops (downsets of the dependency graph),
memoized; branched graphs such as residual blocks have few downsets. Above `max_states` the
original order is kept.
"""

from __future__ import annotations

import sys

from micro.arena.lifetimes import alias_roots
from micro.arena.state import is_state
from micro.ir import Graph
from micro.lowered import KernelCall, Lowered


def _op_buffers(g: Graph, lowered: list[Lowered]):
    root = alias_roots(lowered)

    def buf(t):
        return None if t is None or g.tensors[t].is_const else root.get(t, t)

    size: dict[int, int] = {}
    for t, tensor in enumerate(g.tensors):
        r = buf(t)
        if r is not None:  # state is not in the arena: it orders the ops that touch it, costs no arena bytes
            size[r] = max(size.get(r, 0), 0 if is_state(tensor) else tensor.nbytes)
    reads = [{buf(t) for t in low.op.inputs} - {None} for low in lowered]
    writes = [{buf(t) for t in low.op.outputs} - {None} for low in lowered]
    scratch = [low.call.scratch_bytes if isinstance(low.call, KernelCall) else 0 for low in lowered]
    return buf, size, reads, writes, scratch


def best_order(g: Graph, lowered: list[Lowered], max_states: int = 200_000) -> tuple[list[int], int]:
    """Return (permutation of op positions, its peak live bytes)."""
    n = len(lowered)
    buf, size, reads, writes, scratch = _op_buffers(g, lowered)
    producer: dict[int, int] = {}
    for k in range(n):
        for b in writes[k]:
            producer.setdefault(b, k)
    deps = [0] * n
    state = {buf(t) for t, tensor in enumerate(g.tensors) if is_state(tensor)}
    last_touch: dict[int, int] = {}
    for k in range(n):
        for b in reads[k] | writes[k]:
            p = producer.get(b)
            if p is not None and p != k:
                deps[k] |= 1 << p
            if b in state:  # state is read and updated in place: keep the model's order of its users
                if b in last_touch:
                    deps[k] |= 1 << last_touch[b]
                last_touch[b] = k
    users: dict[int, int] = {}
    for k in range(n):
        for b in reads[k] | writes[k]:
            users[b] = users.get(b, 0) | (1 << k)
    pinned = {buf(t) for t in g.outputs}
    inputs = {buf(t) for t in g.inputs} - {None}
    full = (1 << n) - 1

    def live_bytes(done: int) -> int:
        total = 0
        for b, sz in size.items():
            produced = b in inputs or (b in producer and done >> producer[b] & 1)
            if produced and (b in pinned or (users.get(b, 0) & ~done)):
                total += sz
        return total

    memo: dict[int, tuple[int, int]] = {}

    def solve(done: int) -> tuple[int, int]:
        if done == full:
            return live_bytes(done), -1
        hit = memo.get(done)
        if hit is not None:
            return hit
        if len(memo) > max_states:
            raise OverflowError
        base = live_bytes(done)
        best = (None, -1)
        for k in range(n):
            if done >> k & 1 or deps[k] & ~done:
                continue
            new = sum(size[b] for b in writes[k] if not (b in inputs or (producer.get(b, k) != k)))
            step = base + new + scratch[k]
            rest, _ = solve(done | 1 << k)
            cost = max(step, rest)
            if best[0] is None or cost < best[0]:
                best = (cost, k)
        memo[done] = best
        return best

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * n + 200))
    try:
        peak, _ = solve(0)
    except OverflowError:
        return list(range(n)), _peak_of(list(range(n)), live_bytes, size, writes, scratch, inputs, producer)
    finally:
        sys.setrecursionlimit(limit)
    order, done = [], 0
    while done != full:
        _, k = memo[done]
        order.append(k)
        done |= 1 << k
    return order, peak


def _peak_of(order, live_bytes, size, writes, scratch, inputs, producer) -> int:
    done, peak = 0, 0
    for k in order:
        new = sum(size[b] for b in writes[k] if not (b in inputs or producer.get(b, k) != k))
        peak = max(peak, live_bytes(done) + new + scratch[k])
        done |= 1 << k
    return max(peak, live_bytes(done))
