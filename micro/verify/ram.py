"""Whole-firmware RAM, measured: what the firmware of a model occupies while it runs, not what it reserves.

RAM = arena + state (the model's, from the ELF's .arena and .state) + the stack's high-water mark over one
invoke (the harness paints the stack at start and reports the deepest byte touched with every RESULT) + the
runtime's .data and .bss (harness, kernels, C library). Measured on the board's emulator (QEMU); `micro inspect
--board` reports it beside the budget.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import numpy as np

from micro.deploy.boards import Board, get_board
from micro.errors import MicroError
from micro.verify.board import run_on_board
from micro.verify.compare import random_inputs


@dataclass
class FirmwareRam:
    board: str
    arena: int
    state: int
    stack_used: int
    stack_reserved: int
    data_bss: int

    @property
    def total(self) -> int:
        return self.arena + self.state + self.stack_used + self.data_bss

    def line(self) -> str:
        state = f" + state {self.state:,}" if self.state else ""
        return (f"whole-firmware RAM on {self.board} (measured in emulation): {self.total:,} B = arena {self.arena:,}"
                f"{state} + stack high-water {self.stack_used:,} (of {self.stack_reserved:,} reserved) + runtime "
                f".data/.bss {self.data_bss:,}")

    def as_dict(self) -> dict:
        return dict(board=self.board, total=self.total, arena=self.arena, state=self.state,
                    stack_used=self.stack_used, stack_reserved=self.stack_reserved, data_bss=self.data_bss)


def can_measure(board: Board | str) -> bool:
    emulator = get_board(board).emulated().emulator or ""
    return emulator.startswith("qemu:") and shutil.which("qemu-system-arm") is not None


def measure_firmware_ram(compiled, board: Board | str, inputs: list[np.ndarray] | None = None,
                         builder: str | None = None) -> FirmwareRam:
    board = get_board(board)
    if not can_measure(board):
        raise MicroError(f"whole-firmware RAM is measured in QEMU; {board.name} has no QEMU emulation here "
                         "(see `micro boards`)")
    inputs = inputs if inputs is not None else random_inputs(compiled.graph, np.random.default_rng(0))
    runs, session = run_on_board(compiled, [inputs], board, builder=builder)
    m = session.firmware.memory
    return FirmwareRam(board.name, m.arena, m.state, max(r.stack_used for r in runs), m.stack_reserved, m.other_ram)
