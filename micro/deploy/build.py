"""`micro build` and `micro flash`: a complete PlatformIO project for a board, its memory budget, the build,
and the flash and RAM the ELF really uses.

Public API (used by micro.cli and micro.deploy.export_arduino):

    resolve_metadata(model_bytes, compiled, labels=None) -> ModelMetadata
        TFLite metadata of the model (micro.frontend.metadata), with `labels` (a labels.txt path) taking the
        place of the model's own label file; the label count is checked against the output.
    select_kernels(kernel_files, board) -> KernelSelection
        the kernel sources for the board's kernel variant (see below).
    estimate_budget(compiled, board, framework, generated) -> Budget      .fits, .problems, .table()
    check_budget(budget)                                                   raises BudgetError with the numbers
    generate(compiled, model_bytes, board, framework, out_dir, metadata) -> Project
    build(project) -> BuildResult                                          .memory (ElfMemory), .elf, .bin
    build_model(model_path, board, out_dir, framework=None, labels=None, ...) -> BuildResult  (the CLI's path)
    elf_sections(path) -> list[Section]; elf_memory(path, board) -> ElfMemory   (pure Python, no binutils)
    flash(project_dir, port) -> FlashResult                                PlatformIO upload, or instructions

Project layout (`-o DIR`)::

    DIR/platformio.ini            [env:micro] board = <board>; framework arduino: platform = nordicnrf52,
                                  framework = arduino; baremetal: micro's shipped dev-platform (offline)
    DIR/src/                      firmware_templates/: baremetal = common/ harness main + <board>/ board support
                                  + the model binding; arduino = main.cpp (sketch-style setup()/loop() serving
                                  micro's framed protocol on Serial)
    DIR/lib/<Lib>/library.json    the compiled model and its kernels as a PlatformIO library (for arduino: the
                                  very library `micro export arduino` zips, library.properties included)
    DIR/firmware.ld               baremetal: linker script from the board record (application at 0x10000)
    DIR/micro_build.json          what was built (board, framework, model, memory), read by `micro flash`

Kernel variants: the board record's `kernel_variant` picks, for every kernel source mn_<op>_<dtype>.c, a
variant file mn_<op>_<variant>_<dtype>.c from micro/kernels_c when one exists ("cmsis_dsp" -> "dsp": SIMD
code for cores where __ARM_FEATURE_DSP is defined, falling back to the reference code elsewhere). A kernel
whose own file carries its DSP path (`#if defined(__ARM_FEATURE_DSP)`, chosen by the board's CPU flags) is
listed as built in; kernels with neither stay on the portable code and are listed as pending.

Framework builds (arduino) need PlatformIO's registry the first time (platform nordicnrf52, the Arduino mbed
core, a toolchain). When they are not installed and the registry cannot be reached, the build stops at once
(no 60 s of PlatformIO retries) and says to use `--framework baremetal`, which builds offline.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from micro.deploy.boards import Board, get_board
from micro.codegen.emit import KERNELS_DIR
from micro.errors import MicroError

FRAMEWORKS = ("arduino", "baremetal")
ENV_NAME = "micro"
MANIFEST = "micro_build.json"
REGISTRY_HOST = ("api.registry.platformio.org", 443)
ARDUINO_PLATFORM_PACKAGES = ("framework-arduino-mbed", "toolchain-gccarmnoneeabi")
_VARIANT_TOKENS = {"cmsis_dsp": "dsp"}
_KERNEL_FALLBACK_BYTES = 3 * 1024     # code per kernel file when no cross compiler can measure it
_OP_CALL_BYTES = 48                   # code per op call in <name>_invoke (measured: ~30-60 B on Cortex-M4)


class BuildError(MicroError):
    """`micro build` / `micro flash` could not do what was asked."""


class BudgetError(BuildError):
    """The model does not fit the board."""

    def __init__(self, budget: "Budget"):
        self.budget = budget
        super().__init__(budget.failure_message())


# ---------------------------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------------------------

def resolve_metadata(model_bytes: bytes, compiled, labels: str | os.PathLike | None = None):
    """The model's TFLite metadata, with `labels` (a labels.txt) for output 0 when given."""
    from micro.frontend.metadata import MetadataError, load_labels, read_metadata
    meta = read_metadata(model_bytes)
    g = compiled.graph
    if labels is not None:
        names = load_labels(labels)
        t = g.tensors[g.outputs[0]]
        classes = t.shape[-1] if t.shape else 1
        if len(names) != classes:
            raise MetadataError(f"{labels} has {len(names)} labels but output 0 '{t.name}' of "
                                f"{compiled.name} has {classes} classes (shape {list(t.shape)})")
        meta.set_labels(names, 0, source=Path(labels).name)
    else:
        lab = meta.labels
        if lab is not None:
            k, names = lab
            if k >= len(g.outputs):
                from micro.frontend.metadata import LABEL_TYPES
                meta.warnings.append(f"labels are attached to output {k}, which the model does not have; ignored")
                meta.outputs[k].associated_files = [f for f in meta.outputs[k].associated_files
                                                    if f.type not in LABEL_TYPES]
            else:
                t = g.tensors[g.outputs[k]]
                classes = t.shape[-1] if t.shape else 1
                if len(names) != classes:
                    meta.warnings.append(f"the label file has {len(names)} labels but output {k} has {classes} "
                                         "classes")
    return meta


