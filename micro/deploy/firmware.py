"""Firmware for a compiled model on a board: build it (cached by content), measure flash and RAM.

Public API (used by micro.verify.board, micro.cli and the Robot keyword library):

    build_firmware(compiled, board, variant="harness", vectors=None, builder=None, out_dir=None,
                   generated=None, defines=None, compiler=None, app_sources=None) -> Firmware
        the sources of micro.deploy.firmware_sources, built (cached by content under
        ~/.cache/micro/firmware/) with PlatformIO (micro.deploy.pio_build, offline) or directly with
        arm-none-eabi-gcc (builder="gcc"; the default is "platformio" when it can run here, else "gcc";
        MICRO_FIRMWARE_BUILDER overrides). Firmware has .elf, .memory (micro.deploy.elf.FirmwareMemory:
        flash = code + weights, RAM = arena + other + stack), .symbol(name) -> address.
    selftest_vectors(compiled, input_sets, model_bytes=None) -> list[SelfTestVector]
        expected outputs from the host build, cross-checked with the TFLM oracle when model_bytes is given.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from micro.codegen import GeneratedFiles, emit_c
from micro.compiler import Compiled
from micro.deploy.boards import Board, CompilerOptions, get_board
from micro.deploy.budget import check_budget, estimate_budget
from micro.deploy.elf import FirmwareMemory, firmware_memory
from micro.deploy.firmware_sources import (FIRMWARE_CFLAGS, FirmwareError, FirmwareProject, SelfTestVector,
                                           firmware_project)
from micro.deploy.pio_build import build_project
from micro.deploy.pio_core import platformio_unavailable
from micro.deploy.project import write_baremetal_project
from micro.verify.host import HostModel, cache_dir
from micro.verify.oracle import Oracle

TOOLCHAIN_PREFIX = "arm-none-eabi-"


@dataclass
class Firmware:
    elf: Path
    board: Board
    model: str
    variant: str
    memory: FirmwareMemory
    symbols: dict[str, int]
    builder: str

    def symbol(self, name: str) -> int:
        try:
            return self.symbols[name]
        except KeyError:
            raise FirmwareError(f"{self.elf}: no symbol '{name}'") from None


def selftest_vectors(compiled: Compiled, input_sets: list[list[np.ndarray]],
                     model_bytes: bytes | None = None) -> list[SelfTestVector]:
    """Expected outputs from the host build; with model_bytes, also checked against TFLM (must agree)."""
    host = HostModel(compiled, emit_c(compiled))
    oracle = Oracle(model_bytes, compiled.model) if model_bytes is not None else None
    out = []
    for k, inputs in enumerate(input_sets):
        outs, _ = host.run(inputs)
        if oracle is not None:
            ref = oracle.run(inputs, list(compiled.graph.outputs))
            for o, t in enumerate(compiled.graph.outputs):
                if not np.array_equal(np.asarray(ref[t]).ravel(), outs[o].ravel()):
                    raise FirmwareError(f"input set {k}: the host build differs from TFLM on output {o}; "
                                        "run `micro verify` on the host first")
        out.append(SelfTestVector([np.asarray(x) for x in inputs], outs))
    return out


def _cache_root() -> Path:
    return cache_dir() / "firmware"


def default_builder() -> str:
    env = os.environ.get("MICRO_FIRMWARE_BUILDER")
    if env:
        if env not in ("gcc", "platformio"):
            raise FirmwareError(f"MICRO_FIRMWARE_BUILDER={env}: expected gcc or platformio")
        return env
    return "gcc" if platformio_unavailable() else "platformio"


def toolchain_missing() -> str | None:
    if shutil.which(TOOLCHAIN_PREFIX + "gcc") is None:
        return (f"{TOOLCHAIN_PREFIX}gcc is not installed "
                "(Debian: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)")
    return None


def _flags(project: FirmwareProject) -> list[str]:
    return [*project.board.cflags, *FIRMWARE_CFLAGS] + [
        f"-D{k}" if v is None else f"-D{k}={v}" for k, v in sorted(project.defines.items())]


def _build_gcc(project: FirmwareProject, work: Path) -> Path:
    cc = TOOLCHAIN_PREFIX + "gcc"
    src_dir = project.write(work / "src")
    obj_dir = work / "obj"
    obj_dir.mkdir(exist_ok=True)
    flags = _flags(project)

    def compile_one(fname: str) -> Path:
        obj = obj_dir / (Path(fname).stem + ".o")
        cmd = [cc, *flags, *project.file_flags(fname), "-I", str(src_dir), "-c", str(src_dir / fname), "-o", str(obj)]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            raise FirmwareError(f"{cc} failed on {fname}:\n{res.stderr.strip()}\ncommand: {' '.join(cmd)}")
        return obj

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        objs = list(pool.map(compile_one, project.c_sources))
    elf = work / "firmware.elf"
    cmd = [cc, *project.board.cflags, *project.compiler.link, "-nostartfiles", "--specs=nano.specs",
           "--specs=nosys.specs", "-Wl,--gc-sections", f"-Wl,-Map={work / 'firmware.map'}",
           "-T", str(src_dir / "firmware.ld"), "-o", str(elf), *map(str, objs), "-lm"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0 and "overflowed by" in res.stderr:
        raise FirmwareError(f"the firmware does not fit {project.board.name} (flash {project.board.flash_bytes:,} B, "
                            f"RAM {project.board.ram_bytes:,} B):\n{res.stderr.strip()}")
    if res.returncode != 0:
        raise FirmwareError(f"linking the firmware failed:\n{res.stderr.strip()}\ncommand: {' '.join(cmd)}")
    return elf


def _check_fits(compiled: Compiled, board: Board, generated: GeneratedFiles | None) -> None:
    """Refuse, with the numbers, a model that cannot fit the board before building: the weights alone over the
    flash, or arena + stack + harness over the RAM (then the full budget, code compiled for the CPU, is shown)."""
    fw_flash, fw_ram = board.framework_reserve("baremetal")
    ram = compiled.plan.arena_bytes + compiled.state.state_bytes + board.stack_reserve("baremetal") + fw_ram
    if compiled.weight_bytes + fw_flash > board.flash_bytes or ram > board.ram_bytes:
        check_budget(estimate_budget(compiled, board, "baremetal", generated))


def _build_platformio(project: FirmwareProject, work: Path) -> Path:
    write_baremetal_project(work, project, project.name)  # the project `micro build --framework baremetal` writes
    return build_project(work)


def _symbols(elf: Path) -> dict[str, int]:
    res = subprocess.run([TOOLCHAIN_PREFIX + "nm", str(elf)], capture_output=True, text=True)
    if res.returncode != 0:
        raise FirmwareError(f"{TOOLCHAIN_PREFIX}nm failed on {elf}: {res.stderr.strip()}")
    out = {}
    for line in res.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3:
            out[parts[2]] = int(parts[0], 16)
    return out


def build_firmware(compiled: Compiled, board: Board | str, variant: str = "harness",
                   vectors: list[SelfTestVector] | None = None, builder: str | None = None,
                   out_dir: str | os.PathLike | None = None, generated: GeneratedFiles | None = None,
                   defines: dict[str, str | None] | None = None, compiler: CompilerOptions | None = None,
                   app_sources: dict[str, str] | None = None) -> Firmware:
    """Build (or reuse from the cache) the firmware ELF for `compiled` on `board`. `defines` adds -D flags
    (e.g. MN_HARNESS_TEST_FAULT / MN_HARNESS_TEST_HANG: the invoke faults / never returns, for tests);
    `compiler` replaces the board's [compiler] options (benchmarks/compiler_options.py); `app_sources` and
    `generated` make an application's firmware (micro.deploy.firmware_sources.firmware_project)."""
    missing = toolchain_missing()
    if missing:
        raise FirmwareError(missing)
    board = get_board(board)
    # PlatformIO needs the board's [platformio_manifest]; boards without one (QEMU-only) build with gcc
    builder = (builder or default_builder()) if board.platformio_manifest else "gcc"
    project = firmware_project(compiled, board, variant, vectors, generated, defines=defines, compiler=compiler,
                               app_sources=app_sources)
    if out_dir is not None:
        final = Path(out_dir).resolve()
        elf = final / "firmware.elf"
    else:
        final = _cache_root() / f"{compiled.name}-{board.name}-{variant}-{project.digest(builder)}"
        elf = final / "firmware.elf"
    if out_dir is not None or not elf.exists():
        _check_fits(compiled, board, generated)
        final.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="build-", dir=final))
        try:
            built = _build_gcc(project, work) if builder == "gcc" else _build_platformio(project, work)
            os.replace(built, elf)
            map_file = built.with_suffix(".map")
            if map_file.exists():
                os.replace(map_file, final / "firmware.map")
            if out_dir is not None or not (final / "src").exists():
                project.write(final / "src")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return Firmware(elf, board, compiled.name, variant, firmware_memory(elf, board), _symbols(elf), builder)
