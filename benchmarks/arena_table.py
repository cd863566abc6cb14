"""Arena per model: ours, the lower bound our execution order allows, and TFLM's (print_allocations).

    python benchmarks/arena_table.py [--models DIR] [--json out.json]

TFLM figures come from the tflite-micro interpreter's RecordingMicroAllocator on this (64-bit host)
machine: "tensors" is the arena head its greedy planner gives tensors and scratch buffers, "total"
adds its persistent structures (which a compiled model does not need at all). Ratios are ours / TFLM.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from micro.compiler import compile_model  # noqa: E402
from micro.errors import UnsupportedModelError  # noqa: E402
from micro.frontend import load_model  # noqa: E402
from micro.verify.oracle import tflm_arena_bytes  # noqa: E402


def row(path: Path) -> dict | None:
    model = load_model(path)
    try:
        c = compile_model(model)
    except UnsupportedModelError:
        return None
    baseline = compile_model(model, plan_options=dict(reorder=False, overlap=False, restarts=0))
    tflm = tflm_arena_bytes(path.read_bytes(), model)
    return dict(model=path.stem, arena=c.plan.arena_bytes, lower_bound=c.plan.lower_bound_bytes,
                greedy_no_overlap=baseline.plan.arena_bytes, tflm_tensors=tflm["head"], tflm_total=tflm["total"])


def table(rows: list[dict]) -> str:
    head = ("model", "ours", "lower bound", "ours/LB", "greedy, no overlap", "TFLM tensors", "ours/TFLM tensors",
            "TFLM total", "ours/TFLM total")
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        out.append("| " + " | ".join([
            r["model"], f'{r["arena"]:,}', f'{r["lower_bound"]:,}', f'{r["arena"] / max(r["lower_bound"], 1):.3f}',
            f'{r["greedy_no_overlap"]:,}', f'{r["tflm_tensors"]:,}', f'{r["arena"] / r["tflm_tensors"]:.2f}',
            f'{r["tflm_total"]:,}', f'{r["arena"] / r["tflm_total"]:.2f}']) + " |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=os.environ.get("MICRO_SHARED", "../shared") + "/models")
    ap.add_argument("--json")
    args = ap.parse_args()
    rows = [r for p in sorted(Path(args.models).glob("*.tflite")) if (r := row(p))]
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
