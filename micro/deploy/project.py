"""The PlatformIO project of `micro build` for a model on a board: budget first, then the project files and a
manifest of what was built.

Public API (used by micro.deploy.build and micro.deploy.flash)::

    generate(compiled, model_bytes, board, framework, out_dir, metadata=None, ...) -> Project
        raises BudgetError (micro.deploy.budget) first when the model does not fit (unless ignore_budget)
    read_manifest(project_dir) -> dict;  write_manifest(project, source_name, memory=None)
    check_framework(board, framework) -> str      the framework to use (the board's default for None)
    write_baremetal_project(out, firmware, lib_name)      a FirmwareProject (micro.deploy.firmware_sources) as
                                  a PlatformIO project on micro's offline platform
    write_arduino_project(out, board, main_cpp, libs, generator, defines=None)   src/main.cpp and lib/ on the
                                  board's registry platform with the Arduino core
    Applications of several models (examples/keyword_spotting) write their projects with these two and a
    Project of their own (budget None; commands: what `micro flash` tells the user to run instead of the
    defaults for a model, see micro.deploy.flash).

Project layout (`-o DIR`)::

    DIR/platformio.ini            [env:micro] board = <board>; framework arduino: platform = nordicnrf52,
                                  framework = arduino; baremetal: micro's shipped dev-platform (offline)
    DIR/src/                      firmware_templates/: baremetal = common/ harness main + <board>/ board support
                                  + the model binding; arduino = main.cpp (sketch-style setup()/loop() serving
                                  micro's framed protocol on Serial)
    DIR/lib/<Lib>/library.json    the compiled model and its kernels as a PlatformIO library (for arduino: the
                                  very library `micro export arduino` zips, library.properties included)
    DIR/firmware.ld               baremetal: linker script from the board record (application at 0x10000)
    DIR/micro_build.json          what was built (board, framework, model, budget, kernels, memory), read by
                                  `micro flash`
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from micro.codegen import GeneratedFiles, emit_c
from micro.deploy.arduino.library import arduino_library
from micro.deploy.arduino.library_info import library_info
from micro.deploy.boards import Board, get_board
from micro.deploy.budget import Budget, check_budget, estimate_budget
from micro.deploy.elf import FirmwareMemory
from micro.deploy.errors import BuildError
from micro.deploy.firmware_sources import FirmwareProject, firmware_project, platformio_layout
from micro.deploy.kernels import KernelReport, kernel_report
from micro.deploy.pio_core import user_core_dir
from micro.deploy.pio_project import ENV_NAME, generate_project

FRAMEWORKS = ("arduino", "baremetal")
MANIFEST = "micro_build.json"


@dataclass
class Project:
    dir: Path
    board: Board
    framework: str
    model: str
    library: str                 # folder under lib/
    budget: Budget | None        # None: an application of several models (no one model's budget)
    kernels: KernelReport
    metadata: object = None
    model_sha256: str = ""
    # Commands `micro flash` prints instead of its defaults for one model (micro.deploy.flash): "check" (the
    # board after flashing; "{port}" is the port), "build_baremetal" (the offline build, when the registry is out).
    commands: dict[str, str] = field(default_factory=dict)

    @property
    def elf(self) -> Path:
        return self.dir / ".pio" / "build" / ENV_NAME / "firmware.elf"

    @property
    def bin(self) -> Path:
        return self.dir / ".pio" / "build" / ENV_NAME / "firmware.bin"


def check_framework(board: Board, framework: str | None) -> str:
    framework = framework or board.frameworks[0]
    if framework not in FRAMEWORKS:
        raise BuildError(f"unknown framework '{framework}'; choose one of: {', '.join(FRAMEWORKS)}")
    if framework not in board.frameworks:
        raise BuildError(f"board '{board.name}' builds with: {', '.join(board.frameworks)} (not {framework})")
    return framework


def write_baremetal_project(out: Path, firmware: FirmwareProject, lib_name: str) -> None:
    """The harness firmware of micro.deploy.firmware_sources, with the models and their kernels as a library (each
    part compiled with the board's [compiler] options for it)."""
    src, libs, flags = platformio_layout(firmware, lib_name)
    generate_project(out, firmware.board, src, defines=firmware.defines, linker_script=firmware.linker_script,
                     build_flags=flags, opt="", src_flags=firmware.compiler.harness,
                     link_flags=firmware.compiler.link, libs=libs, env_name=ENV_NAME,
                     extra_options={"lib_archive": "no", "monitor_speed": "115200"})


def write_arduino_project(out: Path, board: Board, main_cpp: str, libs: dict[str, dict[str, str]], generator: str,
                          defines: dict[str, str | None] | None = None) -> None:
    """PlatformIO's registry platform with the Arduino core: `main_cpp` (a sketch with its own
    #include <Arduino.h>) as src/main.cpp, `libs` under lib/. generator: the command that wrote it (its comment)."""
    generate_project(out, board, {"main.cpp": main_cpp}, libs=libs, defines=defines or {},
                     platform=board.platformio_platform, framework="arduino", env_name=ENV_NAME, opt="",
                     core_dir=user_core_dir(), extra_options={"monitor_speed": "115200", "lib_archive": "no"})
    ini = out / "platformio.ini"
    body = [ln for ln in ini.read_text().splitlines() if not ln.startswith(";")]
    ini.write_text("\n".join([
        f"; Generated by `{generator}` for {board.name}: PlatformIO's {board.platformio_platform}",
        "; platform with the Arduino core. Build with `pio run -d <this folder>` (the first build installs the",
        "; platform from PlatformIO's registry); `micro flash --board BOARD --port PORT -d <this folder>` uploads.",
        *body]) + "\n")


def _arduino_project(out: Path, compiled, board: Board, generated: GeneratedFiles, metadata,
                     library_name: str | None, source_name: str) -> str:
    """The library `micro export arduino` makes, and its SerialVerify sketch as src/main.cpp. Returns the
    library's name."""
    info = library_info(compiled, metadata, name=library_name)
    library = arduino_library(compiled, board, metadata, info, generated=generated, source_name=source_name)
    write_arduino_project(out, board, library.main_cpp, {info.name: library.files}, "micro build --framework arduino",
                          defines={"MN_BOARD_NAME": f'"{board.name}"'})
    return info.name


def generate(compiled, model_bytes: bytes, board: Board | str, framework: str | None, out_dir: str | os.PathLike,
             metadata=None, ignore_budget: bool = False, library_name: str | None = None,
             model_file: str | None = None) -> Project:
    """Write the PlatformIO project; raises BudgetError first when the model does not fit (unless told)."""
    board = get_board(board)
    framework = check_framework(board, framework)
    source_name = model_file or f"{compiled.name}.tflite"
    generated = emit_c(compiled, source_name, metadata)
    budget = estimate_budget(compiled, board, framework, generated)
    if not ignore_budget:
        check_budget(budget)
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if framework == "baremetal":
        lib_name = library_name or compiled.name
        write_baremetal_project(out, firmware_project(compiled, board, "harness", generated=generated), lib_name)
    else:
        lib_name = _arduino_project(out, compiled, board, generated, metadata, library_name, source_name)
    project = Project(out, board, framework, compiled.name, lib_name, budget,
                      kernel_report(generated.kernel_files, board), metadata, compiled.model.source_sha256)
    write_manifest(project, source_name)
    return project


def write_manifest(project: Project, source_name: str, memory: FirmwareMemory | None = None) -> None:
    data = dict(board=project.board.name, framework=project.framework, model=project.model,
                model_file=source_name, sha256=project.model_sha256, library=project.library,
                env=ENV_NAME, elf=str(project.elf.relative_to(project.dir)),
                bin=str(project.bin.relative_to(project.dir)),
                budget=project.budget.as_dict() if project.budget else None,
                kernels=project.kernels.as_dict(), memory=memory.as_dict() if memory else None)
    if project.commands:
        data["commands"] = dict(project.commands)
    (project.dir / MANIFEST).write_text(json.dumps(data, indent=2) + "\n")


def read_manifest(project_dir: str | os.PathLike) -> dict:
    path = Path(project_dir) / MANIFEST
    try:
        return json.loads(path.read_text())
    except OSError:
        raise BuildError(f"{project_dir} is not a `micro build` folder (no {MANIFEST}); build first: "
                         f"micro build --board BOARD model.tflite -o {project_dir}") from None

