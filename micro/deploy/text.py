"""Strings from a model (its name, description, author, labels, tensor names) and from the user (file names)
made safe for each kind of file deploy writes. Any such string may hold `*/`, quotes, backslashes, `#`,
line breaks, control characters or lone surrogates (a file name that was not UTF-8).

    one_line(text)     one line of printable text: whitespace and control characters become single spaces,
                       what UTF-8 cannot encode (lone surrogates) becomes "?" (library.properties values)
    shell_arg(text)    a shell word (for commands shown to the user)
    md_text(text)      one_line() that Markdown shows as it is: no code span, HTML, link, emphasis by `*`,
                       heading, quote, list or fence can start in it (README prose)
    md_code(text)      a Markdown code span holding `text` literally

C comments and string literals: micro.codegen.escape (c_comment, c_string). JSON: json.dumps. INI (platformio.ini): values are checked
for line breaks where they are written (micro.deploy.pio_project).
"""

from __future__ import annotations

import re
import shlex
import unicodedata

_MD_INLINE = re.compile(r"([\\`*<>\[\]])")      # code spans, emphasis, HTML and autolinks, links, escapes
_MD_BLOCK_START = re.compile(r"^([#>+=~-]|\d+(?=[.)]))")   # headings, quotes, lists, fences at a line start


def one_line(text: object) -> str:
    s = str(text).encode("utf-8", "replace").decode("utf-8")   # lone surrogates -> "?"
    s = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in s)
    return " ".join(s.split())


def shell_arg(text: object) -> str:
    return shlex.quote(one_line(text))


def md_text(text: object) -> str:
    s = _MD_INLINE.sub(r"\\\1", one_line(text))
    m = _MD_BLOCK_START.match(s)
    if m:  # a heading, quote, list item or fence if it starts a line: escape its first punctuation
        at = m.end() if m.group(1)[0].isdigit() else 0
        s = s[:at] + "\\" + s[at:]
    return s


def md_code(text: object) -> str:
    s = one_line(text)
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"
