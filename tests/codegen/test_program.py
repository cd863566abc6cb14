"""Several models in one program (micro.codegen.program.emit_c_program): each model's files, one mn_kernels.h
declaring the kernels of all, each kernel source once; the program compiles and links on the host with both
models' symbols side by side; models with the same name are refused, naming it."""

from __future__ import annotations

import subprocess

import pytest

from micro.codegen import emit_c
from micro.codegen.kernel_header import HEADER_NAME, KERNELS_DIR
from micro.codegen.program import emit_c_program
from micro.compiler import compile_model
from micro.errors import MicroError
from micro.frontend import read_model

from support.corpus import shared_model
from support.paths import need_tool

MODELS = {"pre": "tflm_audio_preprocessor_int8", "speech": "tflm_micro_speech_quantized"}


@pytest.fixture(scope="module")
def compiled():
    return [compile_model(read_model(shared_model(m).read_bytes(), name)) for name, m in MODELS.items()]


def test_program_shares_kernels_and_links(compiled, tmp_path):
    need_tool("gcc")
    program = emit_c_program(compiled)
    for c in compiled:
        single = emit_c(c)
        assert set(single.files) - {HEADER_NAME} <= set(program.files)
        assert set(single.kernel_files) <= set(program.kernel_files)
    assert len(program.kernel_files) == len(set(program.kernel_files))
    header = program.files[HEADER_NAME]
    for name, text in program.files.items():
        (tmp_path / name).write_text(text)
    for name in program.kernel_files:
        (tmp_path / name).write_text((KERNELS_DIR / name).read_text())
    (tmp_path / "main.c").write_text('#include "pre.h"\n#include "speech.h"\n'
                                     "int main(void) { pre_init(); speech_init(); pre_invoke(); speech_invoke(); "
                                     "return 0; }\n")
    sources = [str(p) for p in sorted(tmp_path.glob("*.c"))]
    subprocess.run(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O1", "-I", str(tmp_path),
                    *sources, "-o", str(tmp_path / "program"), "-lm"], check=True)
    subprocess.run([str(tmp_path / "program")], check=True)
    assert "mn_signal_rfft" in header and "mn_fully_connected" in header


def test_same_names_refused(compiled):
    with pytest.raises(MicroError, match="both named pre"):
        emit_c_program([compiled[0], compiled[0]])
