"""`micro build`: compile a model, check it fits the board, write its PlatformIO project, build it, and report
the flash and RAM the ELF really uses.

Public API (used by micro.cli)::

    build_model(model_path, board, out_dir, framework=None, labels=None, ...) -> BuildResult  (the command)
    build(project) -> BuildResult          .memory (micro.deploy.elf.FirmwareMemory), .elf, .bin

The steps live in their own modules: micro.deploy.budget (does it fit), micro.deploy.project (the project
and its manifest), micro.deploy.pio_build (offline bare-metal build), micro.deploy.pio_registry (framework
builds, which need PlatformIO's registry the first time: without it they stop at once and say to use
`--framework baremetal`), micro.deploy.elf (the memory of the ELF).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from micro.compiler import compile_model
import micro.deploy.pio_build as pio_build
import micro.deploy.pio_registry as pio_registry
from micro.deploy.boards import Board, get_board
from micro.deploy.elf import FirmwareMemory, firmware_memory
from micro.deploy.errors import BuildError
from micro.deploy.pio_core import PlatformIOError
from micro.deploy.pio_project import ENV_NAME
from micro.deploy.project import Project, check_framework, generate, read_manifest, write_manifest
from micro.frontend import load_model
from micro.frontend.metadata import resolve_metadata


@dataclass
class BuildResult:
    project: Project
    elf: Path
    bin: Path
    memory: FirmwareMemory
    seconds: float


def build(project: Project, timeout: float = 1800) -> BuildResult:
    t0 = time.perf_counter()
    model_file = read_manifest(project.dir).get("model_file", "")
    if project.framework == "baremetal":
        try:
            elf = pio_build.build_project(project.dir, env_name=ENV_NAME, timeout=timeout)
        except PlatformIOError as e:
            raise BuildError(str(e)) from None
    else:
        pio_registry.arduino_preflight(project.dir, project.board, model_file,
                                       offline_build=project.commands.get("build_baremetal"))
        res = pio_registry.run_pio(project.dir, ["run", "-d", str(project.dir), "-e", ENV_NAME], timeout)
        if res.returncode != 0:
            tail = "\n".join((res.stdout + res.stderr).strip().splitlines()[-40:])
            raise BuildError(f"`pio run` failed in {project.dir} (exit {res.returncode}):\n{tail}")
        elf = project.elf
    if not elf.is_file():
        raise BuildError(f"the build finished but {elf} does not exist")
    memory = firmware_memory(elf, project.board)
    write_manifest(project, model_file, memory)
    return BuildResult(project, elf, project.bin, memory, time.perf_counter() - t0)


def build_model(model_path: str | os.PathLike, board: str | Board, out_dir: str | os.PathLike,
                framework: str | None = None, labels: str | os.PathLike | None = None,
                ignore_budget: bool = False, library_name: str | None = None,
                log=print, ram_budget: int | None = None, patches: bool = True) -> BuildResult:
    """The whole of `micro build`: compile, budget, project, build, ELF sizes (printed through `log`).
    ram_budget: the bytes the model's arena + state must fit (micro.patch chooses the schedule); patches=False:
    every tensor whole."""
    board = get_board(board)
    framework = check_framework(board, framework)
    path = Path(model_path)
    model_bytes = path.read_bytes()
    compiled = compile_model(load_model(path), ram_budget=ram_budget, patches=patches)
    metadata = resolve_metadata(model_bytes, compiled, labels)
    for w in metadata.warnings:
        log(f"warning: {w}")
    project = generate(compiled, model_bytes, board, framework, out_dir, metadata, ignore_budget=ignore_budget,
                       library_name=library_name, model_file=path.name)
    log(f"{compiled.name} for {board.name} ({framework}): project {project.dir}")
    for line in project.budget.lines():
        log(f"  budget {line}")
    if not project.budget.fits:
        log("  (does not fit: building anyway, --ignore-budget)")
    log(f"  {project.kernels.summary()}")
    lab = metadata.labels
    if lab is not None:
        log(f"  labels: {len(lab[1])} for output {lab[0]} ({metadata.labels_source or 'model metadata'})")
    result = build(project)
    log(f"built {result.elf} in {result.seconds:.1f} s")
    for line in result.memory.lines():
        log(f"  {line}")
    return result
