"""ELF files in pure Python (no binutils): section headers, and the one account of the flash and RAM a
firmware occupies, used by `micro build`, `micro firmware`, `micro run`/`verify --board`, the budget check
and the benchmarks.

Public API::

    elf_sections(path) -> list[Section]               ELF32/ELF64 little-endian, executable or object
    firmware_memory(path, board) -> FirmwareMemory    .flash, .ram, .lines(), .summary(), .as_dict()

Memory accounting, from the allocated sections (see firmware_templates/common/linker.ld.in):
flash = code (every section with an image in flash but .weights: vectors, text, read-only data of harness,
kernels and libc, .data's initial values) + weights (.weights: the model's weight and per-op parameter
arrays); RAM = arena (.arena, the model's tensors) + state (.state, what a streaming model keeps between
invokes; firmware built with micro's linker script) + other (.data, .bss and any other writable section:
serial buffers etc.) + stack (.stack, reserved; its run-time high-water mark comes with every RESULT).
A heap that fills the rest of RAM is not counted.
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from micro.deploy.boards import Board
from micro.errors import MicroError

SHT_NOBITS = 8
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 0x1, 0x2, 0x4
_NOT_STATIC_RAM = re.compile(r"^\.(heap|stack_dummy|noinit_heap)")


class ElfError(MicroError):
    """A file that is not an ELF this reader understands."""


@dataclass
class Section:
    name: str
    type: int
    flags: int
    addr: int
    size: int

    @property
    def alloc(self) -> bool:
        return bool(self.flags & SHF_ALLOC)

    @property
    def nobits(self) -> bool:
        return self.type == SHT_NOBITS


def elf_sections(path: str | os.PathLike) -> list[Section]:
    """Section headers of an ELF32/ELF64 little-endian file (executable or object)."""
    data = Path(path).read_bytes()
    if data[:4] != b"\x7fELF":
        raise ElfError(f"{path} is not an ELF file")
    cls, endian = data[4], data[5]
    if endian != 1:
        raise ElfError(f"{path}: big-endian ELF is not supported")
    if cls == 1:
        shoff, = struct.unpack_from("<I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)
        fmt = "<IIIIIIIIII"
    elif cls == 2:
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
        fmt = "<IIQQQQIIQQ"
    else:
        raise ElfError(f"{path}: unknown ELF class {cls}")
    raw = [struct.unpack_from(fmt, data, shoff + i * shentsize) for i in range(shnum)]
    if not raw:
        return []
    str_off, str_size = raw[shstrndx][4], raw[shstrndx][5]
    names = data[str_off:str_off + str_size]
    out = []
    for h in raw:
        name_at = h[0]
        end = names.find(b"\0", name_at)
        out.append(Section(names[name_at:end].decode("ascii", "replace"), h[1], h[2], h[3], h[5]))
    return out


@dataclass
class FirmwareMemory:
    """Bytes of flash and RAM a firmware ELF occupies, by part (see the module docstring)."""

    code: int
    weights: int
    arena: int
    other_ram: int                # .data, .bss and the rest of the static RAM
    stack_reserved: int
    flash_limit: int              # the board's
    ram_limit: int
    sections: dict[str, int] = field(default_factory=dict)   # every allocated section: bytes
    state: int = 0                # .state: the model's variables (kept between invokes)

    @property
    def flash(self) -> int:
        return self.code + self.weights

    @property
    def ram(self) -> int:
        return self.arena + self.state + self.other_ram + self.stack_reserved

    def summary(self) -> str:
        """One line (`micro firmware`, `micro run`, board verification reports)."""
        state = f" + state {self.state:,}" if self.state else ""
        return (f"flash {self.flash:,} B (code {self.code:,} + weights {self.weights:,}), "
                f"RAM {self.ram:,} B (arena {self.arena:,}{state} + other {self.other_ram:,} + stack "
                f"{self.stack_reserved:,})")

    def lines(self) -> list[str]:
        """Against the board's limits (`micro build`)."""
        def pct(a, b):
            return f"{100.0 * a / b:.1f}%" if b else "-"
        fl = " + ".join(f"{k} {v:,}" for k, v in (("code", self.code), ("weights", self.weights)) if v)
        rl = " + ".join(f"{k} {v:,}" for k, v in (("arena", self.arena), ("state", self.state),
                                                  ("stack", self.stack_reserved),
                                                  ("data+bss", self.other_ram)) if v)
        return [f"flash: {self.flash:,} B of {self.flash_limit:,} B ({pct(self.flash, self.flash_limit)}): {fl}",
                f"RAM:   {self.ram:,} B of {self.ram_limit:,} B ({pct(self.ram, self.ram_limit)}): {rl}"]

    def as_dict(self) -> dict:
        return dict(flash=self.flash, code=self.code, weights=self.weights, ram=self.ram, arena=self.arena,
                    state=self.state,
                    other_ram=self.other_ram, stack_reserved=self.stack_reserved, flash_limit=self.flash_limit,
                    ram_limit=self.ram_limit, sections=self.sections)


def firmware_memory(path: str | os.PathLike, board: Board) -> FirmwareMemory:
    """Flash and RAM of a linked firmware, from its allocated sections."""
    secs = [s for s in elf_sections(path) if s.alloc and s.size]
    code = weights = arena = state = stack = other = 0
    for s in secs:
        if _NOT_STATIC_RAM.match(s.name):
            continue
        if not s.nobits:  # has an image in flash (.data's initial values included)
            if s.name == ".weights":
                weights += s.size
            else:
                code += s.size
        if s.flags & SHF_WRITE or s.nobits:
            if s.name == ".arena":
                arena += s.size
            elif s.name == ".state":
                state += s.size
            elif s.name == ".stack":
                stack += s.size
            else:
                other += s.size
    return FirmwareMemory(code, weights, arena, other, stack, board.flash_bytes, board.ram_bytes,
                          {s.name: s.size for s in secs}, state)
