"""Instructions per invoke of the same models on every board micro runs here: the QEMU matrix (Cortex-M0, M3,
M4, M7, M33, M55, the nano33ble's own build on its mps2-an386 stand-in, the Xtensa lx106) and the AVR boards
(simavr).

    python benchmarks/boards_table.py [--models NAME ...] [--boards NAME ...] [--json]

Each cell is verified bit-exact with TFLM first (1 random input set, seed 7). QEMU boards: exact guest
instructions between the invoke markers (micro's mn_icount plugin; identical run to run). AVR boards: cycles
from micros() in simavr's 16 MHz simulation (to 64 cycles). A model that does not fit is shown as refused,
with the RAM the budget check asks for.
"""
import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from micro.compiler import compile_model                      # noqa: E402
from micro.deploy.budget import board_budgets  # noqa: E402
from micro.deploy.boards import BOARDS                        # noqa: E402
from micro.deploy.budget import BudgetError                   # noqa: E402
from micro.deploy.xtensa_qemu import is_xtensa_qemu           # noqa: E402
from micro.frontend import load_model                         # noqa: E402
from micro.verify.board import verify_on_board                # noqa: E402
from micro.verify.compare import random_inputs                # noqa: E402
from micro.verify.xtensa import verify_on_xtensa              # noqa: E402

MODELS = Path(os.environ.get("MICRO_SHARED", ROOT.parent / "shared")) / "models"
DEFAULT_MODELS = ["tflm_hello_world_int8", "mlperf_tiny_kws_ref_model"]


def cell(name: str, board: str) -> dict:
    path = MODELS / f"{name}.tflite"
    # the board's flash decides the weights' layout, as `micro build --board` (its RAM is checked below)
    c = compile_model(load_model(path), flash_budget=board_budgets(board)["flash_budget"])
    sets = [random_inputs(c.graph, np.random.default_rng(7))]
    if is_xtensa_qemu(BOARDS[board]):     # no serial protocol: the input sets are built in (micro.verify.xtensa)
        report, instructions = verify_on_xtensa(c, path.read_bytes(), sets, BOARDS[board])
        return dict(model=name, board=board, ok=report.ok, unit="instructions", count=instructions, macs=c.macs)
    try:
        r = verify_on_board(c, path.read_bytes(), sets, board, host_all_tensors=False, builder="gcc",
                            invoke_timeout=1200)
    except BudgetError as e:
        return dict(model=name, board=board, refused=True, ram_needed=e.budget.ram, ram=e.budget.ram_limit)
    unit = "instructions" if r.instructions else "cycles"
    return dict(model=name, board=board, ok=r.ok, unit=unit, count=(r.instructions or r.cycles)[0], macs=c.macs,
                ram=r.memory.ram if r.memory else None, flash=r.memory.flash if r.memory else None, link=r.link)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="*", default=DEFAULT_MODELS)
    ap.add_argument("--boards", nargs="*", default=list(BOARDS))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = [cell(m, b) for b in args.boards for m in args.models]
    if args.json:
        print("\n".join(json.dumps(r) for r in rows))
        return 0
    print("| board | cpu | kernels | " + " | ".join(args.models) + " |")
    print("|---|---|---|" + "---|" * len(args.models))
    for b in args.boards:
        board = BOARDS[b]
        cells = []
        for m in args.models:
            r = next(x for x in rows if x["board"] == b and x["model"] == m)
            if r.get("refused"):
                cells.append(f"refused: needs {r['ram_needed']:,} B RAM of {r['ram']:,}")
            else:
                cells.append(f"{r['count']:,} {r['unit']}" + ("" if r["ok"] else " MISMATCH"))
        print(f"| {b} | {board.cpu} | {'DSP' if board.dsp else 'portable'} | " + " | ".join(cells) + " |")
    return 0 if all(r.get("ok", True) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
