"""Views: tensors placed inside other tensors' storage (micro.lowered.Alias), so that RESHAPE, SPLIT,
CONCATENATION... of contiguous parts run no code.

Every Alias(src, dst, offset) says: dst's bytes start `offset` bytes after src's. Tensors linked by
aliases form a group, one arena buffer (micro.arena.lifetimes) whose lifetime covers every member; each
member sits at a fixed byte offset inside it (its `layout`).

When is a group correct? Call a member a *writer* if something stores into it: a model input (written
before invoke), a variable, or the output of a kernel call. Every other member is *derived*: the output
of a view op, whose contents are by definition bytes of its op's other tensors (an aliased SPLIT's parts
are bytes of its input, an aliased CONCATENATION's output is its inputs side by side). If the writers
of a group occupy pairwise disjoint bytes, each byte is stored once, by one writer, before any op that
reads it through a derived tensor (data dependencies order them), and nothing else in the group ever
overwrites it: every tensor then reads exactly what the model says. Constants (in flash) and variables
(written in place by kernels, live across invocations) never join a group made by `Views`.

`resolve_views` accepts the `Views` of each op in execution order when the groups stay correct and
falls back to the op's copy kernel otherwise (a tensor used by two concatenations at places that
collide, parts out of order, a constant part...). Whole-tensor `Alias` ops (RESHAPE) are always
accepted: their output is new and derived, so they cannot break a group.
"""

from __future__ import annotations

from micro.ir import Graph
from micro.lowered import CODE_CALLS, Alias, Lowered, Views


def _union(relations) -> tuple[dict[int, int], dict[int, int]] | None:
    """Union-find with offsets: ({tensor: root}, {tensor: byte offset from its root}); None when two
    relations place one tensor at different offsets."""
    parent: dict[int, int] = {}
    delta: dict[int, int] = {}  # position of a tensor minus position of its parent

    def find(t: int) -> tuple[int, int]:
        if t not in parent:
            parent[t], delta[t] = t, 0
        path = []
        while parent[t] != t:
            path.append(t)
            t = parent[t]
        total = 0
        for u in reversed(path):  # compress: point every tensor on the path straight at the root
            total += delta[u]
            parent[u], delta[u] = t, total
        return t, (delta[path[0]] if path else 0)

    for a in relations:
        rs, ds = find(a.src)
        rd, dd = find(a.dst)
        if rs == rd:
            if dd != ds + a.offset:
                return None
            continue
        parent[rd], delta[rd] = rs, ds + a.offset - dd  # dst = src + offset
    root, offset = {}, {}
    for t in parent:
        root[t], offset[t] = find(t)
    return root, offset


def layout(relations) -> dict[int, tuple[int, int]] | None:
    """{tensor: (group root, byte offset inside the group)} for every aliased tensor, offsets shifted so
    each group starts at 0; None when the relations contradict each other."""
    found = _union(relations)
    if found is None:
        return None
    root, offset = found
    low: dict[int, int] = {}
    for t, r in root.items():
        low[r] = min(low.get(r, 0), offset[t])
    return {t: (r, offset[t] - low[r]) for t, r in root.items()}


def derived_tensors(lowered: list[Lowered]) -> set[int]:
    """Outputs of ops lowered to views: their bytes are other tensors' bytes, nothing writes them."""
    return {t for low in lowered if not isinstance(low.call, CODE_CALLS) for t in low.op.outputs}


def group_problems(g: Graph, places: dict[int, tuple[int, int]], derived: set[int],
                   offset_groups: set[int] = frozenset()) -> list[str]:
    """Why these groups would be incorrect (see the module docstring); [] when they are correct.
    offset_groups: roots of groups built with `Views`, where constants and variables are not allowed."""
    problems: list[str] = []
    members: dict[int, list[int]] = {}
    for t, (r, _) in places.items():
        members.setdefault(r, []).append(t)
    for r, ts in sorted(members.items()):
        if r in offset_groups:
            for t in sorted(ts):
                tensor = g.tensors[t]
                if tensor.is_const or tensor.is_variable:
                    problems.append(f"tensor {t} '{tensor.name}' is {'constant' if tensor.is_const else 'a variable (state region)'}"
                                    " and cannot be a view")
        if any(g.tensors[t].is_variable for t in ts) and r not in offset_groups:
            continue  # a variable with whole-tensor views of it (READ/ASSIGN_VARIABLE): micro.arena.variables
        writers = sorted((places[t][1], places[t][1] + g.tensors[t].nbytes, t) for t in ts
                         if t not in derived and not g.tensors[t].is_const)
        end, last = -1, None
        for start, stop, t in writers:
            if start < end:
                problems.append(f"tensors {last} and {t} would both be written to bytes from {start} of one "
                                "buffer")
            if stop > end:
                end, last = stop, t
    return problems


def resolve_views(g: Graph, lowered: list[Lowered], enabled: bool = True,
                  copy_ops: frozenset[int] | set[int] = frozenset()) -> list[Lowered]:
    """Each `Views` op becomes views (its call kept) where the groups stay correct, else its fallback
    kernel call (with a note saying why). enabled=False: every `Views` op falls back (copies);
    copy_ops: indices of ops that fall back because their views would grow the arena."""
    # Views of variables (micro.arena.variables decided them first) place pre-existing tensors: they count
    # from the start, so that no earlier op's views claim those tensors.
    accepted: list[Alias] = [low.call for low in lowered
                             if isinstance(low.call, Alias) and g.tensors[low.call.src].is_variable]
    offset_ops: list[Lowered] = []
    out: list[Lowered] = []
    derived: set[int] = set()
    for low in lowered:
        call = low.call
        if isinstance(call, Alias):
            if call not in accepted:
                accepted.append(call)
            derived |= set(low.op.outputs)
            out.append(low)
            continue
        if not isinstance(call, Views):
            out.append(low)
            continue
        reason = "views disabled" if not enabled else None
        if low.op.index in copy_ops:
            reason = "its views would make the arena larger"
        elif enabled:
            candidate = accepted + list(call.aliases)
            places = layout(candidate)
            if places is None:
                reason = "its parts would need two different places for one tensor"
            else:
                roots = {places[t][0] for o in offset_ops + [low] for a in o.aliases for t in (a.src, a.dst)}
                problems = group_problems(g, places, derived | set(low.op.outputs), roots)
                reason = problems[0] if problems else None
        if reason is None:
            accepted += list(call.aliases)
            derived |= set(low.op.outputs)
            offset_ops.append(low)
            out.append(low)
        else:
            out.append(Lowered(low.op, call.fallback, low.notes + [f"copied, not a view: {reason}"]))
    return out


def check_views(g: Graph, lowered: list[Lowered]) -> None:
    """Raise if the views of `lowered` (after resolve_views) put two writers on the same bytes."""
    places = layout([a for low in lowered for a in low.aliases])
    if places is None:
        raise AssertionError("views place one tensor at two offsets")
    roots = {places[a.src][0] for low in lowered if isinstance(low.call, Views) for a in low.aliases}
    problems = group_problems(g, places, derived_tensors(lowered), roots)
    if problems:
        raise AssertionError("; ".join(problems))
