"""RAM of the stateful shared models (SVDF, LSTM, resource variables): ours = arena + state (the variable tensors, kept outside
the arena), against TFLM's arena (print_allocations on this 64-bit host: head = tensors and scratch,
tail = persistent allocations, which hold its variable tensors too).

    python benchmarks/stateful_memory.py [--models DIR]

Prints a markdown table; the ratio is (arena + state) / TFLM total. "floor" is what any plan that keeps the
state in TFLM's layout needs at least: the state plus the model's inputs (live together at the first op), over
TFLM's total.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from micro.compiler import compile_model  # noqa: E402
from micro.frontend import load_model  # noqa: E402
from micro.verify.oracle import tflm_arena_bytes  # noqa: E402

MODELS = ["tflm_keyword_scrambled", "tflm_keyword_scrambled_8bit", "tflm_mnist_lstm_int8",
          "tflm_dtln_noise_suppression_int8", "tflm_xtensa_micro_speech_lstm_int8", "mww_alexa_stream_int8"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=str(Path(os.environ.get("MICRO_SHARED", "../shared")) / "models"))
    args = ap.parse_args()
    head = ("model", "arena", "state", "ours total", "of which I/O", "TFLM head", "TFLM tail", "TFLM total",
            "ours / TFLM", "floor / TFLM")
    print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for name in MODELS:
        path = Path(args.models) / f"{name}.tflite"
        model = load_model(path)
        c = compile_model(model)
        tflm = tflm_arena_bytes(path.read_bytes(), model)
        ours = c.plan.arena_bytes + c.state.state_bytes
        io = sum(c.graph.t(t).nbytes for t in (*c.graph.inputs, *c.graph.outputs))
        floor = c.state.state_bytes + sum(c.graph.t(t).nbytes for t in c.graph.inputs)
        print(f"| {name} | {c.plan.arena_bytes:,} | {c.state.state_bytes:,} | {ours:,} | {io:,} | {tflm['head']:,} | "
              f"{tflm['tail']:,} | {tflm['total']:,} | {ours / tflm['total']:.2f} | {floor / tflm['total']:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
