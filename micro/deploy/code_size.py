"""Where the flash of a firmware goes, by part, from the linker's map file: every input section the link kept,
counted in the output section it landed in. Also the model's own code measured before any firmware exists
(`micro build`'s budget, `micro inspect --board`): its C and kernels compiled for the board's CPU with the
board's [compiler] model flags and linked alone, so only what the model calls counts (--gc-sections).

Parts: "kernels" (micro/kernels_c, by file), "model" (the invoke and its API, <name>.c's code), "C library"
(memcpy, memset, ... by function), "harness" (startup, board support, protocol: everything else, link-time
optimised objects included), "weights" (the .weights section: weight arrays and per-op parameters),
"padding" (alignment fill).

Public API (used by micro.deploy.budget, micro.cli and the benchmarks)::

    code_breakdown(map_text, elf, kernel_files, model) -> CodeBreakdown  .parts, .items, .code, .lines()
    measure_model_code(generated, board) -> CodeBreakdown | None  None without the board's gcc
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from micro.codegen import GeneratedFiles
from micro.deploy.boards import Board
from micro.deploy.elf import elf_sections
from micro.deploy.errors import BuildError
from micro.deploy.firmware_sources import FIRMWARE_CFLAGS

PARTS = ("kernels", "model", "C library", "harness", "weights", "padding")
_OUTPUT = re.compile(r"^(\.[\w.]+)(?:\s+0x([0-9a-f]+)\s+0x([0-9a-f]+))?")
_INPUT = re.compile(r"^ (\.[\w.$-]+|COMMON|\*fill\*)(?:\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)(?:\s+(\S.*))?)?\s*$")
_ADDR = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
_ARCHIVE_MEMBER = re.compile(r"lib(\w+)\.a\((?:lib_a-)?([\w-]+)\.o\)$")


@dataclass
class CodeBreakdown:
    parts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PARTS, 0))
    items: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))   # (part, item) -> bytes

    @property
    def code(self) -> int:
        """Flash without the weights (the firmware's `code`, micro.deploy.elf.FirmwareMemory)."""
        return sum(v for k, v in self.parts.items() if k != "weights")

    def item_bytes(self, part: str) -> dict[str, int]:
        return {item: n for (p, item), n in sorted(self.items.items(), key=lambda kv: -kv[1]) if p == part}

    def lines(self, parts: tuple[str, ...] = PARTS) -> list[str]:
        out = []
        for part in parts:
            if not self.parts.get(part):
                continue
            items = self.item_bytes(part)
            detail = ", ".join(f"{k} {v:,}" for k, v in items.items()) if 1 < len(items) <= 8 or part != "harness" \
                else ""
            out.append(f"{part}: {self.parts[part]:,} B" + (f" ({detail})" if detail else ""))
        return out

    def as_dict(self) -> dict:
        return dict(parts=dict(self.parts), code=self.code,
                    items={p: self.item_bytes(p) for p in PARTS if self.parts.get(p)})


def _part_of(obj: str, kernel_stems: set[str], model: str) -> tuple[str, str]:
    """(part, item) of an input section's object file."""
    m = _ARCHIVE_MEMBER.search(obj)
    if m:
        return ("C library" if m.group(1) in ("c", "c_nano", "m", "gcc", "nosys", "g_nano") else "harness"), m.group(2)
    stem = Path(obj).name
    for suffix in (".c.o", ".o"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    if stem in kernel_stems:
        return "kernels", stem
    if stem == model:
        return "model", stem
    if stem == f"{model}_weights":
        return "weights", stem
    return "harness", stem


def _sections_in_flash(elf: Path) -> set[str]:
    return {s.name for s in elf_sections(elf) if s.alloc and not s.nobits}


def code_breakdown(map_text: str, elf: str | Path, kernel_files: list[str], model: str) -> CodeBreakdown:
    """The flash of a linked ELF by part, from its map file (every kept input section of every output
    section with an image in flash; .weights counts as weights whatever put it there)."""
    flash = _sections_in_flash(Path(elf))
    stems = {Path(f).stem for f in kernel_files if f.endswith(".c")}
    out = CodeBreakdown()
    text = map_text.split("Linker script and memory map", 1)[-1]
    output = None
    pending = None   # an input section whose address line follows
    for line in text.splitlines():
        if pending is not None:
            m = _ADDR.match(line)
            if m:
                _add(out, output, pending, int(m.group(2), 16), m.group(3).strip(), flash, stems, model)
            pending = None
            continue
        m = _OUTPUT.match(line)
        if m and not line.startswith(" "):
            output = m.group(1)
            continue
        m = _INPUT.match(line)
        if m and output is not None:
            name, size, obj = m.group(1), m.group(3), m.group(4)
            if size is None:
                pending = name
            elif name == "*fill*" or obj:
                _add(out, output, name, int(size, 16), (obj or "").strip(), flash, stems, model)
    return out


def _add(out: CodeBreakdown, output: str | None, name: str, size: int, obj: str, flash: set[str],
         stems: set[str], model: str) -> None:
    if not size or output not in flash:
        return
    if output == ".weights":
        part, item = "weights", Path(obj).name
    elif name == "*fill*":
        part, item = "padding", output
    else:
        part, item = _part_of(obj, stems, model)
        if part == "C library" or (part == "model" and name.startswith(".text.")):
            item = name.split(".", 2)[-1] if name.count(".") >= 2 else item
    out.parts[part] += size
    out.items[(part, item)] += size


def measure_model_code(generated: GeneratedFiles, board: Board) -> CodeBreakdown | None:
    """The model's code as a firmware links it: <name>.c and its kernels compiled for the board's CPU with the
    board's [compiler] model flags, linked with the C library from the model's API functions alone
    (--gc-sections; the weight arrays left out). Its parts: kernels, model, C library, and weights: the
    per-op parameter arrays of <name>.c only. None when the board's gcc is missing."""
    cc = shutil.which(f"{board.toolchain_prefix}gcc")
    if cc is None:
        return None
    newlib = ["--specs=nano.specs", "--specs=nosys.specs"] if board.toolchain_prefix == "arm-none-eabi-" else []
    model_c = next(f for f in generated.files if f.endswith(".c") and not f.endswith("_weights.c"))
    name = model_c[:-2]
    with tempfile.TemporaryDirectory(prefix="micro-code-") as tmp:
        work = Path(tmp)
        sources = {k: v for k, v in generated.sources().items() if not k.endswith("_weights.c")}
        for fname, text in sources.items():
            (work / fname).write_text(text)
        procs = []
        for fname in sorted(f for f in sources if f.endswith(".c")):
            procs.append((fname, subprocess.Popen(
                [cc, *board.cflags, *FIRMWARE_CFLAGS, *board.compiler.model, "-I", str(work), "-c", str(work / fname),
                 "-o", str(work / (Path(fname).stem + ".o"))], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)))
        for fname, p in procs:
            _, err = p.communicate()
            if p.returncode != 0:
                raise BuildError(f"{board.toolchain_prefix}gcc cannot compile {fname}:\n{err.decode(errors='replace')}")
        elf, map_file = work / "model.elf", work / "model.map"
        roots = [f"-Wl,--undefined={name}_{fn}" for fn in ("init", "reset", "input", "output", "invoke")]
        res = subprocess.run([cc, *board.cflags, "-nostartfiles", *newlib, "-Wl,--gc-sections",
                              "-Wl,--unresolved-symbols=ignore-all",   # the weight arrays, left out
                              f"-Wl,--entry={name}_invoke", *roots, f"-Wl,-Map={map_file}",
                              "-o", str(elf), *sorted(str(p) for p in work.glob("*.o")), "-lm"],
                             capture_output=True, text=True)
        if res.returncode != 0:
            raise BuildError(f"linking the model's code alone failed:\n{res.stderr.strip()}")
        breakdown = code_breakdown(map_file.read_text(), elf, generated.kernel_files, name)
    # without micro's linker script the model's constants sit in .rodata: the model's rodata is its weights
    moved = {item: n for (part, item), n in breakdown.items.items() if part == "model" and item == name}
    for item, n in moved.items():
        breakdown.parts["model"] -= n
        breakdown.parts["weights"] += n
        del breakdown.items[("model", item)]
        breakdown.items[("weights", f"{name} parameters")] += n
    for (part, item), n in list(breakdown.items.items()):
        if part == "harness":   # the default startup files of the toolchain: not in micro's firmware
            breakdown.parts[part] -= n
            del breakdown.items[(part, item)]
    return breakdown
