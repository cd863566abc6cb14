"""State: what a model keeps from one invoke to the next (TFLite variable tensors, e.g. SVDF and LSTM
state). It lives outside the arena, in a region of its own that `<name>_reset()` sets back to its
initial value, so the arena can be reused freely within an invoke.

Initial value, as TFLM's ResetVariableTensor: an int8 variable holds its zero point, anything else 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from micro.ir import Graph, Tensor

STATE_ALIGNMENT = 8


@dataclass
class StateBuffer:
    name: str
    size: int
    offset: int
    tensors: list[int] = field(default_factory=list)
    fill: int = 0                       # the byte every element starts at (int8 zero point), when `initial` is None
    initial: np.ndarray | None = None   # the initial contents, when not one repeated byte


@dataclass
class StatePlan:
    buffers: list[StateBuffer] = field(default_factory=list)
    tensor_state: dict[int, int] = field(default_factory=dict)
    state_bytes: int = 0

    def tensor_offset(self, t: int) -> int:
        return self.buffers[self.tensor_state[t]].offset


def is_state(t: Tensor) -> bool:
    return t.is_variable


def reset_byte(t: Tensor) -> int:
    """TFLM ResetVariableTensor: memset to the zero point for int8, else to 0."""
    if t.dtype == "int8" and t.quant is not None:
        return t.quant.zp & 0xFF
    return 0


def plan_state(g: Graph) -> StatePlan:
    plan = StatePlan()
    offset = 0
    for t in g.tensors:
        if not is_state(t):
            continue
        plan.tensor_state[t.index] = len(plan.buffers)
        plan.buffers.append(StateBuffer(f"s{t.index}:{t.name}", t.nbytes, offset, [t.index], reset_byte(t)))
        offset += -(-t.nbytes // STATE_ALIGNMENT) * STATE_ALIGNMENT
    plan.state_bytes = offset
    return plan
