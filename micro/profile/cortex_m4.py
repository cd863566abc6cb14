"""An ESTIMATE of Cortex-M4 cycles from exact per-instruction execution counts, built from the instruction
timings of the Cortex-M4 Technical Reference Manual (r0p1, section 3.3.1, table 3-1 "Processor instruction
set summary", and table 7-1 for the FPU). QEMU counts instructions, not cycles: the cycles here are a model,
labelled as an estimate wherever they are shown.

The model, per executed instruction (the TRM's cycles with zero wait states; P is a pipeline refill, which
the TRM gives as 1 to 3 cycles depending on the alignment and width of the branch target; we take 2):

- data processing, MOV, compare, shift, extend, bit field, saturate, IT, NOP: 1
- MUL, MLA, MLS, the long multiplies (SMULL, UMLAL, ...) and the DSP multiplies (SMLAD, SMLABB, ...): 1
- SDIV/UDIV: 2 to 12 by early termination; we take 7
- LDR/LDRB/LDRH/LDRSB/LDRSH: 2, or 1 when it directly follows another single load (the TRM: neighbouring
  loads and stores pipeline their address and data phases); never pipelined with writeback (`!`, post-index)
  or PC-relative (literal pool: contends with instruction fetch)
- STR/STRB/STRH with an immediate offset: 1 (the store completes while the next instruction runs);
  with a register offset: 2, or 1 after a single load (nothing pipelines after a store)
- LDRD/STRD: 1 + N with N = 2; LDM/STM/PUSH/POP: 1 + N (N registers)
- any instruction that redirects the flow (taken branch, BL, BX, POP {..., pc}, LDR pc, MOV/ADD pc, taken
  CBZ/CBNZ): + P; a branch not taken costs its 1; TBB/TBH: 2 + P
- LDR pc: 2 + P
- FPU: VLDR/VSTR 2, VLDM/VSTM/VPUSH/VPOP 1 + N, VMLA/VMLS/VFMA/VFMS (and negated) 3, VDIV/VSQRT 14, others 1
- flash wait states W (a parameter: 0 on QEMU's mps2-an386 and the nRF52840's cached flash; several on
  MCUs clocked above their flash): + W per taken branch (the refill fetch) and per data read from flash
  (weights, literal pools); sequential instruction fetch is taken to be hidden by the prefetch buffer.

Not modelled: bus contention, interrupts, the write buffer filling, IT folding, FPU register dependencies.

Public API (used by micro.profile.emulator)::

    disassemble(elf) -> Code                        every instruction of the ELF's code, by address
    Tally(executions, taken, entered, flash_reads)  one instruction's counts in one segment (QEMU plugin)
    segment_cost(tallies, code, wait_states) -> SegmentCost   .instructions, .cycles, .classes
    call_cost(wait_states) -> SegmentCost           the argument and the BL of a call (a mark's caller side)
    PIPELINE_REFILL, DIVIDE_CYCLES, CLASSES, TIMING_MODEL_CPU
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from micro.errors import MicroError

TIMING_MODEL_CPU = "cortex-m4"   # the board `cpu` this model describes
PIPELINE_REFILL = 2   # P: the TRM's 1 to 3 cycles of a pipeline refill after a taken branch
DIVIDE_CYCLES = 7     # SDIV/UDIV: 2 to 12 cycles (early termination); the middle
OBJDUMP = "arm-none-eabi-objdump"

# Instruction classes reported per op (counts of executed instructions).
CLASSES = ("alu", "multiply", "divide", "load", "store", "load_store_multiple", "branch_taken", "branch_not_taken",
           "fpu")

_CONDITIONS = ("eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al")
_LOADS = {"ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrt", "ldrbt", "ldrht", "ldrsbt", "ldrsht", "ldrex", "ldrexb",
          "ldrexh"}
_STORES = {"str", "strb", "strh", "strt", "strbt", "strht", "strex", "strexb", "strexh"}
_DUAL = {"ldrd": "load", "strd": "store"}
_MULTIPLE = {"ldm", "ldmia", "ldmfd", "ldmdb", "ldmea", "pop", "stm", "stmia", "stmea", "stmdb", "stmfd", "push"}
_MULTIPLY = {"mul", "mla", "mls", "smull", "umull", "smlal", "umlal", "umaal", "smmul", "smmulr", "smmla", "smmlar",
             "smmls", "smmlsr", "usad8", "usada8"} | {
    f"{op}{x}{y}" for op in ("smla", "smul", "smlal") for x in "bt" for y in "bt"} | {
    f"{op}{x}" for op in ("smlaw", "smulw") for x in "bt"} | {
    f"{op}{x}" for op in ("smlad", "smlsd", "smuad", "smusd", "smlald", "smlsld") for x in ("", "x")}
_DIVIDE = {"sdiv", "udiv"}
_BRANCH = {"b", "bl", "blx", "bx", "cbz", "cbnz"}
_TABLE_BRANCH = {"tbb", "tbh"}
_FP_MULTIPLE = {"vldm", "vldmia", "vldmdb", "vstm", "vstmia", "vstmdb", "vpush", "vpop"}
_FP_CYCLES = {"vldr": 2, "vstr": 2, "vdiv": 14, "vsqrt": 14, "vmla": 3, "vmls": 3, "vnmla": 3, "vnmls": 3,
              "vfma": 3, "vfms": 3, "vfnma": 3, "vfnms": 3}
_KNOWN = _LOADS | _STORES | set(_DUAL) | _MULTIPLE | _MULTIPLY | _DIVIDE | _BRANCH | _TABLE_BRANCH | _FP_MULTIPLE
_LINE = re.compile(r"^\s*([0-9a-f]+):\s+([a-z][a-z0-9.]*)\s*(.*)$")
_FUNCTION = re.compile(r"^([0-9a-f]+) <(.+)>:$")


@dataclass(frozen=True)
class Instruction:
    address: int
    mnemonic: str        # base mnemonic: condition, flag-setting `s` and .n/.w width removed ("ldrb", "smlad")
    operands: str        # as objdump prints them, comment removed

    @property
    def kind(self) -> str:
        """load, store, load_dual, store_dual, multiple, multiply, divide, branch, table_branch, fpu, alu."""
        m = self.mnemonic
        if m in _LOADS:
            return "load"
        if m in _STORES:
            return "store"
        if m in _DUAL:
            return _DUAL[m] + "_dual"
        if m in _MULTIPLE or m in _FP_MULTIPLE:
            return "multiple"
        if m in _MULTIPLY:
            return "multiply"
        if m in _DIVIDE:
            return "divide"
        if m in _BRANCH:
            return "branch"
        if m in _TABLE_BRANCH:
            return "table_branch"
        if m.startswith("v"):
            return "fpu"
        return "alu"

    @property
    def registers(self) -> int:
        """Registers of a load/store multiple (N), 2 for LDRD/STRD, else 0."""
        if self.kind.endswith("_dual"):
            return 2
        m = re.search(r"\{([^}]*)\}", self.operands)
        if not m:
            return 0
        n = 0
        for part in m.group(1).split(","):
            lo, _, hi = part.strip().partition("-")
            if hi:   # a range: r4-r7, s16-s31, d8-d15
                n += int(re.sub(r"\D", "", hi)) - int(re.sub(r"\D", "", lo)) + 1
            elif lo:
                n += 1
        return n

    @property
    def writes_pc(self) -> bool:
        ops = self.operands.replace(" ", "")
        if self.kind == "multiple":
            return "pc" in re.findall(r"[a-z]+\d*", ops.split("{", 1)[-1])
        return ops.startswith("pc,") and self.kind in ("alu", "load")

    @property
    def pipelinable(self) -> bool:
        """A single load/store that can pipeline after a preceding single load (no writeback, not literal)."""
        ops = self.operands.replace(" ", "")
        return self.kind in ("load", "store") and "!" not in ops and not re.search(r"\],#", ops) \
            and "[pc" not in ops and not self.writes_pc

    @property
    def register_offset(self) -> bool:
        return bool(re.search(r"\[[a-z0-9]+,[a-z]", self.operands.replace(" ", "")))


def _base_mnemonic(raw: str) -> str:
    m = raw.split(".", 1)[0]
    if m in _KNOWN or m.startswith("v"):
        return m
    for cut in ([c for c in _CONDITIONS if m.endswith(c)]):
        stem = m[:-len(cut)]
        if stem in _KNOWN or stem.startswith("v"):
            return stem
        if stem.endswith("s") and stem[:-1] in _KNOWN:
            return stem[:-1]
    if m.endswith("s") and m[:-1] in _KNOWN:
        return m[:-1]
    return m


@dataclass
class Code:
    """The instructions of a firmware by address, and each one's straight-line predecessor."""

    instructions: dict[int, Instruction]
    functions: dict[int, int] = field(default_factory=dict)   # start address -> end (the next one's start)
    previous: dict[int, Instruction] = field(default_factory=dict)

    def __post_init__(self):
        addresses = sorted(self.instructions)
        self.previous = {b: self.instructions[a] for a, b in zip(addresses, addresses[1:])}

    def function_at(self, address: int) -> tuple[int, int]:
        """[start, end) of the function that starts at `address`."""
        if address not in self.functions:
            raise MicroError(f"no function starts at 0x{address:x} in the disassembly")
        return address, self.functions[address]


