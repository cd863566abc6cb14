"""The lowered form of a graph: one kernel call (or a view) per op. Lowering (micro.ops) produces it;
the arena planner (micro.arena) and codegen (micro.codegen) consume it.

Overlap declarations are what the planner may assume about a kernel, and nothing more; they hold only
when the overlapping input dies at the op:
- overlap_ok: input positions whose storage the output may share exactly (in place: output byte i is
  written only after input byte i and everything before it was read for the last time);
- overlap_gap {input position: D}: the output may start D or more bytes before that input (the kernel
  writes in ascending address order and never reads input that an earlier write could have
  overwritten; micro.geometry.forward_gap);
- overlap_gap_reverse {input position: D}: the output may start D or more bytes after that input (the
  kernel then writes in descending order; micro.geometry.reverse_gap).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from micro.ir import Op
from micro.kernels.abi import Kernel


@dataclass
class KernelCall:
    """`kernel.func(&params, inputs..., outputs...[, scratch])`.

    params: {field: int | numpy array | None | {nested struct fields}}, exactly the kernel's struct
    (checked here). inputs/outputs: tensor indices, one per kernel argument of that role (None passes
    NULL to an optional input). scratch_bytes: the scratch buffer the planner places in the arena.
    state_bytes / state_initial: the op's own state, kept between invokes outside the arena
    (micro.arena.state): `state_initial` (bytes) is its value after init and reset, zeros when None."""

    kernel: Kernel
    params: dict
    inputs: list[int | None]
    outputs: list[int]
    scratch_bytes: int = 0
    state_bytes: int = 0
    state_initial: bytes | None = None
    macs: int = 0
    overlap_ok: tuple[int, ...] = ()
    overlap_gap: dict = field(default_factory=dict)
    overlap_gap_reverse: dict = field(default_factory=dict)

    def __post_init__(self):
        k = self.kernel
        k.check_params(self.params)
        if len(self.inputs) != len(k.inputs) or len(self.outputs) != len(k.outputs):
            raise ValueError(f"{k.func} takes {len(k.inputs)} inputs and {len(k.outputs)} outputs, "
                             f"got {len(self.inputs)} and {len(self.outputs)}")
        for arg, t in zip(k.inputs, self.inputs):
            if t is None and not arg.optional:
                raise ValueError(f"{k.func}: input '{arg.name}' is required")
        if bool(self.scratch_bytes) != k.has_scratch:
            raise ValueError(f"{k.func}: scratch_bytes {self.scratch_bytes} but the kernel "
                             f"{'takes' if k.has_scratch else 'takes no'} scratch")
        if bool(self.state_bytes) != k.has_state:
            raise ValueError(f"{k.func}: state_bytes {self.state_bytes} but the kernel "
                             f"{'keeps' if k.has_state else 'keeps no'} state")
        if self.state_initial is not None and len(self.state_initial) != self.state_bytes:
            raise ValueError(f"{k.func}: state_initial has {len(self.state_initial)} bytes, not {self.state_bytes}")

    @property
    def func(self) -> str:
        return self.kernel.func

    def overlap_gaps(self) -> dict[int, int]:
        """{input position: minimum bytes the output must start before it} (0: exact in place)."""
        gaps = dict(self.overlap_gap)
        for pos in self.overlap_ok:
            gaps[pos] = 0
        return gaps


@dataclass
class Alias:
    """The op's output is a view of its input: no code, shared storage."""

    src: int
    dst: int
    macs: int = 0


@dataclass
class Lowered:
    op: Op
    call: KernelCall | Alias
    notes: list[str] = field(default_factory=list)
