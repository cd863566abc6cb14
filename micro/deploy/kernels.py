"""The kernel sources a model's firmware compiles, and what they do on a board's CPU.

There is one C file per kernel (micro/kernels_c). Some carry an Arm DSP path inside
(`#if defined(__ARM_FEATURE_DSP)`): the compiler takes it when the board's CPU flags define that macro
(board record `dsp = true`, e.g. Cortex-M4) and the portable C everywhere else. `micro build` and
`micro export arduino` report which kernels of the model have such a path.

Public API::

    kernel_sources(kernel_files) -> {file name: path}     every kernel file of a GeneratedFiles
    kernel_report(kernel_files, board) -> KernelReport    .dsp (files with a DSP path), .portable, .summary()
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from pathlib import Path

from micro.codegen.kernel_header import KERNELS_DIR
from micro.deploy.boards import Board

DSP_MACRO = "__ARM_FEATURE_DSP"


def kernel_sources(kernel_files: list[str]) -> dict[str, Path]:
    return {fname: KERNELS_DIR / fname for fname in kernel_files}


@dataclass
class KernelReport:
    board: str
    cpu: str
    board_dsp: bool                                       # the board's flags define __ARM_FEATURE_DSP
    dsp: list[str] = field(default_factory=list)          # kernel .c files with an Arm DSP path
    portable: list[str] = field(default_factory=list)     # kernel .c files in portable C only

    def summary(self) -> str:
        if not self.dsp:
            return f"kernels: portable C ({', '.join(self.portable)})"
        if not self.board_dsp:
            return (f"kernels: portable C ({self.board}'s {self.cpu} has no DSP extension: the Arm DSP paths of "
                    f"{', '.join(self.dsp)} stay off)")
        text = (f"kernels: {len(self.dsp)} with their Arm DSP path compiled in for {self.board} ({self.cpu}, "
                f"{DSP_MACRO}): {', '.join(self.dsp)}")
        if self.portable:
            text += f"; {len(self.portable)} in portable C: {', '.join(self.portable)}"
        return text

    def as_dict(self) -> dict:
        return dict(dsp=self.dsp if self.board_dsp else [], portable=self.portable if self.board_dsp
                    else sorted(self.dsp + self.portable))


# Headers that define intrinsics and saturating arithmetic for every kernel, not a kernel's own loop
ARITHMETIC_HEADERS = frozenset({"mn_dsp.h", "mn_fixedpoint.h"})


def _has_dsp_path(fname: str, seen: set[str]) -> bool:
    """The file, or a loop header it includes (such as mn_dot.h), branches on DSP_MACRO."""
    seen.add(fname)
    path = KERNELS_DIR / fname
    if fname in ARITHMETIC_HEADERS or not path.is_file():  # mn_kernels.h is generated per program
        return False
    text = path.read_text()
    return DSP_MACRO in text or any(_has_dsp_path(h, seen) for h in re.findall(r'#include "(mn_\w+\.h)"', text)
                                    if h not in seen)


def kernel_report(kernel_files: list[str], board: Board) -> KernelReport:
    report = KernelReport(board.name, board.cpu, board.dsp)
    for fname in kernel_sources(kernel_files):
        if fname.endswith(".c"):
            (report.dsp if _has_dsp_path(fname, set()) else report.portable).append(fname)
    return report
