"""Boards: one data file per target, `micro/deploy/boards/<name>.toml`, loaded here. `micro boards` lists them.

A board is data only: CPU flags, memory map, serial line, emulator, per framework the flash/RAM the
firmware needs besides the model and the stack it reserves, and the compiler options its firmware is built
with ([compiler], chosen by measurement: benchmarks/compiler_options.py) (see nano33ble.toml for every key).
Adding a board is one TOML file here plus its board-support folder `firmware_templates/<template_dir>/`;
PlatformIO's board manifest for offline builds is made from the file (micro.deploy.pio_project.board_manifest).

Public API::

    BOARDS: dict[str, Board]          every board, by name, in file-name order
    get_board(name) -> Board          MicroError naming the known boards for an unknown one (a Board: itself)
    load_board(path) -> Board         one board file (BoardError for a missing or unknown key)
"""

from __future__ import annotations

import tomllib
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path

from micro.errors import MicroError

BOARDS_DIR = Path(__file__).resolve().parent


class BoardError(MicroError):
    """A board file that cannot be used."""


@dataclass(frozen=True)
class FrameworkNeeds:
    """What the firmware of one framework takes on a board besides the model's code, weights and arena."""

    flash_bytes: int              # harness (protocol buffers, startup, libc) or a framework core
    ram_bytes: int
    stack_bytes: int              # main stack the firmware reserves (0: inside the framework's own RAM)


@dataclass(frozen=True)
class CompilerOptions:
    """How a board's firmware is compiled, by part ([compiler] of the board file). The optimisation and code
    generation flags only: warnings, -std and the CPU flags (Board.cflags) are the same for every part."""

    model: tuple[str, ...] = ("-O2",)     # the model's C (<name>.c) and its kernels: where an invoke spends its time
    harness: tuple[str, ...] = ("-O2",)   # startup, board support, serial protocol, self-test: runs between invokes
    link: tuple[str, ...] = ()            # extra flags of the link step

    def for_part(self, part: str) -> tuple[str, ...]:
        """The flags of "model" or "harness" code."""
        return self.model if part == "model" else self.harness


@dataclass(frozen=True)
class Board:
    name: str
    description: str
    cpu: str                      # e.g. "cortex-m4"
    cflags: tuple[str, ...]       # CPU/ABI flags for compiling and linking
    dsp: bool                     # the cflags define __ARM_FEATURE_DSP: kernels compile their Arm DSP paths
    flash_origin: int
    flash_bytes: int              # for the application (a bootloader's part excluded)
    ram_origin: int
    ram_bytes: int
    serial: str                   # how the harness talks to it: "cmsdk_uart", "nrf_uarte0"
    template_dir: str             # folder under firmware_templates/ with the board support
    frameworks: tuple[str, ...]   # what `micro build --framework` accepts; the first is the default
    framework: dict[str, FrameworkNeeds] = field(hash=False)   # by framework name: [framework.<name>]
    emulator: str | None = None   # "qemu:mps2-an386", "renode:arduino_nano_33_ble"
    upload: str | None = None     # upload tool, for real hardware
    platformio_board: str | None = None
    platformio_platform: str | None = None   # registry platform of framework builds, e.g. "nordicnrf52"
    arduino_fqbn: str | None = None          # arduino-cli board id, e.g. "arduino:mbed_nano:nano33ble"
    bootloader_bytes: int = 0     # flash below flash_origin kept by a bootloader
    defines: tuple[str, ...] = ()  # "NAME" or "NAME=VALUE" for every firmware build
    # [platformio_manifest]: what PlatformIO's board manifest needs beyond the keys above (name, vendor, url,
    # f_cpu, mcu, extra_flags, upload); empty: no offline PlatformIO builds for this board
    platformio_manifest: dict = field(default_factory=dict, hash=False)
    compiler: CompilerOptions = field(default_factory=CompilerOptions)   # [compiler]: flags by part of the firmware
    # A board QEMU has no machine for runs, in emulation, its own code (model, kernels, harness, startup; the
    # same compiler, cflags and defines) on the board support and memory origins of this QEMU board, with its
    # own flash and RAM sizes (see Board.emulated and nano33ble.toml).
    qemu_stand_in: str | None = None
    const_in_ram: bool = False    # const data is copied to RAM at start (AVR: weights count against RAM too)
    toolchain_prefix: str = "arm-none-eabi-"   # the board's gcc (the budget measures code with it)

    def emulated(self) -> "Board":
        """The board as micro runs it in QEMU: itself, or its build on the qemu_stand_in board's support."""
        if not self.qemu_stand_in:
            return self
        host = get_board(self.qemu_stand_in)
        return replace(self, template_dir=host.template_dir, serial=host.serial, emulator=host.emulator,
                       flash_origin=host.flash_origin, ram_origin=host.ram_origin, bootloader_bytes=0,
                       defines=tuple(dict.fromkeys(self.defines + host.defines)), platformio_manifest={},
                       qemu_stand_in=None)

    def framework_reserve(self, framework: str) -> tuple[int, int]:
        """(flash, RAM) bytes the framework/harness itself takes on this board."""
        needs = self.framework.get(framework)
        return (needs.flash_bytes, needs.ram_bytes) if needs else (0, 0)

    def stack_reserve(self, framework: str) -> int:
        """Bytes of main stack the firmware of `framework` reserves."""
        needs = self.framework.get(framework)
        return needs.stack_bytes if needs else 0


