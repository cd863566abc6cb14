"""The memory budget of a model on a board, checked before anything is built: does it fit?

flash = weights (the model's constants: weight arrays and per-op parameter arrays) + code (the model's C, its
kernels and the C library functions they call, compiled for the board's CPU and linked alone when
arm-none-eabi-gcc is there: micro.deploy.code_size.measure_model_code; else an estimate per kernel and per
op) + what the framework/harness takes; RAM = arena + the stack the firmware reserves + what the framework
takes (both from the board record, micro/deploy/boards/). The ELF that `micro build` then links is measured
by micro.deploy.elf; the budget is an upper bound of it.

Public API::

    estimate_budget(compiled, board, framework, generated=None) -> Budget    .fits, .lines(), .problems()
    check_budget(budget)                     raises BudgetError (a BuildError) with the numbers and advice
"""

from __future__ import annotations

from dataclasses import dataclass

from micro.codegen import GeneratedFiles, emit_c
from micro.deploy.boards import Board, get_board
from micro.deploy.code_size import CodeBreakdown, measure_model_code
from micro.deploy.errors import BuildError
from micro.lowered import KernelCall

KERNEL_FALLBACK_BYTES = 3 * 1024     # code per kernel file when no cross compiler can measure it
OP_CALL_BYTES = 48                   # code per op call in <name>_invoke (measured: ~30-60 B on Cortex-M4)


class BudgetError(BuildError):
    """The model does not fit the board."""

    def __init__(self, budget: "Budget"):
        self.budget = budget
        super().__init__(budget.failure_message())


@dataclass
class Budget:
    model: str
    board: Board
    framework: str
    weights: int                 # model constants: weight arrays + per-op parameter arrays
    code: int                    # model code + kernels (estimate)
    code_measured: bool          # True when `code` comes from compiling the kernels for the board's CPU
    framework_flash: int
    arena: int
    stack: int
    framework_ram: int
    state: int = 0               # what a streaming model keeps between invokes (micro.arena.state)
    largest_tensor: str = ""
    largest_weight: str = ""
    code_breakdown: CodeBreakdown | None = None   # when measured: kernels, model, C library (and weights)

    @property
    def flash(self) -> int:
        return self.weights + self.code + self.framework_flash

    @property
    def const_ram(self) -> int:
        """Weights held in RAM too (boards that copy const data to RAM: AVR)."""
        return self.weights if self.board.const_in_ram else 0

    @property
    def ram(self) -> int:
        return self.arena + self.state + self.stack + self.framework_ram + self.const_ram

    def _state_desc(self) -> str:
        return f" + state {self.state:,}" if self.state else ""

    @property
    def flash_limit(self) -> int:
        return self.board.flash_bytes

    @property
    def ram_limit(self) -> int:
        return self.board.ram_bytes

    @property
    def fits(self) -> bool:
        return self.flash <= self.flash_limit and self.ram <= self.ram_limit

    def _flash_desc(self) -> str:
        boot = ""
        if self.board.bootloader_bytes:
            total = self.flash_limit + self.board.bootloader_bytes
            size = f"{total >> 20} MB" if total % (1 << 20) == 0 else f"{total >> 10} KB"
            boot = f" ({size} minus the {self.board.bootloader_bytes >> 10} KB bootloader)"
        return f"{self.flash_limit:,} B{boot}"

    def _const_desc(self) -> str:
        return f" + weights {self.const_ram:,} (const data is copied to RAM on {self.board.cpu})" if self.const_ram else ""

    def lines(self) -> list[str]:
        est = "compiled for the board's CPU" if self.code_measured else "estimate"
        return [
            f"flash: {self.flash:,} B needed of {self._flash_desc()}: weights {self.weights:,} + code "
            f"{self.code:,} ({est}) + {self.framework} {self.framework_flash:,}",
            f"RAM:   {self.ram:,} B needed of {self.ram_limit:,} B: arena {self.arena:,}{self._state_desc()} + "
            f"stack {self.stack:,} + "
            f"{self.framework} {self.framework_ram:,}{self._const_desc()}",
        ]

    def problems(self) -> list[str]:
        out = []
        if self.flash > self.flash_limit:
            out.append(f"flash: needs {self.flash:,} B but {self.board.name} has {self._flash_desc()} "
                       f"({self.flash - self.flash_limit:,} B over): weights {self.weights:,} + code {self.code:,} "
                       f"+ {self.framework} {self.framework_flash:,}")
        if self.ram > self.ram_limit:
            out.append(f"RAM: needs {self.ram:,} B but {self.board.name} has {self.ram_limit:,} B "
                       f"({self.ram - self.ram_limit:,} B over): arena {self.arena:,}{self._state_desc()} + "
                       f"stack {self.stack:,} + "
                       f"{self.framework} {self.framework_ram:,}{self._const_desc()}")
        return out

    def advice(self) -> list[str]:
        out = []
        if self.ram > self.ram_limit:
            out.append(f"The arena holds the activations that are alive together; the largest tensor is "
                       f"{self.largest_tensor}. A lower input resolution or fewer channels in the early layers "
                       f"shrinks it; `micro plan MODEL` shows the peak and what is alive there.")
            if self.framework == "arduino" and self.arena + self.state + self.stack + \
                    self.board.framework_reserve("baremetal")[1] <= self.ram_limit:
                out.append("It would fit without the Arduino core: `--framework baremetal`.")
        if self.flash > self.flash_limit:
            out.append(f"The weights take {self.weights:,} B (largest: {self.largest_weight}); fewer or narrower "
                       "layers, or pruning, reduce them (micro stores int8 weights as they are in the model).")
            if self.framework == "arduino" and self.weights + self.code + \
                    self.board.framework_reserve("baremetal")[0] <= self.flash_limit:
                out.append("It would fit without the Arduino core: `--framework baremetal`.")
        out.append("Or choose a board with more memory (`micro boards`).")
        return out

    def failure_message(self) -> str:
        lines = [f"{self.model} does not fit {self.board.name} ({self.framework}):"]
        lines += [f"  - {p}" for p in self.problems()]
        lines += [f"  {a}" for a in self.advice()]
        lines.append("  (`--ignore-budget` builds anyway.)")
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return dict(flash=self.flash, flash_limit=self.flash_limit, weights=self.weights, code=self.code,
                    code_measured=self.code_measured, framework_flash=self.framework_flash, ram=self.ram,
                    ram_limit=self.ram_limit, arena=self.arena, state=self.state, stack=self.stack,
                    framework_ram=self.framework_ram, fits=self.fits,
                    code_breakdown=self.code_breakdown.as_dict() if self.code_breakdown else None)


