"""Strings from a model never reach generated C unescaped: a model whose tensor names try to end a
comment, open a string, start a preprocessor line or splice lines compiles warning-free, runs no code of
its own, and verifies bit-exact."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from micro.codegen import emit_c, write_c
from micro.codegen.escape import c_comment, c_string
from micro.compiler import compile_model
from micro.frontend import read_model
from micro.testing.tflite_builder import ModelBuilder
from micro.verify.compare import verify_compiled

from support.paths import need_tool

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O1"]


def hostile_names(marker) -> list:
    payload = (f'*/ __attribute__((constructor)) static void evil(void) {{ '
               f'extern int system(const char *); system("touch {marker}"); }} /*')
    return [
        payload,
        'say "hi" \\" \'q\' \\',
        "line one\nline two\r\n#define MN_WEIGHT_ALIGN\n#include </etc/passwd>",
        "// trailing comment ??/\n*/ int x;",
        "ends with a backslash \\",
        "trigraph ??/ ??= ??' ??( ??) ??! ??< ??> ??-",
        "non-ascii: é ü 日本 \u2028 \x00 nul",
        b"raw bytes \xff\xfe not utf-8 */",
        "x" * 65536 + "*/",
        "/* opens a comment",
    ]


def hostile_model(marker) -> bytes:
    names = hostile_names(marker)
    rng = np.random.default_rng(0)
    b = ModelBuilder()
    x = b.tensor(names[0], (1, 6, 6, 3), "int8", scale=0.05, zero_point=-3)
    w = b.const(names[1], rng.integers(-127, 128, size=(4, 3, 3, 3)).astype(np.int8),
                scale=np.full(4, 0.01, np.float32), zero_point=np.zeros(4, np.int64), axis=0)
    bias = b.const(names[2], rng.integers(-500, 500, size=4).astype(np.int32),
                   scale=np.full(4, 0.0005, np.float32), zero_point=np.zeros(4, np.int64))
    y = b.tensor(names[3], (1, 6, 6, 4), "int8", scale=0.08, zero_point=5)
    b.op("CONV_2D", [x, w, bias], [y], {"padding": "SAME", "stride_h": 1, "stride_w": 1,
                                        "fused_activation_function": "RELU"})
    r = b.tensor(names[4], (1, 144), "int8", scale=0.08, zero_point=5)
    shape = b.const(names[5], np.array([1, 144], np.int32))
    b.op("RESHAPE", [y, shape], [r])
    fw = b.const(names[6], rng.integers(-127, 128, size=(10, 144)).astype(np.int8), scale=0.004, zero_point=0)
    fb = b.const(names[7], rng.integers(-900, 900, size=10).astype(np.int32), scale=0.00032, zero_point=0)
    z = b.tensor(names[8], (1, 10), "int8", scale=0.2, zero_point=-10)
    b.op("FULLY_CONNECTED", [r, fw, fb], [z])
    s = b.tensor(names[9], (1, 10), "int8", scale=1 / 256, zero_point=-128)
    b.op("SOFTMAX", [z], [s], {"beta": 1.0})
    b.inputs([x])
    b.outputs([s])
    return b.finish()


def test_hostile_names_compile_clean_run_nothing_and_verify(tmp_path):
    need_tool("gcc")
    marker = tmp_path / "pwned"
    buf = hostile_model(marker)
    compiled = compile_model(read_model(buf, "hostile"))
    gen = emit_c(compiled, 'evil */ "name".tflite')
    out = tmp_path / "c"
    write_c(gen, out)
    for fname in gen.files:
        # What the compiler sees once comments are gone: no name, so no payload, survives outside them.
        code = subprocess.run(["gcc", "-fpreprocessed", "-dD", "-E", "-P", str(out / fname)],
                              capture_output=True, text=True, check=True).stdout
        assert "system" not in code and "/etc/passwd" not in code and "line two" not in code, fname
    for src in sorted(out.glob("*.c")):
        res = subprocess.run(["gcc", *STRICT, "-c", str(src), "-o", str(src.with_suffix(".o"))],
                             capture_output=True, text=True, cwd=out)
        assert res.returncode == 0 and not res.stderr, f"{src.name}:\n{res.stderr}"
    rng = np.random.default_rng(1)
    sets = [[rng.integers(-128, 128, size=(1, 6, 6, 3)).astype(np.int8)] for _ in range(3)]
    report = verify_compiled(compiled, buf, sets)
    assert report.ok, report.summary()
    assert not marker.exists(), "code from a tensor name ran"


@pytest.mark.parametrize("text", hostile_names("/tmp/m")[:-3] + ["a*", "*", "/", "\\"])
def test_c_comment_cannot_end_or_open_a_comment(text):
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    s = c_comment(text)
    framed = f"/* '{s}' */"
    assert framed.count("*/") == 1 and framed.count("/*") == 1
    assert "??" not in s and "\n" not in s and "\r" not in s
    assert all(32 <= ord(ch) < 127 for ch in s)


def test_c_string_is_one_literal():
    for text in ["\"", "\\", "??/", "a\nb", "\u00e9", "*/"]:
        lit = c_string(text)
        assert lit.startswith('"') and lit.endswith('"') and "\n" not in lit and "??" not in lit
        body = lit[1:-1]
        i = 0
        while i < len(body):  # every quote or backslash in the body is escaped
            if body[i] == "\\":
                i += 2
                continue
            assert body[i] != '"'
            i += 1
