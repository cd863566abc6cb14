"""The sources of a model's firmware for a board, as text: generated model C, kernels, the harness of
firmware_templates/common/, the board support of firmware_templates/<board.template_dir>/, a model binding,
and the linker script filled in from the board record; with the compiler flags and defines.

Public API (used by micro.deploy.firmware, micro.deploy.project and micro.deploy.arduino)::

    firmware_project(compiled, board, variant="harness", vectors=None, generated=None, stack_bytes=None,
                     defines=None, compiler=None, app_sources=None) -> FirmwareProject
        .file_flags(fname): optimisation flags by part (model code or harness), from the board's [compiler]
        variant "harness" serves the serial protocol (micro.deploy.protocol); variant "selftest" embeds
        `vectors` (SelfTestVector list) and prints PASS/FAIL on its own (exit code 0/1 through semihosting
        on QEMU); variant "profile" is the self-test with MN_PROFILE (per-op marks, micro.profile).
        stack_bytes: default the board's bare-metal stack (board record).
        app_sources: an application's own C files (name -> text) in place of the generated model binding:
        they define the `mn_model` record themselves (e.g. a pipeline of several models, `generated` from
        micro.codegen.program.emit_c_program, behind one record: examples/keyword_spotting).
    platformio_layout(project, lib_name) -> (src, libs, build_flags)   the same as a PlatformIO project
    model_binding(compiled) -> str        the mn_model record of mn_model_api.h (firmware and Arduino library)
    TEMPLATES_DIR                         firmware_templates/, wherever micro is installed
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from micro.codegen import GeneratedFiles, emit_c
from micro.codegen.escape import c_string
from micro.codegen.kernel_header import KERNELS_DIR
from micro.compiler import Compiled
from micro.deploy.boards import Board, CompilerOptions, get_board
from micro.errors import MicroError

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "firmware_templates"
if not TEMPLATES_DIR.is_dir():  # installed as a package: templates shipped inside micro/
    TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "firmware_templates"

MAX_PAYLOAD = 1024  # MN_PROTO_MAX_PAYLOAD of the firmware (bytes of payload per frame)
# Every file of every firmware; the optimisation flags come from the board ([compiler], CompilerOptions) by part.
# -ffunction-sections/-fdata-sections with the link's --gc-sections: a model links only the kernel functions it
# calls (tests/deploy/test_code_size.py).
FIRMWARE_CFLAGS = ("-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-ffunction-sections", "-fdata-sections")
DATA_ONLY_OPT = "-O0"   # files of constant data only (weights, self-test vectors): no code, compiled fast
HARNESS_MAINS = {"harness": "mn_harness_main.c", "selftest": "mn_selftest_main.c", "profile": "mn_selftest_main.c"}
# Defines of a variant: "profile" is the self-test built with MN_PROFILE: the generated invoke calls
# mn_profile_mark(k) before every op (micro/profile counts the instructions between marks in QEMU).
VARIANT_DEFINES: dict[str, dict[str, str | None]] = {"profile": {"MN_PROFILE": None}}


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
    model_files: frozenset[str] = frozenset()   # the model's generated files and kernels (the rest: harness)
    compiler: CompilerOptions = field(default_factory=CompilerOptions)

    @property
    def c_sources(self) -> list[str]:
        return sorted(f for f in self.sources if f.endswith(".c"))

    def part(self, fname: str) -> str:
        """"model" (generated model C and kernels) or "harness" (everything else)."""
        return "model" if fname in self.model_files else "harness"

    def file_flags(self, fname: str) -> tuple[str, ...]:
        """The optimisation flags of one C file (the board's [compiler] options for its part)."""
        if fname.endswith("_weights.c") or fname == "mn_selftest_vectors.c":
            return (DATA_ONLY_OPT,)
        return self.compiler.for_part(self.part(fname))

    def digest(self, builder: str) -> str:
        h = hashlib.sha256()
        for k in sorted(self.sources):
            h.update(k.encode() + b"\0" + self.sources[k].encode() + b"\0")
        h.update(self.linker_script.encode())
        h.update(repr(sorted(self.defines.items())).encode())
        h.update(" ".join((builder, *FIRMWARE_CFLAGS)).encode())
        h.update(repr(self.board).encode())   # every key of the board file (flags, PlatformIO manifest, ...)
        h.update(repr((self.compiler, sorted(self.model_files))).encode())
        return h.hexdigest()[:20]

    def write(self, out_dir: str | os.PathLike) -> Path:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        for fname, text in self.sources.items():
            (out / fname).write_text(text)
        (out / "firmware.ld").write_text(self.linker_script)
        return out


def platformio_layout(project: FirmwareProject, lib_name: str) -> tuple[dict[str, str], dict[str, dict[str, str]],
                                                                     list[str]]:
    """The firmware as a PlatformIO project: (src/ files: the harness, {lib_name: the model's files and kernels
    with a library.json}, build_flags). The harness gets the board's harness options (build_src_flags), the
    library its model options (library.json build.flags), so build_flags carries no -O; the link options go to
    generate_project(link_flags=...)."""
    src = {k: v for k, v in project.sources.items() if project.part(k) == "harness"}
    lib: dict[str, str] = {f"src/{k}": v for k, v in project.sources.items() if project.part(k) == "model"}
    lib["library.json"] = json.dumps({
        "name": lib_name, "version": "0.0.0",
        "description": f"The model {project.name} compiled by micro (C99, bit-exact with TFLM), with its kernels.",
        "frameworks": "*", "platforms": "*",
        "build": {"srcDir": "src", "includeDir": "src", "flags": list(project.compiler.model)},
    }, indent=2) + "\n"
    return src, {lib_name: lib}, list(FIRMWARE_CFLAGS)


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
    {c_string(name)},
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
    {name}_reset,
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


def _linker_script(board: Board, objs: list[str], stack_bytes: int) -> str:
    """objs: the stems of the generated model files whose constants go to the .weights section."""
    text = (TEMPLATES_DIR / "common" / "linker.ld.in").read_text()
    model_data = "\n        ".join(f"*/{o}{suffix}(.rodata .rodata.*)" for o in objs for suffix in (".o", ".c.o"))
    subst = {
        "@FLASH_ORIGIN@": f"0x{board.flash_origin:08X}", "@FLASH_LENGTH@": f"0x{board.flash_bytes:X}",
        "@RAM_ORIGIN@": f"0x{board.ram_origin:08X}", "@RAM_LENGTH@": f"0x{board.ram_bytes:X}",
        "@STACK_SIZE@": f"0x{stack_bytes:X}", "@MODEL_DATA@": model_data,
        "@ARENA@": "*(.bss.arena_)", "@STATE@": "*(.bss.state_)",
    }
    for k, v in subst.items():
        text = text.replace(k, v)
    return text


def firmware_project(compiled: Compiled, board: Board | str, variant: str = "harness",
                     vectors: list[SelfTestVector] | None = None, generated: GeneratedFiles | None = None,
                     stack_bytes: int | None = None, defines: dict[str, str | None] | None = None,
                     compiler: CompilerOptions | None = None,
                     app_sources: dict[str, str] | None = None) -> FirmwareProject:
    """compiler: the board's [compiler] options unless given (benchmarks/compiler_options.py tries others)."""
    board = get_board(board)
    if stack_bytes is None:
        stack_bytes = board.stack_reserve("baremetal")
    if variant not in HARNESS_MAINS:
        raise FirmwareError(f"unknown firmware variant '{variant}' ({', '.join(HARNESS_MAINS)})")
    board_dir = TEMPLATES_DIR / board.template_dir
    if not board_dir.is_dir():
        raise FirmwareError(f"board '{board.name}' has no firmware template folder {board_dir}")
    generated = generated or emit_c(compiled)
    sources: dict[str, str] = dict(generated.files)
    for fname in generated.kernel_files:
        sources[fname] = (KERNELS_DIR / fname).read_text()
    common = TEMPLATES_DIR / "common"
    for p in sorted(common.iterdir()):
        if p.suffix == ".h" or (p.suffix == ".c" and p.name not in HARNESS_MAINS.values()):
            sources[p.name] = p.read_text()
    main = HARNESS_MAINS[variant]
    sources[main] = (common / main).read_text()
    for p in sorted(board_dir.iterdir()):
        if p.suffix in (".c", ".h"):
            sources[f"board_{p.name}" if p.suffix == ".c" else p.name] = p.read_text()
    if app_sources:
        sources.update(app_sources)
    else:
        sources["mn_model_binding.c"] = model_binding(compiled)
    sources["mn_board_name.c"] = (f"/* Generated by micro: the board's name, announced in the banner and INFO. */\n"
                                  f"const char mn_board_name[] = {c_string(board.name)};\n")
    if variant in ("selftest", "profile"):
        if not vectors:
            raise FirmwareError(f"the {variant} firmware needs at least one test vector")
        sources["mn_selftest_vectors.c"] = _vectors_source(compiled, vectors)
    project_defines: dict[str, str | None] = {"MN_PROTO_MAX_PAYLOAD": str(MAX_PAYLOAD)}
    for d in board.defines:
        k, _, v = d.partition("=")
        project_defines[k] = v or None
    project_defines.update(VARIANT_DEFINES.get(variant, {}))
    project_defines.update(defines or {})
    models = sorted(f[:-len("_weights.c")] for f in generated.files if f.endswith("_weights.c"))
    model_objs = [stem for m in models for stem in (m, f"{m}_weights")]
    return FirmwareProject(compiled.name, board, variant, sources, _linker_script(board, model_objs, stack_bytes),
                           project_defines, frozenset(generated.files) | frozenset(generated.kernel_files),
                           compiler or board.compiler)
