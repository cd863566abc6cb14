"""Execution order: among topological orders, the one with the smallest peak of live bytes.

Exact dynamic programming over the sets of executed ops (downsets of the dependency graph),
memoized; branched graphs such as residual blocks have few downsets. Above `max_states` the
original order is kept.
"""

from __future__ import annotations

import sys

from micro.arena.lifetimes import view_places
from micro.arena.state import is_state, state_roots
from micro.ir import Graph
from micro.lowered import CODE_CALLS, Lowered


def _op_buffers(g: Graph, lowered: list[Lowered]):
    places = view_places(lowered)

    def buf(t):
        if t is None or g.tensors[t].is_const:
            return None
        return places[t][0] if t in places else t

    in_state = state_roots(g, places)
    size: dict[int, int] = {}
    for t, tensor in enumerate(g.tensors):
        r = buf(t)
        if r is not None:  # state is not in the arena: it orders the ops that touch it, costs no arena bytes
            end = 0 if r in in_state else (places[t][1] if t in places else 0) + tensor.nbytes
            size[r] = max(size.get(r, 0), end)
    reads = [{buf(t) for t in low.op.inputs} - {None} for low in lowered]
    writes = [{buf(t) for t in low.op.outputs} - {None} for low in lowered]
    scratch = [low.call.scratch_bytes if isinstance(low.call, CODE_CALLS) else 0 for low in lowered]
    return buf, size, reads, writes, scratch


def best_order(g: Graph, lowered: list[Lowered], max_states: int = 200_000) -> tuple[list[int], int]:
    """Return (permutation of op positions, its peak live bytes).

    Dependencies are between tensors (an op runs after the producers of its inputs); memory is counted
    per buffer: a buffer (a group of views may have several writers) is live from its first write
    until its last user ran."""
    n = len(lowered)
    buf, size, reads, writes, scratch = _op_buffers(g, lowered)
    tensor_producer = {t: k for k, low in enumerate(lowered) for t in low.op.outputs}
    deps = [0] * n
    state = {buf(t) for t, tensor in enumerate(g.tensors) if is_state(tensor)}
    last_touch: dict[int, int] = {}
    for k, low in enumerate(lowered):
        for t in low.op.inputs:
            p = tensor_producer.get(t)
            if p is not None and p != k:
                deps[k] |= 1 << p
        for b in reads[k] | writes[k]:
            if b in state:  # state is read and updated in place: keep the model's order of its users
                if b in last_touch:
                    deps[k] |= 1 << last_touch[b]
                last_touch[b] = k
    writers: dict[int, int] = {}
    users: dict[int, int] = {}
    for k in range(n):
        for b in writes[k]:
            writers[b] = writers.get(b, 0) | (1 << k)
        for b in reads[k] | writes[k]:
            users[b] = users.get(b, 0) | (1 << k)
    pinned = {buf(t) for t in g.outputs}
    inputs = {buf(t) for t in g.inputs} - {None}
    full = (1 << n) - 1

    def live_bytes(done: int) -> int:
        total = 0
        for b, sz in size.items():
            produced = b in inputs or writers.get(b, 0) & done
            if produced and (b in pinned or (users.get(b, 0) & ~done)):
                total += sz
        return total

    def new_bytes(k: int, done: int) -> int:
        """Bytes op k brings to life: the buffers it writes first."""
        return sum(size[b] for b in writes[k] if not (b in inputs or writers[b] & done))

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
            step = base + new_bytes(k, done) + scratch[k]
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
        return list(range(n)), _peak_of(list(range(n)), live_bytes, new_bytes, scratch)
    finally:
        sys.setrecursionlimit(limit)
    order, done = [], 0
    while done != full:
        _, k = memo[done]
        order.append(k)
        done |= 1 << k
    return order, peak


def _peak_of(order, live_bytes, new_bytes, scratch) -> int:
    done, peak = 0, 0
    for k in order:
        peak = max(peak, live_bytes(done) + new_bytes(k, done) + scratch[k])
        done |= 1 << k
    return max(peak, live_bytes(done))