# ---------------------------------------------------------------------------------------------
# Kernel variants
# ---------------------------------------------------------------------------------------------

@dataclass
class KernelSelection:
    board: str
    variant: str                            # the board record's kernel_variant
    files: dict[str, Path]                  # output file name -> source
    variant_used: list[str] = field(default_factory=list)   # reference kernel -> its variant file was used
    builtin: list[str] = field(default_factory=list)        # kernels with a DSP path inside (#if __ARM_FEATURE_DSP)
    pending: list[str] = field(default_factory=list)        # kernels that have no variant yet

    def summary(self) -> str:
        if self.variant == "reference":
            return f"kernels: reference C ({self.board} asks for no variant)"
        token = _VARIANT_TOKENS.get(self.variant, self.variant)
        parts = [f"kernels: {self.variant} variant for {self.board}"]
        if self.variant_used:
            parts.append(f"{len(self.variant_used)} {token} file(s) used ({', '.join(self.variant_used)})")
        if self.builtin:
            parts.append(f"{len(self.builtin)} kernel(s) with their {token} path built in, selected by "
                         f"__ARM_FEATURE_DSP ({', '.join(self.builtin)})")
        if self.pending:
            parts.append(f"{len(self.pending)} kernel(s) still on the reference C, their {token} variant is "
                         f"pending ({', '.join(self.pending)})")
        return "; ".join(parts)


def select_kernels(kernel_files: list[str], board: Board | str) -> KernelSelection:
    board = get_board(board) if isinstance(board, str) else board
    token = _VARIANT_TOKENS.get(board.kernel_variant) if board.kernel_variant != "reference" else None
    sel = KernelSelection(board.name, board.kernel_variant, {})
    for fname in kernel_files:
        ref = KERNELS_DIR / fname
        m = re.fullmatch(r"(mn_.+)_((?:u?int|float)\d+)\.c", fname)
        if token is None or m is None:
            sel.files[fname] = ref
            continue
        variant = f"{m.group(1)}_{token}_{m.group(2)}.c"
        if (KERNELS_DIR / variant).is_file():
            sel.files[variant] = KERNELS_DIR / variant
            sel.variant_used.append(variant)
        elif token == "dsp" and "__ARM_FEATURE_DSP" in ref.read_text():
            sel.files[fname] = ref
            sel.builtin.append(fname)
        else:
            sel.files[fname] = ref
            sel.pending.append(fname)
    return sel


# ---------------------------------------------------------------------------------------------
# ELF (pure Python: section headers, sizes)
# ---------------------------------------------------------------------------------------------

