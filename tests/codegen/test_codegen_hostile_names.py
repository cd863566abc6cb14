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
from micro.verify.compare import verify_compiled

from support.hostile import hostile_model, hostile_names
from support.paths import need_tool

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O1"]


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