def estimate_budget(compiled, board: Board | str, framework: str, generated: GeneratedFiles | None = None) -> Budget:
    board = get_board(board)
    generated = generated or emit_c(compiled)
    g = compiled.graph
    measured = measure_model_code(generated, board)
    if measured is not None:
        code, weights = measured.code, compiled.weight_bytes + measured.parts["weights"]
    else:
        n_kernels = sum(1 for f in generated.kernel_files if f.endswith(".c"))
        code = n_kernels * KERNEL_FALLBACK_BYTES + len(compiled.lowered) * OP_CALL_BYTES
        weights = compiled.weight_bytes + sum(int(v.nbytes) for low in compiled.lowered
                                              if isinstance(low.call, KernelCall)
                                              for v in low.call.params.values() if hasattr(v, "nbytes"))
    fw_flash, fw_ram = board.framework_reserve(framework)
    acts = [t for t in g.tensors if not t.is_const]
    consts = [t for t in g.tensors if t.is_const]
    big = max(acts, key=lambda t: t.nbytes, default=None)
    bigw = max(consts, key=lambda t: t.nbytes, default=None)
    return Budget(
        model=compiled.name, board=board, framework=framework, weights=weights, code=code,
        code_measured=measured is not None, framework_flash=fw_flash, arena=compiled.plan.arena_bytes,
        stack=board.stack_reserve(framework), framework_ram=fw_ram, state=compiled.state.state_bytes,
        largest_tensor=(f"'{big.name}' {big.dtype}{list(big.shape)}, {big.nbytes:,} B" if big else "-"),
        largest_weight=(f"'{bigw.name}' {bigw.dtype}{list(bigw.shape)}, {bigw.nbytes:,} B" if bigw else "-"),
        code_breakdown=measured)


def board_ram_budget(board: Board | str, framework: str) -> int:
    """RAM left for the model (arena + state) on `board`: its RAM less the stack and what the framework takes
    (`micro compile/plan/build --board` fit the model's schedule into this; boards that copy const data to RAM
    also need the weights, counted by estimate_budget)."""
    board = get_board(board)
    return board.ram_bytes - board.stack_reserve(framework) - board.framework_reserve(framework)[1]


def check_budget(budget: Budget) -> None:
    if not budget.fits:
        raise BudgetError(budget)
