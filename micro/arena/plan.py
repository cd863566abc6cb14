"""The arena plan: execution order, buffers with lifetimes and offsets, overlaps, the total size."""

from __future__ import annotations

from dataclasses import dataclass, field

from micro.arena.greedy import align_up, overlap_index
from micro.arena.lifetimes import Buffer, Overlap, buffers_for, lower_bound, overlaps_for
from micro.arena.order import best_order
from micro.arena.search import DEFAULT_RESTARTS, search_placement
from micro.arena.variables import resolve_state_views
from micro.arena.views import check_views, resolve_views
from micro.ir import Graph
from micro.lowered import Lowered, Views

ALIGNMENT = 4
ARENA_ROUNDING = 8


@dataclass
class ArenaPlan:
    buffers: list[Buffer]
    tensor_buffer: dict[int, int]
    arena_bytes: int
    lower_bound_bytes: int
    overlaps: list[Overlap] = field(default_factory=list)
    order: list[int] = field(default_factory=list)  # op indices in execution order

    def tensor_offset(self, t: int) -> int:
        b = self.buffers[self.tensor_buffer[t]]
        return b.offset + b.within.get(t, 0)

    def scratch_offset(self, op_index: int) -> int:
        for b in self.buffers:
            if b.scratch_of == op_index:
                return b.offset
        raise KeyError(op_index)

    def check(self) -> None:
        """Raise if two buffers live at the same time share bytes in a way no kernel allowed."""
        check_plan(self.buffers, self.overlaps)


def check_plan(buffers: list[Buffer], overlaps: list[Overlap]) -> None:
    allowed = overlap_index(overlaps)
    for i in range(len(buffers)):
        for j in range(i + 1, len(buffers)):
            a, b = buffers[i], buffers[j]
            if not a.overlaps_in_time(b):
                continue
            if not (a.offset < b.offset + b.size and b.offset < a.offset + a.size):
                continue
            if (i, j) in allowed and allowed[(i, j)].allows(a.offset, b.offset):
                continue  # b is the output of input a, placed as its kernel allows
            if (j, i) in allowed and allowed[(j, i)].allows(b.offset, a.offset):
                continue
            raise AssertionError(f"arena plan overlap: {a.name} [{a.offset}, +{a.size}) and "
                                 f"{b.name} [{b.offset}, +{b.size}) are live together")


def plan_arena(g: Graph, lowered: list[Lowered], restarts: int = DEFAULT_RESTARTS,
               reorder: bool = True, overlap: bool = True, views: bool = True) -> tuple[ArenaPlan, list[Lowered]]:
    """Choose which views to keep (views of variables first: micro.arena.variables; then micro.arena.views),
    the execution order and offsets. Returns the plan
    and the ops in execution order (a view op that is not kept becomes its copy kernel).

    Views are kept where they are correct and do not grow the arena: when the plan with every correct
    view is larger than the plan that copies everywhere, the views that cost bytes are given up one op
    at a time (in op order), and copying everywhere wins if it is still smaller. views=False: every op
    that could be views copies (to measure what views save)."""
    options = dict(restarts=restarts, reorder=reorder, overlap=overlap)
    lowered = resolve_state_views(g, lowered, enabled=views)
    view_ops = [low.op.index for low in lowered if isinstance(low.call, Views)]
    best = _plan(g, resolve_views(g, lowered, enabled=views), **options)
    if not views or not view_ops:
        return best
    copies = _plan(g, resolve_views(g, lowered, enabled=False), **options)
    given_up: set[int] = set()
    for op_index in view_ops:
        if best[0].arena_bytes <= copies[0].arena_bytes:
            break
        trial = _plan(g, resolve_views(g, lowered, copy_ops=given_up | {op_index}), **options)
        if trial[0].arena_bytes < best[0].arena_bytes:
            best, given_up = trial, given_up | {op_index}
    return best if best[0].arena_bytes <= copies[0].arena_bytes else copies


def _plan(g: Graph, lowered: list[Lowered], restarts: int, reorder: bool, overlap: bool
          ) -> tuple[ArenaPlan, list[Lowered]]:
    """The order and offsets for `lowered`, whose views are decided (resolve_views)."""
    check_views(g, lowered)
    if reorder and len(lowered) > 1:
        perm, _ = best_order(g, lowered)
        lowered = [lowered[k] for k in perm]
    buffers, tensor_buffer = buffers_for(g, lowered)
    overlaps = overlaps_for(g, lowered, buffers, tensor_buffer) if overlap else []
    bound = align_up(lower_bound(buffers, overlaps), ALIGNMENT)
    total = search_placement(buffers, overlap_index(overlaps), bound, ALIGNMENT, restarts)
    # The generated arena is a union with uint64_t (8-byte aligned), so its size rounds up to 8.
    total = align_up(total, ARENA_ROUNDING)
    plan = ArenaPlan(buffers, tensor_buffer, total, bound, overlaps, [low.op.index for low in lowered])
    plan.check()
    return plan, lowered
