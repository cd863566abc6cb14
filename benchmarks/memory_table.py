"""RAM per shared conv model: arena with every tensor whole, with the default schedule (micro.patch), and at the
smallest peak micro reaches, against TFLM's planned arena; with --qemu also the instructions per invoke on the
emulated Cortex-M4 (mps2_an386) with and without patches, and the whole-firmware RAM measured there (arena +
state + stack high-water + runtime .data/.bss, micro.verify.ram) against TFLM's arena on the M4
(shared/notes/tflm-m4-baseline.md).

    python benchmarks/memory_table.py [model stem ...] [--qemu] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from micro.compiler import compile_model, prepare  # noqa: E402
from micro.errors import UnsupportedModelError  # noqa: E402
from micro.frontend import load_model  # noqa: E402
from micro.lowered import PatchCall  # noqa: E402
from micro.patch import RamBudgetError  # noqa: E402
from micro.patch.report import schedule_dict  # noqa: E402
from micro.patch.schedule import Scheduler  # noqa: E402
from micro.verify.board import run_on_board  # noqa: E402
from micro.verify.compare import random_inputs  # noqa: E402
from micro.verify.oracle import tflm_arena_bytes  # noqa: E402
from micro.verify.ram import measure_firmware_ram  # noqa: E402

CONV_KINDS = ("CONV_2D", "DEPTHWISE_CONV_2D")  # the table covers the conv models
SHARED = Path(os.environ.get("MICRO_SHARED", ROOT.parent / "shared"))


def tflm_m4_arenas() -> dict[str, int]:
    """{model: TFLM's arena on the M4} from the baseline note's table."""
    path = SHARED / "notes" / "tflm-m4-baseline.md"
    out = {}
    for line in path.read_text().splitlines() if path.exists() else []:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and re.fullmatch(r"[\d,]+", cells[4]):
            out[cells[0]] = int(cells[4].replace(",", ""))
    return out


def on_board(compiled, board: str = "mps2_an386") -> tuple[int, int]:
    """(instructions per invoke, flash bytes) of the firmware on the emulated board."""
    runs, session = run_on_board(compiled, [random_inputs(compiled.graph, np.random.default_rng(0))], board)
    return runs[0].instructions, session.firmware.memory.flash


def row(path: Path, qemu: bool, m4: dict[str, int]) -> dict | None:
    model = load_model(path)
    if not any(op.kind in CONV_KINDS for op in model.main.ops):
        return None
    try:
        whole = compile_model(model, patches=False)
    except UnsupportedModelError:
        return None
    default = compile_model(model)
    g, lowered = prepare(model)
    _, least = Scheduler(g, lowered).minimal()
    try:  # the search's bound; the placement may need a few bytes more, which the error names
        smallest = compile_model(model, ram_budget=least.peak + whole.state.state_bytes)
    except RamBudgetError as e:
        smallest = compile_model(model, ram_budget=e.smallest)
    tflm = tflm_arena_bytes(path.read_bytes(), model)
    r = dict(model=path.stem, tflm_head=tflm["head"], whole=whole.plan.arena_bytes, default=default.plan.arena_bytes,
             default_extra_macs=schedule_dict(default)["extra_macs"], macs=whole.macs,
             smallest=smallest.plan.arena_bytes, smallest_extra_macs=schedule_dict(smallest)["extra_macs"],
             state=whole.state.state_bytes)
    if qemu:
        r["insns_whole"], r["flash_whole"] = on_board(whole)
        patched = any(isinstance(low.call, PatchCall) for low in default.lowered)
        r["insns_default"], r["flash_default"] = on_board(default) if patched else (r["insns_whole"], r["flash_whole"])
        r["firmware_ram"] = measure_firmware_ram(default, "mps2_an386").as_dict()
        r["tflm_m4_arena"] = m4.get(path.stem)
    return r


def table(rows: list[dict]) -> str:
    head = ("model", "TFLM head", "whole tensors", "ratio", "default", "ratio", "recomputed MACs", "smallest",
            "ratio", "its recomputed MACs")
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        t = r["tflm_head"]
        out.append("| " + " | ".join([
            r["model"], f"{t:,}", f"{r['whole']:,}", f"{r['whole'] / t:.3f}", f"{r['default']:,}",
            f"{r['default'] / t:.3f}", f"{r['default_extra_macs'] / r['macs']:.2%}", f"{r['smallest']:,}",
            f"{r['smallest'] / t:.3f}", f"{r['smallest_extra_macs'] / r['macs']:.2%}"]) + " |")
    q = [r for r in rows if "insns_whole" in r]
    if q:
        out += ["", "| model | insns whole | insns default | extra | flash whole | flash default | whole-firmware RAM "
                "(arena+state+stack used+.data/.bss) | TFLM M4 arena | ratio |", "|---|---|---|---|---|---|---|---|---|"]
        for r in q:
            fw, m4 = r["firmware_ram"], r["tflm_m4_arena"]
            parts = f"{fw['total']:,} ({fw['arena']:,}+{fw['state']:,}+{fw['stack_used']:,}+{fw['data_bss']:,})"
            m4_text, ratio = ("-", "-") if m4 is None else (f"{m4:,}", f"{fw['total'] / m4:.3f}")
            out.append(f"| {r['model']} | {r['insns_whole']:,} | {r['insns_default']:,} | "
                       f"{r['insns_default'] / r['insns_whole'] - 1:+.2%} | {r['flash_whole']:,} | "
                       f"{r['flash_default']:,} | {parts} | {m4_text} | {ratio} |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*")
    ap.add_argument("--qemu", action="store_true")
    ap.add_argument("--json")
    args = ap.parse_args()
    paths = [SHARED / "models" / f"{m}.tflite" for m in args.models] or sorted((SHARED / "models").glob("*.tflite"))
    m4 = tflm_m4_arenas()
    rows = []
    for p in paths:
        r = row(p, args.qemu, m4)
        if r:
            rows.append(r)
            print(json.dumps(r), file=sys.stderr, flush=True)
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
