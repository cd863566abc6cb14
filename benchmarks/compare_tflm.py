"""Per model, in one run: our arena vs TFLM's, host latency vs the tflite-micro interpreter, compile time.

    python benchmarks/compare_tflm.py [--models DIR] [--repeat N] [--json out.json]

Latency is wall time per inference on this machine, measured for both in the same process and run;
report the ratio, not the absolute numbers (machines here are noisy). The TFLM arena is from
print_allocations() of the host (64-bit) build: "total" includes TFLM's persistent structures, "head" is
its planned tensor arena.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from micro.codegen import emit_c, write_c  # noqa: E402
from micro.compiler import compile_model  # noqa: E402
from micro.frontend import load_model  # noqa: E402
from micro.verify.host import HostModel  # noqa: E402
from micro.verify.oracle import tflm_arena_bytes  # noqa: E402
from micro.verify.compare import random_inputs  # noqa: E402

MODELS = [
    "mlperf_tiny_kws_ref_model", "mlperf_tiny_ic_resnet8_quant", "mlperf_tiny_ic_resnet_large_int8",
    "mlperf_tiny_sww_ref_model", "mlzoo_ds_cnn_s_int8", "mlzoo_micronet_vww2_50x50_int8",
    "tflm_micro_speech_quantized", "tflm_hello_world_int8", "tflm_person_detect", "tflm_simple_add_int8",
    "tflm_xtensa_mobilenet_v2_int8_1x3x224x224",
]


def _time_per_call(fn, min_seconds: float, max_calls: int) -> float:
    fn()  # warm-up
    n, t0 = 0, time.perf_counter()
    while n < max_calls and (n == 0 or time.perf_counter() - t0 < min_seconds):
        fn()
        n += 1
    return (time.perf_counter() - t0) / n


def bench(path: Path, min_seconds: float, out_dir: Path) -> dict:
    from tflite_micro.python.tflite_micro import runtime

    buf = path.read_bytes()
    t0 = time.perf_counter()
    model = load_model(path)
    compiled = compile_model(model)
    generated = emit_c(compiled, path.name)
    write_c(generated, out_dir / compiled.name)
    compile_s = time.perf_counter() - t0

    tflm = tflm_arena_bytes(buf, model)
    host = HostModel(compiled, generated)
    inputs = random_inputs(compiled.graph, np.random.default_rng(0))
    ours_s = _time_per_call(lambda: host.run(inputs), min_seconds, 10000)

    it = runtime.Interpreter.from_bytes(buf, arena_size=tflm["total"] * 2 + 4096)

    def tflm_invoke():
        for i, x in enumerate(inputs):
            it.set_input(x, i)
        it.invoke()
        return [it.get_output(i) for i in range(len(compiled.graph.outputs))]

    tflm_s = _time_per_call(tflm_invoke, min_seconds, 10000)
    return dict(model=path.stem, macs=compiled.macs, arena=compiled.plan.arena_bytes,
                lower_bound=compiled.plan.lower_bound_bytes, tflm_total=tflm["total"], tflm_head=tflm["head"],
                ours_ms=ours_s * 1e3, tflm_ms=tflm_s * 1e3, speedup=tflm_s / ours_s, compile_s=compile_s)


def table(rows: list[dict]) -> str:
    head = ("model", "MACs", "arena", "TFLM total", "TFLM tensors", "arena/TFLM total", "ours ms", "TFLM ms",
            "speedup", "compile s")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append("| " + " | ".join([
            r["model"], f'{r["macs"]:,}', f'{r["arena"]:,}', f'{r["tflm_total"]:,}', f'{r["tflm_head"]:,}',
            f'{r["arena"] / r["tflm_total"]:.2f}', f'{r["ours_ms"]:.3f}', f'{r["tflm_ms"]:.3f}',
            f'{r["speedup"]:.1f}x', f'{r["compile_s"]:.2f}']) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=os.environ.get("MICRO_SHARED", "../shared") + "/models")
    ap.add_argument("--only", nargs="*", help="model stems to run (default: the compiler-core list)")
    ap.add_argument("--min-seconds", type=float, default=1.0, help="time each side at least this long")
    ap.add_argument("--out", default="bench_out", help="where generated C is written")
    ap.add_argument("--json", help="also write the rows as JSON here")
    args = ap.parse_args()
    rows = []
    for stem in args.only or MODELS:
        row = bench(Path(args.models) / f"{stem}.tflite", args.min_seconds, Path(args.out))
        rows.append(row)
        print(f'{row["model"]}: arena {row["arena"]} vs TFLM {row["tflm_total"]}, '
              f'{row["speedup"]:.1f}x faster, compiled in {row["compile_s"]:.2f} s', file=sys.stderr)
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