def disassemble(elf: str | Path) -> Code:
    """Every instruction of the ELF's executable sections (arm-none-eabi-objdump), by address."""
    if shutil.which(OBJDUMP) is None:
        raise MicroError(f"{OBJDUMP} is not installed (Debian: apt-get install binutils-arm-none-eabi)")
    res = subprocess.run([OBJDUMP, "-d", "--no-show-raw-insn", str(elf)], capture_output=True, text=True)
    if res.returncode != 0:
        raise MicroError(f"{OBJDUMP} failed on {elf}: {res.stderr.strip()}")
    out: dict[int, Instruction] = {}
    starts: list[int] = []
    for line in res.stdout.splitlines():
        f = _FUNCTION.match(line)
        if f:
            starts.append(int(f.group(1), 16))
            continue
        m = _LINE.match(line)
        if m and not m.group(2).startswith("."):   # .word/.short: literal data
            operands = m.group(3).split(";", 1)[0].split("@", 1)[0].strip()
            out[int(m.group(1), 16)] = Instruction(int(m.group(1), 16), _base_mnemonic(m.group(2)), operands)
    starts = sorted(set(starts))
    ends = starts[1:] + [max(out, default=0) + 4]
    return Code(out, dict(zip(starts, ends)))


@dataclass
class Tally:
    executions: int = 0
    taken: int = 0          # times it redirected the flow (a taken branch, call or return)
    entered: int = 0        # times it was reached by a redirect (not straight-line from the previous one)
    flash_reads: int = 0


