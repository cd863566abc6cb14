"""The classic AVR Arduinos with the real Arduino toolchain (Debian's arduino-builder, arduino-core-avr,
avr-gcc) and simavr: every kernel compiles for 8-bit AVR (16-bit int, 32-bit double) warning-free; models run
bit-exact with TFLM on the Nano and the Uno; two exported model libraries link into one sketch (AVR with
arduino-builder, and on the host against the Arduino test double) without a clash."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest

from micro.codegen.kernel_header import KERNELS_DIR, kernel_header
from micro.compiler import compile_model
from micro.deploy.arduino.export import export_arduino
from micro.deploy.avr import build_sketch, install_library, run_simavr
from micro.deploy.budget import BudgetError
from micro.frontend import load_model
from micro.kernels import KERNELS
from micro.verify.board import verify_on_board
from micro.verify.compare import random_inputs
from micro.verify.oracle import Oracle

from arduino_double.sketch import build_sketch as build_host_sketch
from support.paths import MODELS, OPS, need_tool

AVR_CFLAGS = ["-mmcu=atmega328p", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-Os"]
# hello_world (FULLY_CONNECTED), and single-op models small enough for 2 KB of RAM with their weights
AVR_MODELS = [MODELS / "tflm_hello_world_int8.tflite", OPS / "softmax__n10.tflite",
              OPS / "fully_connected__pc_u1_in2d_1x16_b1_bias_relu.tflite", OPS / "pad__3d_1x4x6_all.tflite",
              OPS / "transpose__perm201_in2x3x5.tflite", OPS / "conv_2d__k2x2_s2_valid_d1_none_c3to5_in9x9.tflite"]


def _kernels():
    return list(KERNELS.values()) if isinstance(KERNELS, dict) else list(KERNELS)


def test_every_kernel_compiles_for_avr_warning_free(tmp_path):
    """int is 16 bits on AVR: `1 << 20` overflows, int8 * int8 sums can too; -Wall -Wextra -Werror catches the
    shifts, and every kernel file (new ones included) must pass."""
    need_tool("avr-gcc")
    (tmp_path / "mn_kernels.h").write_text(kernel_header(_kernels()))
    sources = sorted(KERNELS_DIR.glob("*.c"))
    assert sources
    for src in sources:
        res = subprocess.run(["avr-gcc", *AVR_CFLAGS, "-I", str(tmp_path), "-I", str(KERNELS_DIR), "-c", str(src),
                              "-o", str(tmp_path / (src.stem + ".o"))], capture_output=True, text=True)
        assert res.returncode == 0, f"{src.name} does not compile for AVR:\n{res.stderr}"


def test_kernels_use_no_double():
    """avr-gcc's double is 32 bits: a kernel computing in double would not match TFLM on AVR."""
    for src in sorted(KERNELS_DIR.glob("*.[ch]")):
        code = re.sub(r"/\*.*?\*/", "", src.read_text(), flags=re.S)
        assert not re.search(r"\bdouble\b", code), src.name


@pytest.fixture(scope="module")
def avr_tools():
    for tool in ("arduino-builder", "arduino-ctags", "avr-gcc", "simavr"):
        need_tool(tool)


@pytest.mark.parametrize("board", ["nano", "uno"])
def test_hello_world_bit_exact_in_simavr(avr_tools, board):
    path = MODELS / "tflm_hello_world_int8.tflite"
    c = compile_model(load_model(path))
    sets = [[np.array([[v]], dtype=np.int8)] for v in (-128, -5, 0, 77, 127)]
    report = verify_on_board(c, path.read_bytes(), sets, board, host_all_tensors=False)
    assert report.ok, report.summary()
    assert report.cycles and min(report.cycles) > 1000 and "arduino-builder" in report.link


@pytest.mark.slow
@pytest.mark.parametrize("path", AVR_MODELS[1:], ids=lambda p: p.stem)
def test_small_models_bit_exact_on_nano(avr_tools, path):
    c = compile_model(load_model(path))
    rng = np.random.default_rng(3)
    report = verify_on_board(c, path.read_bytes(), [random_inputs(c.graph, rng) for _ in range(3)], "nano",
                             host_all_tensors=False)
    assert report.ok, report.summary()


def test_model_over_2kb_ram_is_refused_with_the_numbers(avr_tools):
    path = MODELS / "mlperf_tiny_kws_ref_model.tflite"
    c = compile_model(load_model(path))
    with pytest.raises(BudgetError) as e:
        verify_on_board(c, path.read_bytes(), [random_inputs(c.graph, np.random.default_rng(0))], "nano",
                        host_all_tensors=False)
    msg = str(e.value)
    assert "2,048 B" in msg and f"arena {c.plan.arena_bytes:,}" in msg and "copied to RAM" in msg


# ---- two model libraries in one sketch ----

TWO = [MODELS / "tflm_hello_world_int8.tflite", OPS / "softmax__n10.tflite"]


