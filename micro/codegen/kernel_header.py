"""The generated mn_kernels.h: the structs and prototypes of the kernels a program calls, derived from
their declarations (micro.kernels.abi), so the C side and the Python side cannot disagree."""

from __future__ import annotations

import re
from pathlib import Path

from micro import __version__
from micro.codegen.templates import render
from micro.kernels.abi import Kernel, Struct
from micro.kernels.sets import DEFAULT_KERNEL_SET, check_kernel_set

KERNELS_DIR = Path(__file__).resolve().parent.parent / "kernels_c"
HEADER_NAME = "mn_kernels.h"
_INCLUDE = re.compile(r'^\s*#\s*include\s+"(mn_[A-Za-z0-9_]+\.h)"', re.M)


def _block_comment(text: str) -> str:
    """A declaration's doc (already wrapped by hand) as a C block comment."""
    return "/* " + "\n * ".join(line.rstrip() for line in text.strip().splitlines()) + " */"


def _prototype(k: Kernel) -> str:
    """The prototype, one parameter a line when it does not fit 100 columns."""
    one_line = k.prototype
    if len(one_line) <= 100:
        return one_line
    head, _, params = one_line.partition("(")
    indent = " " * (len(head) + 1)
    return head + "(" + (",\n" + indent).join(params[:-1].split(", ")) + ")"


def _arg_lines(k: Kernel) -> str:
    rows = [f"{a.name} ({a.role}{', optional' if a.optional else ''}"
            f"{f', p->{a.count} pointers' if a.variadic else ''}): {a.doc}" for a in k.args]
    return "\n".join(rows)


def kernel_header(kernels: list[Kernel]) -> str:
    """mn_kernels.h for these kernels: each struct once (nested ones first), then each prototype."""
    structs: list[Struct] = []
    for k in kernels:
        if k.params is not None:
            structs += [s for s in k.params.nested() if s not in structs]
    return render("kernels.h.j2", dict(
        version=__version__,
        structs=[dict(name=s.name, doc_comment=_block_comment(s.doc), fields=s.fields) for s in structs],
        kernels=[dict(prototype=_prototype(k), doc_comment=_block_comment(f"{k.doc}\n{_arg_lines(k)}"))
                 for k in kernels]))


def kernel_sources(kernels: list[Kernel], kernel_set: str = DEFAULT_KERNEL_SET) -> list[str]:
    """The files in micro/kernels_c the kernels need in `kernel_set` (micro.kernels.sets): each kernel's
    source in that set and the mn_*.h helpers those include (found by reading the #include lines), in a
    stable order. The generated mn_kernels.h is not one."""
    out: list[str] = []

    def add(fname: str) -> None:
        if fname in out or fname == HEADER_NAME:
            return
        path = KERNELS_DIR / fname
        for inc in _INCLUDE.findall(path.read_text()):
            add(inc)
        out.append(fname)

    for k in kernels:
        add(k.source_for(check_kernel_set(kernel_set)))
    return out
