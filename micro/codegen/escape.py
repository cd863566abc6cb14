"""Strings from a model (tensor names, metadata, labels, file names) on their way into generated text.

A .tflite file is untrusted input: nothing from it may end a comment, open a string or add a line. These
are the only ways generated C takes a model's string."""

from __future__ import annotations

COMMENT_MAX_CHARS = 96


def c_string(text: str) -> str:
    """A C string literal for any text: printable ASCII as is, everything else (UTF-8 bytes included) as
    three-digit octal escapes; '?' escaped so no trigraph can form."""
    out = []
    for b in text.encode("utf-8", "surrogateescape"):
        ch = chr(b)
        if ch in '"\\?':
            out.append("\\" + ch)
        elif 32 <= b < 127:
            out.append(ch)
        else:
            out.append(f"\\{b:03o}")
    return '"' + "".join(out) + '"'


def c_comment(text: str, max_chars: int = COMMENT_MAX_CHARS) -> str:
    """Text safe inside a /* ... */ comment on one line: printable ASCII only (anything else as \\xNN or
    \\uNNNN), no '*/' or '/*', no '??' (trigraphs), no line break or backslash at the end; long text is
    cut with '...'."""
    s = str(text).encode("ascii", "backslashreplace").decode("ascii")
    s = "".join(ch if 32 <= ord(ch) < 127 else f"\\x{ord(ch):02x}" for ch in s)
    if len(s) > max_chars:
        s = s[:max_chars] + "..."
    while "*/" in s or "/*" in s or "??" in s:
        s = s.replace("*/", "*\\/").replace("/*", "/\\*").replace("??", "?\\?")
    return s + " " if s.endswith("\\") else s
