"""State: what a model keeps from one invoke to the next: TFLite variable tensors (e.g. SVDF and LSTM
state), resource variables (micro.passes.resource_variables) and kernels' own state (KernelCall.state_bytes,
e.g. a noise estimate). It lives outside the arena, in a region of its own that `<name>_reset()` sets back to
its initial value, so the arena can be reused freely within an invoke.

Initial value, as TFLM's ResetVariableTensor: an int8 variable holds its zero point, anything else 0; a
resource variable its `fill` (micro.ir.ResourceVariable), and CALL_ONCE's value (`call_once`) from the first
invoke on, until a reset.

Tensors viewing a state tensor (a READ_VARIABLE output, an ASSIGN_VARIABLE value: micro.arena.variables) live
in its buffer too (`StatePlan.views`), not in the arena.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from micro.arena.views import layout
from micro.ir import Graph, Tensor
from micro.lowered import KernelCall, Lowered

STATE_ALIGNMENT = 8


@dataclass
class StateBuffer:
    name: str
    size: int
    offset: int
    tensors: list[int] = field(default_factory=list)
    fill: int = 0                       # the byte every element starts at (int8 zero point), when `initial` is None
    initial: np.ndarray | None = None   # the initial contents, when not one repeated byte
    call_once: np.ndarray | None = None  # bytes CALL_ONCE's init subgraph assigns at the first invoke (not on reset)
    mirror: int | None = None  # a kernel's state: the op output holding a copy of it after the op (KernelCall)


@dataclass
class StatePlan:
    buffers: list[StateBuffer] = field(default_factory=list)
    tensor_state: dict[int, int] = field(default_factory=dict)
    op_state: dict[int, int] = field(default_factory=dict)     # op index -> buffer of the kernel's own state
    views: dict[int, tuple[int, int]] = field(default_factory=dict)  # tensor -> (buffer, byte offset in it)
    state_bytes: int = 0

    def tensor_offset(self, t: int) -> int:
        return self.buffers[self.tensor_state[t]].offset

    def view_offset(self, t: int) -> int:
        k, off = self.views[t]
        return self.buffers[k].offset + off

    def op_offset(self, op_index: int) -> int:
        return self.buffers[self.op_state[op_index]].offset

    def add(self, buf: StateBuffer) -> int:
        buf.offset = self.state_bytes
        self.buffers.append(buf)
        self.state_bytes += -(-buf.size // STATE_ALIGNMENT) * STATE_ALIGNMENT
        return len(self.buffers) - 1


def is_state(t: Tensor) -> bool:
    return t.is_variable


def reset_byte(t: Tensor) -> int:
    """TFLM ResetVariableTensor: memset to the zero point for int8, else to 0."""
    if t.dtype == "int8" and t.quant is not None:
        return t.quant.zp & 0xFF
    return 0


def state_roots(g: Graph, places: dict[int, tuple[int, int]]) -> dict[int, int]:
    """{root of a view group (micro.arena.views.layout): the state tensor in it} for every state tensor: those
    groups live in the state region, not in the arena."""
    return {places[t][0] if t in places else t: t for t, tensor in enumerate(g.tensors) if is_state(tensor)}


def plan_state(g: Graph, lowered: list[Lowered]) -> StatePlan:
    plan = StatePlan()
    for t in g.tensors:
        if is_state(t):
            res = g.resources.get(t.index)
            fill = res.fill if res is not None else reset_byte(t)
            plan.tensor_state[t.index] = plan.add(StateBuffer(f"s{t.index}:{t.name}", t.nbytes, 0, [t.index], fill,
                                                              call_once=None if res is None else res.init))
    places = layout([a for low in lowered for a in low.aliases]) or {}
    roots = state_roots(g, places)
    for t, (root, off) in sorted(places.items()):
        v = roots.get(root)
        if v is not None and t != v:
            plan.views[t] = (plan.tensor_state[v], off - places[v][1])
    for low in lowered:
        call = low.call
        if isinstance(call, KernelCall) and call.state_bytes:
            initial = None if call.state_initial is None else np.frombuffer(call.state_initial, np.uint8).copy()
            mirror = None if call.state_mirror is None else call.outputs[call.state_mirror]
            plan.op_state[low.op.index] = plan.add(StateBuffer(f"state:op{low.op.index}", call.state_bytes, 0,
                                                               initial=initial, mirror=mirror))
    return plan