SHT_NOBITS = 8
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 0x1, 0x2, 0x4


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
        raise BuildError(f"{path} is not an ELF file")
    cls, endian = data[4], data[5]
    if endian != 1:
        raise BuildError(f"{path}: big-endian ELF is not supported")
    if cls == 1:
        shoff, = struct.unpack_from("<I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)
        fmt = "<IIIIIIIIII"
    elif cls == 2:
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
        fmt = "<IIQQQQIIQQ"
    else:
        raise BuildError(f"{path}: unknown ELF class {cls}")
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
class ElfMemory:
    """Flash and RAM an ELF occupies, by section (what the Arduino IDE calls program storage and global
    variables; the heap that fills the rest of RAM is not counted, a reserved stack is)."""

    flash: int
    ram: int
    flash_limit: int
    ram_limit: int
    parts_flash: dict[str, int]
    parts_ram: dict[str, int]
    sections: dict[str, int]

    def lines(self) -> list[str]:
        def pct(a, b):
            return f"{100.0 * a / b:.1f}%" if b else "-"
        fl = " + ".join(f"{k} {v:,}" for k, v in self.parts_flash.items() if v)
        rl = " + ".join(f"{k} {v:,}" for k, v in self.parts_ram.items() if v)
        return [f"flash: {self.flash:,} B of {self.flash_limit:,} B ({pct(self.flash, self.flash_limit)}): {fl}",
                f"RAM:   {self.ram:,} B of {self.ram_limit:,} B ({pct(self.ram, self.ram_limit)}): {rl}"]

    def as_dict(self) -> dict:
        return dict(flash=self.flash, ram=self.ram, flash_limit=self.flash_limit, ram_limit=self.ram_limit,
                    flash_parts=self.parts_flash, ram_parts=self.parts_ram, sections=self.sections)


_NOT_STATIC_RAM = re.compile(r"^\.(heap|stack_dummy|noinit_heap)")


def elf_memory(path: str | os.PathLike, board: Board | str) -> ElfMemory:
    board = get_board(board) if isinstance(board, str) else board
    secs = [s for s in elf_sections(path) if s.alloc and s.size]
    sizes = {s.name: s.size for s in secs}
    flash_parts = {"code": 0, "weights": 0}
    ram_parts = {"arena": 0, "stack": 0, "data+bss": 0}
    for s in secs:
        if _NOT_STATIC_RAM.match(s.name):
            continue
        in_ram = bool(s.flags & SHF_WRITE) or s.nobits
        if not s.nobits:  # has an image in flash (.data's initial values included)
            if s.name == ".weights":
                flash_parts["weights"] += s.size
            else:
                flash_parts["code"] += s.size
        if in_ram:
            if s.name == ".arena":
                ram_parts["arena"] += s.size
            elif s.name == ".stack":
                ram_parts["stack"] += s.size
            else:
                ram_parts["data+bss"] += s.size
    return ElfMemory(sum(flash_parts.values()), sum(ram_parts.values()), board.flash_bytes, board.ram_bytes,
                     flash_parts, ram_parts, sizes)


# ---------------------------------------------------------------------------------------------
# Budget
# ---------------------------------------------------------------------------------------------

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
    largest_tensor: str = ""
    largest_weight: str = ""

    @property
    def flash(self) -> int:
        return self.weights + self.code + self.framework_flash

    @property
    def ram(self) -> int:
        return self.arena + self.stack + self.framework_ram

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

    def lines(self) -> list[str]:
        est = "compiled for the board's CPU" if self.code_measured else "estimate"
        return [
            f"flash: {self.flash:,} B needed of {self._flash_desc()}: weights {self.weights:,} + code "
            f"{self.code:,} ({est}) + {self.framework} {self.framework_flash:,}",
            f"RAM:   {self.ram:,} B needed of {self.ram_limit:,} B: arena {self.arena:,} + stack {self.stack:,} + "
            f"{self.framework} {self.framework_ram:,}",
        ]

    def problems(self) -> list[str]:
        out = []
        if self.flash > self.flash_limit:
            out.append(f"flash: needs {self.flash:,} B but {self.board.name} has {self._flash_desc()} "
                       f"({self.flash - self.flash_limit:,} B over): weights {self.weights:,} + code {self.code:,} "
                       f"+ {self.framework} {self.framework_flash:,}")
        if self.ram > self.ram_limit:
            out.append(f"RAM: needs {self.ram:,} B but {self.board.name} has {self.ram_limit:,} B "
                       f"({self.ram - self.ram_limit:,} B over): arena {self.arena:,} + stack {self.stack:,} + "
                       f"{self.framework} {self.framework_ram:,}")
        return out

    def advice(self) -> list[str]:
        out = []
        if self.ram > self.ram_limit:
            out.append(f"The arena holds the activations that are alive together; the largest tensor is "
                       f"{self.largest_tensor}. A lower input resolution or fewer channels in the early layers "
                       f"shrinks it; `micro plan MODEL` shows the peak and what is alive there.")
            if self.framework == "arduino" and self.arena + self.stack + self.board.framework_reserve("baremetal")[1] \
                    <= self.ram_limit:
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
                    ram_limit=self.ram_limit, arena=self.arena, stack=self.stack, framework_ram=self.framework_ram,
                    fits=self.fits)


