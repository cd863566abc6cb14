"""Hostile strings for tests of every writer of text a model's strings reach (generated C, headers, JSON,
terminal output): tensor names that try to end a comment, open a string, start a preprocessor line, splice
lines, drive a terminal with escape sequences, are not UTF-8, or are 64 KB long; and a small model (CONV_2D,
RESHAPE, FULLY_CONNECTED, SOFTMAX) whose every tensor carries one of them."""

from __future__ import annotations

import numpy as np

from micro.testing.tflite_builder import ModelBuilder


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
        "non-ascii: é ü 日本 \u2028 \x00 nul \x1b[2J\x1b]0;terminal title\x07 escape sequences",
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