@dataclass
class SegmentCost:
    instructions: int = 0
    cycles: int = 0                                         # ESTIMATE
    classes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0))
    flash_reads: int = 0

    def minus(self, other: "SegmentCost") -> "SegmentCost":
        return SegmentCost(self.instructions - other.instructions, self.cycles - other.cycles,
                           {k: self.classes[k] - other.classes[k] for k in CLASSES},
                           self.flash_reads - other.flash_reads)


def call_cost(wait_states: int = 0) -> SegmentCost:
    """A one-argument call's caller side: MOV r0, #k (1 cycle) and BL (1 + P, a taken branch)."""
    cost = SegmentCost(2, 2 + PIPELINE_REFILL + wait_states)
    cost.classes["alu"] = cost.classes["branch_taken"] = 1
    return cost


def _class_cycles(insn: Instruction, previous: Instruction | None) -> tuple[int, int, str]:
    """(cycles of a straight-line execution, cycles when entered by a jump, class) of one instruction."""
    kind = insn.kind
    after_load = previous is not None and previous.kind == "load" and previous.pipelinable
    if kind == "load":
        if insn.writes_pc:
            return 2, 2, "load"
        c = 1 if after_load and insn.pipelinable else 2
        return c, 2, "load"
    if kind == "store":
        if not insn.register_offset:
            return 1, 1, "store"
        c = 1 if after_load and insn.pipelinable else 2
        return c, 2, "store"
    if kind in ("load_dual", "store_dual", "multiple"):
        n = 1 + insn.registers
        return n, n, "load_store_multiple"
    if kind == "multiply":
        return 1, 1, "multiply"
    if kind == "divide":
        return DIVIDE_CYCLES, DIVIDE_CYCLES, "divide"
    if kind == "table_branch":
        return 2, 2, "branch"
    if kind == "fpu":
        c = _FP_CYCLES.get(insn.mnemonic, 1)
        return c, c, "fpu"
    return 1, 1, "branch" if kind == "branch" else "alu"


def segment_cost(tallies: dict[int, Tally], code: Code, wait_states: int = 0) -> SegmentCost:
    """Exact instruction counts by class and the ESTIMATED cycles of one segment (the code between two marks)."""
    cost = SegmentCost()
    for pc, t in tallies.items():
        cost.instructions += t.executions
        cost.flash_reads += t.flash_reads
        insn = code.instructions.get(pc)
        if insn is None:   # not in the disassembly (outside the code range): 1 cycle each, class alu
            cost.cycles += t.executions
            cost.classes["alu"] += t.executions
            continue
        straight, jumped_in, klass = _class_cycles(insn, code.previous.get(pc))
        entered = min(t.entered, t.executions)
        cost.cycles += straight * (t.executions - entered) + jumped_in * entered
        cost.cycles += (PIPELINE_REFILL + wait_states) * t.taken + wait_states * t.flash_reads
        if klass == "branch":   # the classes partition the instructions: POP {pc}, LDR pc stay loads
            taken = min(t.taken, t.executions)
            cost.classes["branch_taken"] += taken
            cost.classes["branch_not_taken"] += t.executions - taken
        else:
            cost.classes[klass] += t.executions
    return cost