def _two_model_sketch(names: list[str], headers: list[str], inputs: list[list[bytes]]) -> str:
    lines = ["#include <string.h>"] + [f"#include <{h}>" for h in headers] + [
        "#ifdef __AVR__", "#include <avr/sleep.h>", "#endif", "",
        "static void print_hex(const char *tag, const void *p, unsigned int n)", "{",
        "    static const char hex[] = \"0123456789abcdef\";", "    const unsigned char *b = (const unsigned char *)p;",
        "    Serial.print(tag);", "    for (unsigned int i = 0; i < n; i++) {",
        "        Serial.write(hex[b[i] >> 4]);", "        Serial.write(hex[b[i] & 15]);", "    }",
        "    Serial.print(\"\\n\");", "}", "",
        "#ifndef __AVR__   /* link every library's harness too: its symbols must not clash */",
        "void (*volatile keep[])(void) = {" + ", ".join(f"{n}_harness_poll" for n in names) + "};", "#endif", "",
        "void setup()", "{", "    Serial.begin(115200);"]
    for m, (n, ins) in enumerate(zip(names, inputs)):
        lines.append(f"    {n}_init();")
        for i, data in enumerate(ins):
            lines.append(f"    {{ static const unsigned char x[] = {{{','.join(str(b) for b in data)}}};")
            lines.append(f"      memcpy({n}_input({i}), x, sizeof x); }}")
        lines.append(f"    {n}_invoke();")
        lines.append(f"    print_hex(\"out {m} \", {n}_output(0), {n.upper()}_OUTPUT0_BYTES);")
    lines += ["    Serial.print(\"done\\n\");", "    Serial.flush();", "#ifdef __AVR__",
              "    cli();", "    sleep_enable();", "    sleep_cpu();", "#else", "    micro_harness_on_exit(0);",
              "#endif", "}", "", "void loop()", "{", "}", ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def two_libraries(tmp_path_factory):
    work = tmp_path_factory.mktemp("two")
    libs, names, headers, inputs, expected = [], [], [], [], []
    rng = np.random.default_rng(5)
    for path in TWO:
        res = export_arduino(path, work / f"Micro{len(libs)}.zip", board="nano", log=lambda _: None)
        libs.append(install_library(res.zip_path, work / "sketchbook" / "libraries"))
        c = compile_model(load_model(path))
        x = random_inputs(c.graph, rng)
        names.append(c.name)
        headers.append(res.library.info.header)
        inputs.append([np.ascontiguousarray(a).tobytes() for a in x])
        ref = Oracle(path.read_bytes(), c.model).run(x, [c.graph.outputs[0]])
        expected.append(np.asarray(ref[c.graph.outputs[0]]).tobytes().hex())
    sketch = work / "sketchbook" / "TwoModels"
    sketch.mkdir(parents=True)
    (sketch / "TwoModels.ino").write_text(_two_model_sketch(names, headers, inputs))
    return dict(work=work, libs=libs, names=names, sketch=sketch, expected=expected)


def _outputs(text: str) -> list[str]:
    return [m.group(2) for m in sorted(re.finditer(r"out (\d+) ([0-9a-f]+)", text), key=lambda m: int(m.group(1)))]


def test_two_model_libraries_in_one_avr_sketch(avr_tools, two_libraries):
    t = two_libraries
    build = build_sketch(t["sketch"], t["work"] / "sketchbook" / "libraries", "arduino:avr:nano:cpu=atmega328",
                         t["work"] / "build-avr")
    text = run_simavr(build.elf)
    assert "done" in text and _outputs(text) == t["expected"], text


def test_two_model_libraries_in_one_host_sketch_share_no_symbol(two_libraries, tmp_path):
    """The same sketch against the Arduino double (host gcc): it links with both harnesses, prints TFLM's
    outputs, and every global symbol of a library's objects carries its model's name."""
    t = two_libraries
    exe = build_host_sketch(t["sketch"], t["libs"], tmp_path / "two")
    res = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert _outputs(res.stdout) == t["expected"], res.stdout + res.stderr
    lib_files = {p.name for lib in t["libs"] for p in (lib / "src").rglob("*.c*")}
    defined: dict[str, str] = {}
    for obj in sorted((tmp_path / "two.objs").glob("*.o")):
        if obj.name.split("_", 1)[1][:-2] not in lib_files:   # the sketch and the double
            continue
        nm = subprocess.run(["nm", "--defined-only", "-g", str(obj)], capture_output=True, text=True).stdout
        for line in nm.splitlines():
            kind, sym = line.split()[-2:]
            if kind in "WwVv":        # weak: micro_harness_on_exit, the one hook shared on purpose
                assert "micro_harness_on_exit" in sym, (obj.name, sym)
                continue
            assert any(n in sym for n in t["names"]), (obj.name, sym)
            assert sym not in defined, f"{sym} defined in {defined.get(sym)} and {obj.name}"
            defined[sym] = obj.name
