"""Firmware for a compiled model on a board: collect the sources, build, measure flash and RAM.

Public API (used by micro.verify.board, micro.cli and the Robot keyword library):

    firmware_project(compiled, board, variant="harness", vectors=None, generated=None) -> FirmwareProject
        every source file of the firmware as text (generated model C, kernels, firmware_templates/common/,
        firmware_templates/<board.template_dir>/, a model binding, the linker script filled in from the board
        record), with compiler flags and defines. variant "harness" serves the serial protocol
        (micro.deploy.protocol); variant "selftest" embeds `vectors` (SelfTestVector list) and prints
        PASS/FAIL on its own (exit code 0/1 through semihosting on QEMU).
    build_firmware(compiled, board, variant="harness", vectors=None, builder=None, out_dir=None) -> Firmware
        builds (cached by content under ~/.cache/micro/firmware/) with PlatformIO (micro.deploy.platformio,
        offline) or directly with arm-none-eabi-gcc (builder="gcc"; the default is "platformio" when it can
        run here, else "gcc"; MICRO_FIRMWARE_BUILDER overrides). Firmware has .elf, .memory (MemoryReport),
        .symbol(name) -> address.
    selftest_vectors(compiled, input_sets, model_bytes=None) -> list[SelfTestVector]
        expected outputs from the host build, cross-checked with the TFLM oracle when model_bytes is given.

Memory accounting (MemoryReport), from the ELF's sections (see firmware_templates/common/linker.ld.in):
flash = code (vectors, text, read-only data of harness + kernels + libc, .data's initial image) + weights (the
model's constants: weight arrays and per-op parameter arrays); RAM = arena (the model's tensor arena) + other
(.data, .bss: serial buffers etc.) + stack (reserved; the run-time high-water mark is reported by the
firmware in every RESULT).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from micro.deploy.boards import Board, get_board
from micro.codegen import GeneratedFiles, emit_c
from micro.codegen.emit import KERNELS_DIR
from micro.compiler import Compiled
from micro.errors import MicroError

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "firmware_templates"
if not TEMPLATES_DIR.is_dir():  # installed as a package: templates shipped inside micro/
    TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "firmware_templates"

TOOLCHAIN_PREFIX = "arm-none-eabi-"
STACK_BYTES = 8 * 1024   # measured high-water mark: <= 3.2 KB on every shared model (reported per run)
MAX_PAYLOAD = 1024  # MN_PROTO_MAX_PAYLOAD of the firmware (bytes of payload per frame)
FIRMWARE_CFLAGS = ("-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-ffunction-sections", "-fdata-sections")
OPT = "-O2"
_HARNESS_MAINS = {"harness": "mn_harness_main.c", "selftest": "mn_selftest_main.c"}


class FirmwareError(MicroError):
    """Firmware sources could not be assembled or built."""


@dataclass
class SelfTestVector:
    inputs: list[np.ndarray]
    outputs: list[np.ndarray]


@dataclass
class FirmwareProject:
    name: str                      # model name
    board: Board
    variant: str
    sources: dict[str, str]        # file name -> text (C sources and headers, flat)
    linker_script: str
    defines: dict[str, str | None] = field(default_factory=dict)

    @property
    def c_sources(self) -> list[str]:
        return sorted(f for f in self.sources if f.endswith(".c"))

    def digest(self, builder: str) -> str:
        h = hashlib.sha256()
        for k in sorted(self.sources):
            h.update(k.encode() + b"\0" + self.sources[k].encode() + b"\0")
        h.update(self.linker_script.encode())
        h.update(repr(sorted(self.defines.items())).encode())
        h.update(" ".join((builder, OPT, *FIRMWARE_CFLAGS, *self.board.cflags)).encode())
        return h.hexdigest()[:20]

    def write(self, out_dir: str | os.PathLike) -> Path:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        for fname, text in self.sources.items():
            (out / fname).write_text(text)
        (out / "firmware.ld").write_text(self.linker_script)
        return out


@dataclass
class MemoryReport:
    """Bytes of flash and RAM the firmware occupies (from the ELF's section sizes)."""

    code: int
    weights: int
    arena: int
    other_ram: int
    stack_reserved: int
    sections: dict[str, int] = field(default_factory=dict)

    @property
    def flash(self) -> int:
        return self.code + self.weights

    @property
    def ram(self) -> int:
        return self.arena + self.other_ram + self.stack_reserved

    def summary(self) -> str:
        return (f"flash {self.flash:,} B (code {self.code:,} + weights {self.weights:,}), "
                f"RAM {self.ram:,} B (arena {self.arena:,} + other {self.other_ram:,} + stack {self.stack_reserved:,})")

    def as_dict(self) -> dict:
        return dict(flash=self.flash, code=self.code, weights=self.weights, ram=self.ram, arena=self.arena,
                    other_ram=self.other_ram, stack_reserved=self.stack_reserved)


@dataclass
class Firmware:
    elf: Path
    board: Board
    model: str
    variant: str
    memory: MemoryReport
    symbols: dict[str, int]
    builder: str

    def symbol(self, name: str) -> int:
        try:
            return self.symbols[name]
        except KeyError:
            raise FirmwareError(f"{self.elf}: no symbol '{name}'") from None


# ------------------------------------------------------------------------------------------------------------
# Sources
# ------------------------------------------------------------------------------------------------------------

def _c_bytes(data: bytes, indent: str = "    ", per_line: int = 16) -> str:
    if not data:
        return indent + "0"
    rows = []
    for i in range(0, len(data), per_line):
        rows.append(indent + ", ".join(str(b) for b in data[i:i + per_line]) + ",")
    return "\n".join(rows)


def model_binding(compiled: Compiled) -> str:
    """The model as micro's harness sees it: the mn_model record of mn_model_api.h (plus the trace setter
    of MN_TRACE debug builds). Used by the bare-metal firmware and the Arduino library alike."""
    name, NAME = compiled.name, compiled.name.upper()
    g = compiled.graph
    ins = ", ".join(f"{NAME}_INPUT{i}_BYTES" for i in range(len(g.inputs)))
    outs = ", ".join(f"{NAME}_OUTPUT{i}_BYTES" for i in range(len(g.outputs)))
    return f"""/* Generated by micro: the model `{name}` as micro's serial harness sees it (mn_model_api.h). */
#include "mn_model_api.h"
#include "{name}.h"

static const uint32_t mn_input_bytes[] = {{ {ins} }};
static const uint32_t mn_output_bytes[] = {{ {outs} }};

const mn_model_t mn_model = {{
    "{name}",
    {NAME}_MODEL_SHA256,
    {NAME}_ARENA_BYTES,
    {NAME}_NUM_INPUTS,
    {NAME}_NUM_OUTPUTS,
    mn_input_bytes,
    mn_output_bytes,
    {name}_init,
    {name}_invoke,
    {name}_input,
    {name}_output,
}};

#ifdef MN_TRACE
void mn_model_set_trace(void (*fn)(int op_index, int tensor_index, const void *data, size_t bytes))
{{
    {name}_trace_hook = fn;
}}
#endif
"""


def _vectors_source(compiled: Compiled, vectors: list[SelfTestVector]) -> str:
    g = compiled.graph
    parts = [f"/* Generated by micro.deploy.firmware: {len(vectors)} self-test vector(s) for `{compiled.name}`: "
             "inputs and the outputs TFLM computes for them (bit-exact reference). */",
             "#include <stdint.h>", ""]
    in_refs, out_refs = [], []
    for v, vec in enumerate(vectors):
        if len(vec.inputs) != len(g.inputs) or len(vec.outputs) != len(g.outputs):
            raise FirmwareError("self-test vector does not match the model's inputs/outputs")
        for i, x in enumerate(vec.inputs):
            t = g.tensors[g.inputs[i]]
            data = np.ascontiguousarray(x, dtype=t.dtype).tobytes()
            if len(data) != t.nbytes:
                raise FirmwareError(f"self-test vector {v}: input {i} has {len(data)} bytes, needs {t.nbytes}")
            parts.append(f"static const uint8_t st_v{v}_in{i}[{max(1, len(data))}] __attribute__((aligned(8))) = {{\n"
                         f"{_c_bytes(data)}\n}};")
            in_refs.append(f"st_v{v}_in{i}")
        for o, y in enumerate(vec.outputs):
            t = g.tensors[g.outputs[o]]
            data = np.ascontiguousarray(y, dtype=t.dtype).tobytes()
            if len(data) != t.nbytes:
                raise FirmwareError(f"self-test vector {v}: output {o} has {len(data)} bytes, needs {t.nbytes}")
            parts.append(f"static const uint8_t st_v{v}_out{o}[{max(1, len(data))}] = {{\n{_c_bytes(data)}\n}};")
            out_refs.append(f"st_v{v}_out{o}")
    parts.append(f"\nconst uint32_t mn_st_count = {len(vectors)};")
    parts.append("const uint8_t *const mn_st_inputs[] = { " + (", ".join(in_refs) or "0") + " };")
    parts.append("const uint8_t *const mn_st_outputs[] = { " + (", ".join(out_refs) or "0") + " };")
    return "\n".join(parts) + "\n"


def _linker_script(board: Board, model: str, stack_bytes: int) -> str:
    text = (TEMPLATES_DIR / "common" / "linker.ld.in").read_text()
    objs = [f"{model}", f"{model}_weights"]
    model_data = "\n        ".join(f"*/{o}{suffix}(.rodata .rodata.*)" for o in objs for suffix in (".o", ".c.o"))
    subst = {
        "@FLASH_ORIGIN@": f"0x{board.flash_origin:08X}", "@FLASH_LENGTH@": f"0x{board.flash_bytes:X}",
        "@RAM_ORIGIN@": f"0x{board.ram_origin:08X}", "@RAM_LENGTH@": f"0x{board.ram_bytes:X}",
        "@STACK_SIZE@": f"0x{stack_bytes:X}", "@MODEL_DATA@": model_data,
        "@ARENA@": "*(.bss.arena_)",
    }
    for k, v in subst.items():
        text = text.replace(k, v)
    return text


def firmware_project(compiled: Compiled, board: Board | str, variant: str = "harness",
                     vectors: list[SelfTestVector] | None = None, generated: GeneratedFiles | None = None,
                     stack_bytes: int = STACK_BYTES, defines: dict[str, str | None] | None = None) -> FirmwareProject:
    board = get_board(board) if isinstance(board, str) else board
    if variant not in _HARNESS_MAINS:
        raise FirmwareError(f"unknown firmware variant '{variant}' (harness or selftest)")
    board_dir = TEMPLATES_DIR / board.template_dir
    if not board_dir.is_dir():
        raise FirmwareError(f"board '{board.name}' has no firmware template folder {board_dir}")
    generated = generated or emit_c(compiled)
    sources: dict[str, str] = dict(generated.files)
    for fname in generated.kernel_files:
        sources[fname] = (KERNELS_DIR / fname).read_text()
    common = TEMPLATES_DIR / "common"
    for p in sorted(common.iterdir()):
        if p.suffix == ".h" or (p.suffix == ".c" and p.name not in _HARNESS_MAINS.values()):
            sources[p.name] = p.read_text()
    main = _HARNESS_MAINS[variant]
    sources[main] = (common / main).read_text()
    for p in sorted(board_dir.iterdir()):
        if p.suffix in (".c", ".h"):
            sources[f"board_{p.name}" if p.suffix == ".c" else p.name] = p.read_text()
    sources["mn_model_binding.c"] = model_binding(compiled)
    if variant == "selftest":
        if not vectors:
            raise FirmwareError("the self-test firmware needs at least one test vector")
        sources["mn_selftest_vectors.c"] = _vectors_source(compiled, vectors)
    project_defines: dict[str, str | None] = {"MN_PROTO_MAX_PAYLOAD": str(MAX_PAYLOAD)}
    for d in board.defines:
        k, _, v = d.partition("=")
        project_defines[k] = v or None
    project_defines.update(defines or {})
    return FirmwareProject(compiled.name, board, variant, sources, _linker_script(board, compiled.name, stack_bytes),
                           project_defines)


def selftest_vectors(compiled: Compiled, input_sets: list[list[np.ndarray]],
                     model_bytes: bytes | None = None) -> list[SelfTestVector]:
    """Expected outputs from the host build; with model_bytes, also checked against TFLM (must agree)."""
    from micro.verify.host import HostModel
    host = HostModel(compiled, emit_c(compiled))
    oracle = None
    if model_bytes is not None:
        from micro.verify.oracle import Oracle
        oracle = Oracle(model_bytes, compiled.model)
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


# ------------------------------------------------------------------------------------------------------------
# Build
# ------------------------------------------------------------------------------------------------------------

def _cache_root() -> Path:
    from micro.verify.host import cache_dir
    return cache_dir() / "firmware"


def default_builder() -> str:
    env = os.environ.get("MICRO_FIRMWARE_BUILDER")
    if env:
        if env not in ("gcc", "platformio"):
            raise FirmwareError(f"MICRO_FIRMWARE_BUILDER={env}: expected gcc or platformio")
        return env
    try:
        from micro.deploy.platformio import platformio_unavailable
    except ImportError:
        return "gcc"
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
        opt = "-O0" if fname.endswith("_weights.c") or fname == "mn_selftest_vectors.c" else OPT
        cmd = [cc, *flags, opt, "-I", str(src_dir), "-c", str(src_dir / fname), "-o", str(obj)]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            raise FirmwareError(f"{cc} failed on {fname}:\n{res.stderr.strip()}\ncommand: {' '.join(cmd)}")
        return obj

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        objs = list(pool.map(compile_one, project.c_sources))
    elf = work / "firmware.elf"
    cmd = [cc, *project.board.cflags, "-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs",
           "-Wl,--gc-sections", f"-Wl,-Map={work / 'firmware.map'}", "-T", str(src_dir / "firmware.ld"),
           "-o", str(elf), *map(str, objs), "-lm"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise FirmwareError(f"linking the firmware failed:\n{res.stderr.strip()}\ncommand: {' '.join(cmd)}")
    return elf


def _build_platformio(project: FirmwareProject, work: Path) -> Path:
    from micro.deploy import platformio as pio
    pio.generate_project(work, project.board, project.sources, defines=project.defines,
                         linker_script=project.linker_script, build_flags=list(FIRMWARE_CFLAGS), opt=OPT)
    return pio.build_project(work)


def _section_sizes(elf: Path) -> dict[str, int]:
    from micro.deploy.platformio import section_sizes

    return section_sizes(elf, TOOLCHAIN_PREFIX)


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


def memory_report(elf: Path) -> MemoryReport:
    s = _section_sizes(elf)
    flash_code = sum(s.get(k, 0) for k in (".isr_vector", ".text", ".rodata", ".ARM.exidx", ".data"))
    return MemoryReport(code=flash_code, weights=s.get(".weights", 0), arena=s.get(".arena", 0),
                        other_ram=s.get(".data", 0) + s.get(".bss", 0), stack_reserved=s.get(".stack", 0),
                        sections=s)


def build_firmware(compiled: Compiled, board: Board | str, variant: str = "harness",
                   vectors: list[SelfTestVector] | None = None, builder: str | None = None,
                   out_dir: str | os.PathLike | None = None, generated: GeneratedFiles | None = None,
                   defines: dict[str, str | None] | None = None) -> Firmware:
    """Build (or reuse from the cache) the firmware ELF for `compiled` on `board`. `defines` adds -D flags
    (e.g. MN_HARNESS_TEST_FAULT / MN_HARNESS_TEST_HANG: the invoke faults / never returns, for tests)."""
    missing = toolchain_missing()
    if missing:
        raise FirmwareError(missing)
    board = get_board(board) if isinstance(board, str) else board
    builder = builder or default_builder()
    project = firmware_project(compiled, board, variant, vectors, generated, defines=defines)
    if out_dir is not None:
        final = Path(out_dir).resolve()
        elf = final / "firmware.elf"
    else:
        final = _cache_root() / f"{compiled.name}-{board.name}-{variant}-{project.digest(builder)}"
        elf = final / "firmware.elf"
    if out_dir is not None or not elf.exists():
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
    return Firmware(elf, board, compiled.name, variant, memory_report(elf), _symbols(elf), builder)