_KEYS = {f.name for f in fields(Board)}
_REQUIRED = {f.name for f in fields(Board) if f.default is MISSING and f.default_factory is MISSING}
_NEEDS_KEYS = {f.name for f in fields(FrameworkNeeds)}
_MANIFEST_KEYS = {"name", "vendor", "url", "f_cpu", "mcu", "extra_flags", "upload"}
_COMPILER_KEYS = {f.name for f in fields(CompilerOptions)}


def _compiler_options(path: Path, table: dict | None) -> CompilerOptions:
    if table is None:
        return CompilerOptions()
    unknown = set(table) - _COMPILER_KEYS
    bad = [k for k, v in table.items() if not (isinstance(v, list) and all(isinstance(f, str) for f in v))]
    if unknown or bad:
        raise BoardError(f"board file {path}: [compiler] takes lists of flags for {', '.join(sorted(_COMPILER_KEYS))}"
                         + (f"; unknown keys {', '.join(sorted(unknown))}" if unknown else "")
                         + (f"; not a list of strings: {', '.join(sorted(bad))}" if bad else ""))
    return CompilerOptions(**{k: tuple(v) for k, v in table.items()})


def load_board(path: str | Path) -> Board:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise BoardError(f"board file {path}: {e}") from None
    unknown = set(data) - _KEYS
    missing = _REQUIRED - set(data)
    if unknown or missing:
        raise BoardError(f"board file {path}: " + "; ".join(
            ([f"unknown keys {', '.join(sorted(unknown))}"] if unknown else [])
            + ([f"missing keys {', '.join(sorted(missing))}"] if missing else [])))
    if data["name"] != path.stem:
        raise BoardError(f"board file {path} names the board '{data['name']}': the file must be {data['name']}.toml")
    needs = {}
    for fw, table in data["framework"].items():
        if set(table) != _NEEDS_KEYS:
            raise BoardError(f"board file {path}: [framework.{fw}] needs exactly {', '.join(sorted(_NEEDS_KEYS))}")
        needs[fw] = FrameworkNeeds(**table)
    manifest = data.get("platformio_manifest")
    if manifest is not None and (set(manifest) != _MANIFEST_KEYS or "protocol" not in manifest["upload"]):
        raise BoardError(f"board file {path}: [platformio_manifest] needs exactly {', '.join(sorted(_MANIFEST_KEYS))} "
                         "(upload with a protocol)")
    if not data["frameworks"] or set(data["frameworks"]) - set(needs):
        raise BoardError(f"board file {path}: every one of frameworks = {data['frameworks']} needs a [framework.*] table")
    return Board(**dict(data, cflags=tuple(data["cflags"]), frameworks=tuple(data["frameworks"]),
                        defines=tuple(data.get("defines", ())), framework=needs,
                        compiler=_compiler_options(path, data.get("compiler"))))


BOARDS: dict[str, Board] = {p.stem: load_board(p) for p in sorted(BOARDS_DIR.glob("*.toml"))}


def get_board(name: str | Board) -> Board:
    """The board called `name` (a Board is returned as it is)."""
    if isinstance(name, Board):
        return name
    try:
        return BOARDS[name]
    except KeyError:
        raise MicroError(f"unknown board '{name}'; known boards: {', '.join(BOARDS)} (see `micro boards`)") from None
