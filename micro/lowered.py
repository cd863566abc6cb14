"""The lowered form of a graph: one kernel call (or views) per op. Lowering (micro.ops) produces it;
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

Views: an op whose outputs are bytes of its inputs (RESHAPE) or whose inputs are bytes of its output
(CONCATENATION of contiguous parts) runs no code when the planner places the tensors inside one
another (`Alias`). A whole-tensor `Alias` is always placed; `Views` (parts at byte offsets) carry the
copy kernel to fall back on where the planner cannot prove the placement safe (micro.arena.views).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from micro.ir import Op
from micro.kernels.abi import Kernel


@dataclass
class KernelCall:
    """`kernel.func(&params, inputs..., outputs...[, scratch])`.

    params: {field: int | numpy array | None | {nested struct fields}}, exactly the kernel's struct
    (checked here). inputs/outputs: tensor indices in argument order, one per kernel argument of that
    role, except that a variadic argument (Arg.count) takes a run of them, as many as its count field
    says (None passes NULL to an optional input). scratch_bytes: the scratch buffer the planner
    places in the arena. state_bytes / state_initial: the op's own state, kept between invokes outside
    the arena (micro.arena.state): `state_initial` (bytes) is its value after init and reset, zeros
    when None. state_mirror: the output position that holds a copy of the whole state after the call
    (TFLM's kernel exposes its state there), so verification compares the state itself with TFLM.
    tflm_writes: {output position: (start, end)}: TFLM's kernel writes only that range of the output's last
    axis and leaves the rest as the arena held it, so verification compares only that range."""

    kernel: Kernel
    params: dict
    inputs: list[int | None]
    outputs: list[int]
    scratch_bytes: int = 0
    state_bytes: int = 0
    state_initial: bytes | None = None
    state_mirror: int | None = None
    tflm_writes: dict = field(default_factory=dict)
    macs: int = 0
    overlap_ok: tuple[int, ...] = ()
    overlap_gap: dict = field(default_factory=dict)
    overlap_gap_reverse: dict = field(default_factory=dict)

    def __post_init__(self):
        k = self.kernel
        k.check_params(self.params)
        for role, tensors in (("input", self.inputs), ("output", self.outputs)):
            for arg, group in k.group(role, tensors, self.params):
                if any(t is None for t in group) and not arg.optional:
                    raise ValueError(f"{k.func}: {role} '{arg.name}' is required")
        scratch = k.role("scratch")
        if (self.scratch_bytes and not scratch) or (not self.scratch_bytes and scratch and not scratch[0].optional):
            raise ValueError(f"{k.func}: scratch_bytes {self.scratch_bytes} but the kernel "
                             f"{'takes' if scratch else 'takes no'} scratch")
        if bool(self.state_bytes) != k.has_state:
            raise ValueError(f"{k.func}: state_bytes {self.state_bytes} but the kernel "
                             f"{'keeps' if k.has_state else 'keeps no'} state")
        if self.state_mirror is not None and not 0 <= self.state_mirror < len(self.outputs):
            raise ValueError(f"{k.func}: state_mirror {self.state_mirror} is not an output position")
        if self.state_initial is not None and len(self.state_initial) != self.state_bytes:
            raise ValueError(f"{k.func}: state_initial has {len(self.state_initial)} bytes, not {self.state_bytes}")

    @property
    def func(self) -> str:
        return self.kernel.func

    def arguments(self, role: str) -> list[tuple]:
        """[(Arg, [tensor indices])] of one role ("input" or "output"), in argument order."""
        return self.kernel.group(role, self.inputs if role == "input" else self.outputs, self.params)

    def overlap_gaps(self) -> dict[int, int]:
        """{input position: minimum bytes the output must start before it} (0: exact in place)."""
        gaps = dict(self.overlap_gap)
        for pos in self.overlap_ok:
            gaps[pos] = 0
        return gaps


@dataclass(frozen=True)
class Alias:
    """Tensor `dst` is bytes [offset, offset + dst's size) of tensor `src`'s storage: no code runs.
    Either side may be the op's output: RESHAPE and SPLIT outputs are views of their input; the
    inputs of an aliased CONCATENATION are views of its output (their producers write straight
    into it)."""

    src: int
    dst: int
    offset: int = 0


@dataclass
class Views:
    """An op that is views alone when the planner can place them (micro.arena.views), else `fallback`,
    the kernel that copies the same bytes."""

    aliases: tuple[Alias, ...]
    fallback: KernelCall


@dataclass(frozen=True)
class Ref:
    """Where a patch step reads or writes its activation: `offset` bytes into tensor `tensor`'s storage, or
    into the patch's scratch when `tensor` is None."""

    tensor: int | None
    offset: int


@dataclass
class PatchStep:
    """One kernel call of a patch: a band of rows of model op `op` (tile `tile`). `call` carries the band's
    geometry; its inputs[0]/outputs[0] name the model's tensors (their types), `src`/`dst` where the band
    really is. `scratch` is the offset of the call's own scratch inside the patch scratch."""

    op: Op
    tile: int
    call: KernelCall
    src: Ref
    dst: Ref
    scratch: int = 0
    rows: tuple[int, int] = (0, 0)   # the op's output rows [start, stop) this call computes


@dataclass
class PatchCall:
    """A chain of window ops run band by band (micro.patch): every tile computes its rows through the whole
    chain (the halo rows recomputed) and writes them into `outputs[0]`; the chain's intermediate tensors
    never exist whole, only their bands in `scratch_bytes` (placed by the arena planner like any scratch).
    `overlap_gap` {0: D}: the output may start D bytes before the input (no tile writes input bytes a later
    tile reads)."""

    steps: list[PatchStep]
    inputs: list[int]
    outputs: list[int]
    tiles: int
    rows: list[tuple[int, int]]          # output rows [start, stop) of each tile
    internal: tuple[int, ...] = ()       # the chain's tensors that exist only as bands
    scratch_bytes: int = 0
    macs: int = 0
    base_macs: int = 0                   # the same ops run whole
    op_macs: dict = field(default_factory=dict)  # {op index: its MACs run whole}
    overlap_gap: dict = field(default_factory=dict)
    overlap_gap_reverse: dict = field(default_factory=dict)
    overlap_ok: tuple[int, ...] = ()
    state_bytes: int = 0

    @property
    def func(self) -> str:
        return f"patch ({self.tiles} tiles)"

    @property
    def kernels(self) -> list[Kernel]:
        out: list[Kernel] = []
        for s in self.steps:
            if s.call.kernel not in out:
                out.append(s.call.kernel)
        return out

    @property
    def ops(self) -> list[Op]:
        seen: dict[int, Op] = {}
        for s in self.steps:
            seen.setdefault(s.op.index, s.op)
        return list(seen.values())

    def overlap_gaps(self) -> dict[int, int]:
        return dict(self.overlap_gap)


CODE_CALLS = (KernelCall, PatchCall)  # what runs code (the rest are views)


@dataclass
class Lowered:
    op: Op
    call: KernelCall | Alias | Views | PatchCall
    notes: list[str] = field(default_factory=list)

    @property
    def aliases(self) -> tuple[Alias, ...]:
        """The views this op places (empty for a kernel call)."""
        if isinstance(self.call, Alias):
            return (self.call,)
        if isinstance(self.call, Views):
            return self.call.aliases
        return ()

    @property
    def macs(self) -> int:
        return self.call.macs if isinstance(self.call, CODE_CALLS) else 0
