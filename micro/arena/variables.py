"""Reads and writes of resource variables without copies, where they are provably safe.

READ_VARIABLE and ASSIGN_VARIABLE are lowered to a whole-tensor view of the variable's state buffer with a byte
copy as fallback (micro.ops.resource_variables). A kept view puts a tensor of the arena into the variable's
bytes (micro.arena.state: the state region):
- READ_VARIABLE's output IS the variable (no copy in): its readers read the state buffer;
- ASSIGN_VARIABLE's value is written into the variable by the op that produces it (no copy out).

When is that safe? Follow the variable's VERSIONS in model order: version 0 is what it holds when the invoke
starts, version i what the i-th ASSIGN_VARIABLE gives it. TFLM's semantics fix which version every read sees
(a READ between the i-th and the next ASSIGN sees version i). In the state buffer, version i occupies the
bytes from the step that writes it (the ASSIGN's copy, or the step of the op producing the value when the
ASSIGN is a view) to its last read (a READ copy; every reader of a READ view's output and of the tensors
viewing it (RESHAPE...); every reader of an ASSIGN view's value); the last version must survive the invoke.
The views are correct exactly when consecutive versions occupy disjoint, ordered step intervals: no write
lands while an earlier version is still read, and no read sees a later version too early. Accepted greedily
in model order, each view only if the versions of its variable stay disjoint with it.

The execution order keeps these intervals: micro.arena.order runs every op touching a state buffer's group
(the variable, READ outputs and ASSIGN values placed in it, their readers) in model order. Views that would
place a part of the group at an offset (CONCATENATION, SPLIT...) are refused by micro.arena.views (a variable
never joins an offset view group): those ops copy, at their own step.
"""

from __future__ import annotations

from micro.arena.state import is_state
from micro.ir import Graph
from micro.lowered import Alias, KernelCall, Lowered, Views

NEVER = 1 << 40  # "after the invoke": the last version of a variable is kept for the next one


def state_views(g: Graph, low: Lowered) -> Alias | None:
    """The state alias of an op lowered to views of a state tensor (READ_VARIABLE, ASSIGN_VARIABLE), else None."""
    call = low.call
    if isinstance(call, Views) and len(call.aliases) == 1 and is_state(g.tensors[call.aliases[0].src]):
        return call.aliases[0]
    return None


class _Model:
    """Who produces and who reads each tensor (positions in model order) and the whole-tensor views."""

    def __init__(self, g: Graph, lowered: list[Lowered]):
        self.g = g
        self.lowered = lowered
        self.producer = {t: k for k, low in enumerate(lowered) for t in low.op.outputs}
        self.readers: dict[int, list[int]] = {}
        for k, low in enumerate(lowered):
            for t in low.op.inputs:
                if t is not None:
                    self.readers.setdefault(t, []).append(k)
        self.derived: dict[int, list[int]] = {}   # tensor -> tensors that are whole views of it (RESHAPE...)
        for low in lowered:
            if isinstance(low.call, Alias) and low.call.offset == 0:
                self.derived.setdefault(low.call.src, []).append(low.call.dst)

    def closure(self, t: int) -> list[int]:
        out, todo = [], [t]
        while todo:
            x = todo.pop()
            if x not in out:
                out.append(x)
                todo += self.derived.get(x, [])
        return out

    def last_read(self, t: int, default: int) -> int:
        return max([default] + [k for x in self.closure(t) for k in self.readers.get(x, [])])

    def op(self, k: int) -> str:
        low = self.lowered[k]
        return f"op #{low.op.index} {low.op.kind}"


def _static_problem(m: _Model, k: int, alias: Alias) -> str | None:
    """Why the view of op k can never be kept, whatever the order; None when it may."""
    g, low = m.g, m.lowered[k]
    t = alias.dst
    io = set(g.inputs) | set(g.outputs)
    if any(x in io for x in m.closure(t)):
        return f"tensor {t} '{g.tensors[t].name}' is a model input or output (it needs storage of its own)"
    if low.op.kind == "ASSIGN_VARIABLE":
        tensor = g.tensors[t]
        if tensor.is_const or is_state(tensor):
            return f"the value, tensor {t} '{tensor.name}', is {'a constant' if tensor.is_const else 'state'}"
        p = m.producer.get(t)
        if p is None or not isinstance(m.lowered[p].call, (KernelCall, Views)) or \
                state_views(g, m.lowered[p]) is not None:
            return f"the value, tensor {t} '{tensor.name}', is not written by a kernel of its own"
        if p > k:
            return "the value is produced after the assignment"
    return None


def _versions_problem(m: _Model, var: int, kept: set[int]) -> str | None:
    """Why the views `kept` (positions) of variable `var` would be wrong (see the module docstring); None
    when every version of the variable occupies its own steps."""
    ops = [(k, low) for k, low in enumerate(m.lowered)
           if low.op.kind in ("READ_VARIABLE", "ASSIGN_VARIABLE") and low.op.inputs[0] == var]
    assigns = [k for k, low in ops if low.op.kind == "ASSIGN_VARIABLE"]
    bounds = [-1] + assigns
    spans = []   # (first step, step that writes it, last step that reads it, step of the last read)
    for i, a in enumerate(bounds):
        nxt = bounds[i + 1] if i + 1 < len(bounds) else NEVER
        if i == 0:
            start = -1
        else:
            start = m.producer[m.lowered[a].op.inputs[1]] if a in kept else a
        end, reader = start, start
        if i and a in kept:
            last = m.last_read(m.lowered[a].op.inputs[1], a)
            end, reader = max(end, last), last
        for r, low in ops:
            if low.op.kind == "READ_VARIABLE" and a < r < nxt:
                last = m.last_read(low.op.outputs[0], r) if r in kept else r
                if last > end:
                    end, reader = last, last
        if i == len(bounds) - 1:
            end = NEVER
        spans.append((start, end, reader))
    name = m.g.tensors[var].name
    for (_, end, reader), (start, _, _) in zip(spans, spans[1:]):
        if end >= start:
            return (f"variable '{name}' would be overwritten by {m.op(start)} while {m.op(reader)} still reads "
                    "the value it held before")
    return None


def resolve_state_views(g: Graph, lowered: list[Lowered], enabled: bool = True) -> list[Lowered]:
    """Each op lowered to views of a state tensor becomes that view (a whole-tensor Alias) where it is safe in
    model order, else its copy kernel, with a note saying why. `lowered` is in model order."""
    m = _Model(g, lowered)
    out = list(lowered)
    kept: dict[int, set[int]] = {}
    placed: set[int] = set()   # tensors already in a state buffer (one variable's each)
    for k, low in enumerate(lowered):
        alias = state_views(g, low)
        if alias is None:
            continue
        reason = None if enabled else "views disabled"
        reason = reason or _static_problem(m, k, alias)
        if reason is None and placed & set(m.closure(alias.dst)):
            reason = f"tensor {alias.dst} '{g.tensors[alias.dst].name}' is already placed in another variable"
        if reason is None:
            trial = kept.get(alias.src, set()) | {k}
            reason = _versions_problem(m, alias.src, trial)
            if reason is None:
                kept[alias.src] = trial
                placed.update(m.closure(alias.dst))
        if reason is None:
            out[k] = Lowered(low.op, alias, list(low.notes))
        else:
            out[k] = Lowered(low.op, low.call.fallback, low.notes + [f"copied, not a view: {reason}"])
    return out
