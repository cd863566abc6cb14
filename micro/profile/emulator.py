"""Per-op cost of a model's invoke on an emulated board (QEMU): exact instructions, counted by micro's TCG
plugin (micro/deploy/qemu_plugin/mn_icount.c) between the per-op marks of the profile firmware, and an
ESTIMATE of Cortex-M4 cycles from them (micro.profile.cortex_m4).

Two firmware builds, both the self-test on one input set (outputs checked bit-exact against the host build):
the normal one gives the invoke's own instruction count (no marks compiled in); the profile one (variant
"profile": MN_PROFILE, the generated invoke calls mn_profile_mark(-2) twice on entry, mn_profile_mark(k)
before op k and mn_profile_mark(-1) after the last) gives, per op, the instructions between its mark and
the next, minus the cost of one mark: what runs inside mn_profile_mark per call (from the tallies of the
invoke's two marks in a row) plus its caller's argument and BL (the compiler may schedule other instructions
between two marks in a row, so their segment is not used whole).

Public API (used by micro.profile.report and `micro profile`)::

    profile_on_emulator(compiled, board, inputs, wait_states=0, builder=None) -> EmulatorProfile
    parse_plugin_output(text) -> PluginOutput  the plugin's file: measurement pairs and per-op segments
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from micro.compiler import Compiled
from micro.deploy.boards import Board
from micro.deploy.elf import SHF_EXECINSTR, elf_sections
from micro.deploy.firmware import Firmware, build_firmware, selftest_vectors
from micro.deploy.qemu import Qemu, QemuError, describe_exit, run_selftest
from micro.errors import MicroError
from micro.lowered import CODE_CALLS
from micro.profile.cortex_m4 import Code, SegmentCost, Tally, call_cost, disassemble, segment_cost

CALIBRATION_MARKS = 2   # the invoke's two marks in a row on entry (MN_PROFILE_START in the generated C)


@dataclass
class Segment:
    """What ran between one mark and the next: the instruction counter at the closing mark, the tallies."""

    counter: int
    tallies: dict[int, Tally] = field(default_factory=dict)


@dataclass
class EmulatorProfile:
    board: str
    cpu: str                        # the board's; the cycle ESTIMATE models a Cortex-M4 only
    ops: dict[int, SegmentCost]     # by op index, kernel calls only: the op's code alone (marks subtracted)
    invoke_instructions: int        # the normal firmware's invoke (no marks compiled in), exact
    profiled_invoke_instructions: int   # the profile firmware's invoke, marks included
    marker: SegmentCost             # one empty segment: subtracted from every op
    wait_states: int
    firmware: Firmware              # the profile firmware (its ELF, symbols, memory)

    @property
    def ops_instructions(self) -> int:
        return sum(c.instructions for c in self.ops.values())


@dataclass
class PluginOutput:
    pairs: dict[int, int]           # measurement pair -> instructions (mn_cost_begin .. mn_cost_end)
    segments: list[Segment]         # segment k ends at mark k (segment 0: everything before the first mark)


def parse_plugin_output(text: str) -> PluginOutput:
    """The plugin's lines: "<pair> <instructions>" per measurement; "m <counter>" at each mark, then
    "p <pc> <executions> <taken> <entered> <flash reads>" for the code that ran since the previous mark."""
    out = PluginOutput({}, [])
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
            out.pairs[int(parts[0])] = int(parts[1])
        elif parts[:1] == ["m"] and len(parts) == 2:
            out.segments.append(Segment(int(parts[1])))
        elif parts[:1] == ["p"] and len(parts) == 6 and out.segments:
            out.segments[-1].tallies[int(parts[1], 16)] = Tally(*map(int, parts[2:]))
    return out


def _code_range(elf: Path) -> tuple[int, int]:
    spans = [(s.addr, s.addr + s.size) for s in elf_sections(elf) if s.alloc and s.flags & SHF_EXECINSTR and s.size]
    if not spans:
        raise MicroError(f"{elf} has no code section")
    return min(a for a, _ in spans), max(b for _, b in spans)


def _run_profile_firmware(fw: Firmware, board: Board, timeout: float) -> str:
    code_lo, code_hi = _code_range(fw.elf)
    args = dict(mark=fw.symbol("mn_profile_mark") & ~1, code_lo=code_lo, code_hi=code_hi,
                flash_lo=board.flash_origin, flash_hi=board.flash_origin + board.flash_bytes)
    with tempfile.TemporaryDirectory(prefix="micro-profile-") as d:
        uart = Path(d) / "uart.txt"
        q = Qemu(fw, serial=f"file:{uart}", plugin_args=args)
        try:
            q.start()
            code = q.wait(timeout)
            if not q.count_instructions:
                raise QemuError("no host gcc to build the instruction-count plugin: `micro profile` on an emulated "
                                "board needs it (Debian: apt-get install gcc)")
            text = q.counts_path.read_text() if q.counts_path.exists() else ""
            uart_text = uart.read_text(errors="replace") if uart.exists() else ""
        finally:
            q.stop()
    if code != 0 or not uart_text.rstrip().endswith("PASS"):
        raise QemuError(f"the profile firmware stopped with {describe_exit(code)}; its outputs must equal the host "
                        f"build's:\n{uart_text}")
    return text


def profile_on_emulator(compiled: Compiled, board: Board, inputs: list[np.ndarray], wait_states: int = 0,
                        builder: str | None = None, timeout: float = 1200) -> EmulatorProfile:
    """A board QEMU lacks but that has a qemu_stand_in (nano33ble) runs its own build on the stand-in's support."""
    board = board.emulated()
    if not (board.emulator or "").startswith("qemu:"):
        raise MicroError(f"board '{board.name}' is not emulated by QEMU (emulator: {board.emulator or 'none'}): "
                         "`micro profile` counts instructions on an emulated board (mps2_an386) or times the "
                         "host build (--board host)")
    if wait_states < 0:
        raise MicroError(f"--flash-wait-states {wait_states}: must be 0 or more")
    vectors = selftest_vectors(compiled, [inputs])
    normal = build_firmware(compiled, board, "selftest", vectors, builder=builder)
    run = run_selftest(normal, timeout=timeout)
    if not run.passed or not run.instructions:
        raise QemuError(f"the self-test firmware of {compiled.name} failed on {board.name}:\n{run.uart_text}")
    fw = build_firmware(compiled, board, "profile", vectors, builder=builder)
    output = parse_plugin_output(_run_profile_firmware(fw, board, timeout))
    segments = output.segments
    calls = [low for low in compiled.lowered if isinstance(low.call, CODE_CALLS)]
    # marks: 2 calibration, one before each kernel call, one after the last (-1); segment k ends at mark k
    expected = CALIBRATION_MARKS + len(calls) + 1
    if len(segments) != expected:
        raise MicroError(f"the profile firmware of {compiled.name} made {len(segments)} per-op marks, expected "
                         f"{expected} (2 calibration + {len(calls)} ops + 1 end)")
    if not {0, 1} <= set(output.pairs):
        raise MicroError("the profile firmware's instruction counts lack the invoke's measurement")
    code = disassemble(fw.elf)
    marker = _marker_cost(segments[1], code, fw.symbol("mn_profile_mark") & ~1, wait_states)
    first_op = CALIBRATION_MARKS + 1
    ops = {low.op.index: _cost(segments, first_op + j, code, wait_states).minus(marker)
           for j, low in enumerate(calls)}
    return EmulatorProfile(board.name, board.cpu, ops, run.instructions[0], output.pairs[1] - output.pairs[0], marker,
                           wait_states, fw)


def _marker_cost(calibration: Segment, code: Code, mark: int, wait_states: int) -> SegmentCost:
    """One mark: the instructions of mn_profile_mark run once (between the invoke's two marks in a row), and
    the caller's argument and BL."""
    lo, hi = code.function_at(mark)
    body = {pc: t for pc, t in calibration.tallies.items() if lo <= pc < hi}
    inside = segment_cost(body, code, wait_states)
    call = call_cost(wait_states)
    return SegmentCost(inside.instructions + call.instructions, inside.cycles + call.cycles,
                       {k: inside.classes[k] + call.classes[k] for k in inside.classes}, inside.flash_reads)


def _cost(segments: list[Segment], k: int, code: Code, wait_states: int) -> SegmentCost:
    cost = segment_cost(segments[k].tallies, code, wait_states)
    exact = segments[k].counter - segments[k - 1].counter
    if cost.instructions != exact:
        raise MicroError(f"per-op mark {k}: the per-address tallies add up to {cost.instructions} instructions, "
                         f"the counter to {exact}")
    return cost