def _object_sizes(obj: Path) -> tuple[int, int]:
    """(code bytes, read-only data bytes) of a relocatable object."""
    code = data = 0
    for s in elf_sections(obj):
        if not s.alloc or s.nobits:
            continue
        if s.flags & SHF_EXECINSTR:
            code += s.size
        elif not s.flags & SHF_WRITE:
            data += s.size
    return code, data


def _measure_code(generated, selection: KernelSelection, board: Board) -> tuple[int, int] | None:
    """(code, parameter bytes) by compiling the kernels and <name>.c for the board's CPU; None without a
    cross compiler. Kernels count whole (a static link drops unused functions: an upper bound)."""
    cc = shutil.which("arm-none-eabi-gcc")
    if cc is None:
        return None
    with tempfile.TemporaryDirectory(prefix="micro-estimate-") as tmp:
        work = Path(tmp)
        for fname, text in generated.files.items():
            (work / fname).write_text(text)
        for fname, src in selection.files.items():
            shutil.copyfile(src, work / fname)
        model_c = next((f for f in generated.files if f.endswith(".c") and not f.endswith("_weights.c")), None)
        jobs = [f for f in selection.files if f.endswith(".c")] + ([model_c] if model_c else [])
        procs = []
        for fname in jobs:
            obj = work / (fname + ".o")
            procs.append((fname, obj, subprocess.Popen(
                [cc, *board.cflags, "-std=c99", "-O2", "-ffunction-sections", "-fdata-sections", "-I", str(work),
                 "-c", str(work / fname), "-o", str(obj)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)))
        code = params = 0
        for fname, obj, p in procs:
            _, err = p.communicate()
            if p.returncode != 0:
                raise BuildError(f"arm-none-eabi-gcc cannot compile {fname}:\n{err.decode(errors='replace')}")
            c, d = _object_sizes(obj)
            if fname == model_c:
                code += c
                params += d
            else:
                code += c + d
    return code, params


def estimate_budget(compiled, board: Board | str, framework: str, generated=None,
                    selection: KernelSelection | None = None) -> Budget:
    from micro.codegen import emit_c
    from micro.lowered import KernelCall
    board = get_board(board) if isinstance(board, str) else board
    generated = generated or emit_c(compiled)
    selection = selection or select_kernels(generated.kernel_files, board)
    g = compiled.graph
    params = sum(int(v.nbytes) for low in compiled.lowered if isinstance(low.call, KernelCall)
                 for v in low.call.params.values() if hasattr(v, "nbytes"))
    measured = _measure_code(generated, selection, board)
    if measured is not None:
        code, params = measured
    else:
        n_kernels = sum(1 for f in selection.files if f.endswith(".c"))
        code = n_kernels * _KERNEL_FALLBACK_BYTES + len(compiled.lowered) * _OP_CALL_BYTES
    fw_flash, fw_ram = board.framework_reserve(framework)
    acts = [t for t in g.tensors if not t.is_const]
    consts = [t for t in g.tensors if t.is_const]
    big = max(acts, key=lambda t: t.nbytes, default=None)
    bigw = max(consts, key=lambda t: t.nbytes, default=None)
    return Budget(
        model=compiled.name, board=board, framework=framework, weights=compiled.weight_bytes + params, code=code,
        code_measured=measured is not None, framework_flash=fw_flash, arena=compiled.plan.arena_bytes,
        stack=board.stack_reserve(framework), framework_ram=fw_ram,
        largest_tensor=(f"'{big.name}' {big.dtype}{list(big.shape)}, {big.nbytes:,} B" if big else "-"),
        largest_weight=(f"'{bigw.name}' {bigw.dtype}{list(bigw.shape)}, {bigw.nbytes:,} B" if bigw else "-"))


def check_budget(budget: Budget) -> None:
    if not budget.fits:
        raise BudgetError(budget)


# ---------------------------------------------------------------------------------------------
# Project generation
# ---------------------------------------------------------------------------------------------

@dataclass
class Project:
    dir: Path
    board: Board
    framework: str
    model: str
    library: str                 # folder under lib/
    budget: Budget
    kernels: KernelSelection
    metadata: object = None
    model_sha256: str = ""

    @property
    def elf(self) -> Path:
        return self.dir / ".pio" / "build" / ENV_NAME / "firmware.elf"

    @property
    def bin(self) -> Path:
        return self.dir / ".pio" / "build" / ENV_NAME / "firmware.bin"


def _check_framework(board: Board, framework: str | None) -> str:
    framework = framework or board.frameworks[0]
    if framework not in FRAMEWORKS:
        raise BuildError(f"unknown framework '{framework}'; choose one of: {', '.join(FRAMEWORKS)}")
    if framework not in board.frameworks:
        raise BuildError(f"board '{board.name}' builds with: {', '.join(board.frameworks)} (not {framework})")
    return framework


def _baremetal_sources(compiled, board: Board, generated, selection: KernelSelection, lib_name: str):
    from micro.deploy.firmware import FIRMWARE_CFLAGS, OPT, firmware_project
    fw = firmware_project(compiled, board, "harness", generated=generated,
                          stack_bytes=board.stack_reserve("baremetal"))
    model_files = set(generated.files) | set(generated.kernel_files)
    src = {k: v for k, v in fw.sources.items() if k not in model_files}
    lib: dict[str, str | bytes | Path] = {f"src/{k}": v for k, v in generated.files.items()}
    for fname, path in selection.files.items():
        lib[f"src/{fname}"] = path
    lib["library.json"] = json.dumps({
        "name": lib_name, "version": "0.0.0",
        "description": f"The model {compiled.name} compiled by micro (C99, bit-exact with TFLM), with its kernels.",
        "frameworks": "*", "platforms": "*",
        "build": {"srcDir": "src", "includeDir": "src"},
    }, indent=2) + "\n"
    return src, lib, fw.linker_script, fw.defines, list(FIRMWARE_CFLAGS), OPT


def generate(compiled, model_bytes: bytes, board: Board | str, framework: str | None, out_dir: str | os.PathLike,
             metadata=None, ignore_budget: bool = False, library_name: str | None = None,
             model_file: str | None = None) -> Project:
    """Write the PlatformIO project; raises BudgetError first when the model does not fit (unless told)."""
    from micro.codegen import emit_c
    from micro.deploy import platformio as pio
    board = get_board(board) if isinstance(board, str) else board
    framework = _check_framework(board, framework)
    source_name = model_file or f"{compiled.name}.tflite"
    generated = emit_c(compiled, source_name, metadata)
    selection = select_kernels(generated.kernel_files, board)
    budget = estimate_budget(compiled, board, framework, generated, selection)
    if not ignore_budget:
        check_budget(budget)
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if framework == "baremetal":
        lib_name = library_name or compiled.name
        src, lib, ldscript, defines, flags, opt = _baremetal_sources(compiled, board, generated, selection, lib_name)
        pio.generate_project(out, board, src, defines=defines, linker_script=ldscript, build_flags=flags, opt=opt,
                             libs={lib_name: lib}, env_name=ENV_NAME,
                             extra_options={"lib_archive": "no", "monitor_speed": "115200"})
    else:
        from micro.deploy.export_arduino import arduino_library, library_info
        info = library_info(compiled, metadata, name=library_name)
        library = arduino_library(compiled, board, metadata, info, generated=generated, selection=selection,
                                  source_name=source_name)
        lib_name = info.name
        pio.generate_project(out, board, {"main.cpp": library.main_cpp}, libs={lib_name: library.files},
                             defines={"MN_BOARD_NAME": f'"{board.name}"'},
                             platform=board.platformio_platform, framework="arduino", env_name=ENV_NAME, opt="",
                             core_dir=_user_core_dir(),
                             extra_options={"monitor_speed": "115200", "lib_archive": "no"})
        ini = out / "platformio.ini"
        lines = ini.read_text().splitlines()
        body = [ln for ln in lines if not ln.startswith(";")]
        ini.write_text("\n".join([
            f"; Generated by `micro build --framework arduino` for {board.name}: PlatformIO's {board.platformio_platform}",
            "; platform with the Arduino core. Build with `pio run -d <this folder>` (the first build installs the",
            "; platform from PlatformIO's registry); `micro flash --board BOARD --port PORT -d <this folder>` uploads.",
            *body]) + "\n")
    project = Project(out, board, framework, compiled.name, lib_name, budget, selection, metadata,
                      compiled.model.source_sha256)
    _write_manifest(project, source_name)
    return project


def _user_core_dir() -> Path:
    """PlatformIO's own core dir (where registry platforms are installed), not a project-local one."""
    env = os.environ.get("PLATFORMIO_CORE_DIR")
    return Path(env) if env else Path.home() / ".platformio"


def _write_manifest(project: Project, source_name: str, memory: ElfMemory | None = None) -> None:
    data = dict(board=project.board.name, framework=project.framework, model=project.model,
                model_file=source_name, sha256=project.model_sha256, library=project.library,
                env=ENV_NAME, elf=str(project.elf.relative_to(project.dir)),
                bin=str(project.bin.relative_to(project.dir)), budget=project.budget.as_dict(),
                kernels=dict(variant=project.kernels.variant, used=project.kernels.variant_used,
                             pending=project.kernels.pending),
                memory=memory.as_dict() if memory else None)
    (project.dir / MANIFEST).write_text(json.dumps(data, indent=2) + "\n")


def read_manifest(project_dir: str | os.PathLike) -> dict:
    path = Path(project_dir) / MANIFEST
    try:
        return json.loads(path.read_text())
    except OSError:
        raise BuildError(f"{project_dir} is not a `micro build` folder (no {MANIFEST}); build first: "
                         f"micro build --board BOARD model.tflite -o {project_dir}") from None


# ---------------------------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------------------------

@dataclass
class BuildResult:
    project: Project
    elf: Path
    bin: Path
    memory: ElfMemory
    seconds: float


def registry_unreachable(timeout: float = 3.0) -> str | None:
    """None when PlatformIO's registry answers a TCP connect within `timeout`, else why not. MICRO_OFFLINE=1
    says "offline" without trying."""
    if os.environ.get("MICRO_OFFLINE", "").strip() not in ("", "0"):
        return "MICRO_OFFLINE is set"
    proxy = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy")
    host, port = REGISTRY_HOST
    if proxy:
        m = re.match(r"^(?:\w+://)?(?:[^@/]*@)?([^:/]+)(?::(\d+))?", proxy)
        if m:
            host, port = m.group(1), int(m.group(2) or 8080)
    result: dict[str, object] = {}

    def probe():
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result["ok"] = True
        except OSError as e:
            result["error"] = e

    t = threading.Thread(target=probe, daemon=True)
    t.start()
    t.join(timeout + 0.5)           # DNS has no timeout of its own: do not wait for it
    if result.get("ok"):
        return None
    err = result.get("error")
    return f"cannot reach {host}:{port} ({err or f'no answer in {timeout:.0f} s'})"


def arduino_platform_missing(board: Board, core_dir: Path | None = None) -> list[str]:
    """What of the registry platform, framework and toolchain is not installed in PlatformIO's core dir."""
    core = core_dir or _user_core_dir()
    missing = []
    platform = board.platformio_platform or "nordicnrf52"
    if not (core / "platforms" / platform / "platform.json").is_file():
        missing.append(f"platform {platform}")
    for pkg in ARDUINO_PLATFORM_PACKAGES:
        if not (core / "packages" / pkg / "package.json").is_file():
            missing.append(f"package {pkg}")
    return missing


def _arduino_preflight(project: Project, model_file: str = "MODEL.tflite") -> None:
    from micro.deploy.platformio import _python_side_unavailable
    reason = _python_side_unavailable()
    if reason and "SCons" not in reason:
        raise BuildError(f"cannot build {project.dir}: {reason}")
    missing = arduino_platform_missing(project.board)
    if not missing:
        return
    why = registry_unreachable()
    if why:
        raise BuildError(
            f"framework arduino needs PlatformIO's {project.board.platformio_platform} platform and the Arduino "
            f"mbed core, which are not installed ({', '.join(missing)}), and the PlatformIO registry cannot be "
            f"reached: {why}.\n"
            f"Build offline with micro's own platform instead:\n"
            f"  micro build --board {project.board.name} --framework baremetal {model_file or 'MODEL.tflite'}\n"
            "(bare metal: the serial harness speaks on UARTE0, pins D1/TX and D0/RX, not on the USB port), or "
            f"connect to the internet once: the project is in {project.dir}, and `pio run -d {project.dir}` "
            "installs the platform on its first build.")


def _run_pio(project: Project, args: list[str], timeout: float) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "platformio", *args]
    env = dict(os.environ)
    env.setdefault("PLATFORMIO_SETTING_ENABLE_TELEMETRY", "no")
    try:
        return subprocess.run(cmd, cwd=project.dir, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BuildError(f"`pio {' '.join(args)}` did not finish in {timeout:.0f} s in {project.dir}") from None


def build(project: Project, timeout: float = 1800) -> BuildResult:
    from micro.deploy import platformio as pio
    t0 = time.perf_counter()
    if project.framework == "baremetal":
        try:
            elf = pio.build_project(project.dir, env_name=ENV_NAME, timeout=timeout)
        except pio.PlatformIOError as e:
            raise BuildError(str(e)) from None
    else:
        _arduino_preflight(project, read_manifest(project.dir).get("model_file", ""))
        res = _run_pio(project, ["run", "-d", str(project.dir), "-e", ENV_NAME], timeout)
        if res.returncode != 0:
            tail = "\n".join((res.stdout + res.stderr).strip().splitlines()[-40:])
            raise BuildError(f"`pio run` failed in {project.dir} (exit {res.returncode}):\n{tail}")
        elf = project.elf
    if not elf.is_file():
        raise BuildError(f"the build finished but {elf} does not exist")
    memory = elf_memory(elf, project.board)
    _write_manifest(project, read_manifest(project.dir).get("model_file", ""), memory)
    return BuildResult(project, elf, project.bin, memory, time.perf_counter() - t0)


def build_model(model_path: str | os.PathLike, board: str | Board, out_dir: str | os.PathLike,
                framework: str | None = None, labels: str | os.PathLike | None = None,
                ignore_budget: bool = False, library_name: str | None = None,
                log=print) -> BuildResult:
    """The whole of `micro build`: compile, budget, project, build, ELF sizes (printed through `log`)."""
    from micro.compiler import compile_model
    from micro.frontend import load_model
    board = get_board(board) if isinstance(board, str) else board
    framework = _check_framework(board, framework)
    path = Path(model_path)
    model_bytes = path.read_bytes()
    compiled = compile_model(load_model(path))
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


# ---------------------------------------------------------------------------------------------
# Flash
# ---------------------------------------------------------------------------------------------

@dataclass
class FlashResult:
    project_dir: Path
    framework: str
    uploaded: bool
    instructions: str = ""
    output: str = ""


def baremetal_flash_instructions(project_dir: Path, board: Board, port: str | None, model_file: str) -> str:
    binary = project_dir / ".pio" / "build" / ENV_NAME / "firmware.bin"
    p = port or "/dev/ttyACM0"
    base = f"0x{board.flash_origin:X}"
    return "\n".join([
        f"The bare-metal firmware is {binary}, linked to run at {base} (after the Arduino bootloader, which",
        "stays in place). micro does not upload it itself; flash it with either:",
        "",
        "  1. the Arduino bootloader over USB: double-tap the reset button (the orange LED pulses; the",
        f"     bootloader's port appears, e.g. {p}), then run Arduino's bossac (1.9.1-arduino2, installed",
        "     with the arduino:mbed_nano core; the bootloader puts the application at " + base + "):",
        f"       bossac -d --port={p} -U -i -e -w {binary} -R",
        "  2. an SWD probe on the board's test pads:",
        f"       pyocd flash -t nrf52840 --base-address {base} {binary}",
        f"       openocd -f interface/cmsis-dap.cfg -f target/nrf52.cfg -c \"program {binary} {base} verify reset exit\"",
        "",
        "The bare-metal harness talks on UARTE0, not on USB: connect a 3.3 V USB-serial adapter to D1/TX (P1.03),",
        "D0/RX (P1.10) and GND, then check the board bit-exact against TFLM:",
        f"  micro verify {model_file or 'MODEL.tflite'} --board {board.name} --port /dev/ttyUSB0 --random 10",
    ])


def flash(project_dir: str | os.PathLike, port: str | None, board: str | None = None,
          timeout: float = 600) -> FlashResult:
    """Upload a `micro build` project: PlatformIO's upload target for framework arduino; for baremetal,
    the instructions to flash the .bin (returned, nothing is run)."""
    pdir = Path(project_dir).resolve()
    manifest = read_manifest(pdir)
    b = get_board(manifest["board"])
    if board is not None and board != b.name:
        raise BuildError(f"{pdir} was built for {b.name}, not {board}")
    framework = manifest["framework"]
    if framework == "baremetal":
        text = baremetal_flash_instructions(pdir, b, port, manifest.get("model_file", ""))
        if not (pdir / manifest["bin"]).is_file():
            text = f"(not built yet: run `micro build` first; {manifest['bin']} is missing)\n" + text
        return FlashResult(pdir, framework, False, text)
    if not port:
        raise BuildError("--port is needed: the board's USB serial port, e.g. /dev/ttyACM0")
    project = Project(pdir, b, framework, manifest["model"], manifest["library"], None, None)  # type: ignore[arg-type]
    _arduino_preflight(project, manifest.get("model_file", ""))
    res = _run_pio(project, ["run", "-d", str(pdir), "-e", ENV_NAME, "-t", "upload", "--upload-port", port], timeout)
    out = (res.stdout + res.stderr).strip()
    if res.returncode != 0:
        raise BuildError(f"upload failed (exit {res.returncode}):\n" + "\n".join(out.splitlines()[-30:]))
    text = (f"uploaded to {port}. Check it bit-exact against TFLM:\n"
            f"  micro verify {manifest.get('model_file') or 'MODEL.tflite'} --board {b.name} --port {port} --random 10")
    return FlashResult(pdir, framework, True, text, out)
