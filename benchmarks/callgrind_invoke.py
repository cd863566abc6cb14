"""Exact x86 instructions of one invoke, ours and TFLM's, counted by valgrind's callgrind on the same
machine: ours = every micro kernel (`mn_*`, and what they call) of the host build (micro.verify.host), called
by `<name>_invoke` (ctypes enters that function with a jump callgrind does not see as a call, so the
invoke's own few call instructions are not counted); TFLM = MicroInterpreter::Invoke of the pinned
tflite-micro package (its reference kernels). Counts are deterministic for a given binary and input.

    python benchmarks/callgrind_invoke.py MODEL.tflite [--runs N] [--input SETS.npy]

--input: an .npy whose leading axis is the input sets of a one-input model (e.g. audio frames), run in order
as one stream (--runs of them) instead of seeded random inputs.

Prints one JSON line: {"model", "ours_x86", "tflm_x86", "ratio"} (per invoke, averaged over N invokes)."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from micro.codegen import emit_c  # noqa: E402
from micro.compiler import compile_model  # noqa: E402
from micro.frontend import load_model  # noqa: E402
from micro.verify.compare import random_inputs  # noqa: E402
from micro.verify.host import HostModel  # noqa: E402


def _child(which: str, model: str, runs: int, inputs: str | None = None) -> None:
    """Runs inside valgrind: `runs` invokes of ours or TFLM's on seeded random inputs (or the sets of `inputs`)."""
    compiled = compile_model(load_model(model))
    rng = np.random.default_rng(0)
    sets = ([[x] for x in np.load(inputs)[:runs]] if inputs else
            [random_inputs(compiled.graph, rng) for _ in range(runs)])
    if which == "ours":
        host = HostModel(compiled, emit_c(compiled))
        for inputs in sets:
            host.run(inputs)
        return
    from tflite_micro.python.tflite_micro import runtime as rt
    it = rt.Interpreter.from_bytes(Path(model).read_bytes(), arena_size=1 << 24)
    for inputs in sets:
        for i, x in enumerate(inputs):
            it.set_input(x, i)
        it.invoke()


def count(which: str, model: str, runs: int, inputs: str | None = None) -> int:
    toggle = "mn_*" if which == "ours" else "*MicroInterpreter::Invoke*"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        res = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                              f"--toggle-collect={toggle}", sys.executable, __file__, "--child", which, model,
                              "--runs", str(runs), *(["--input", inputs] if inputs else [])],
                             capture_output=True, text=True, env=dict(os.environ))
        m = re.search(r"Collected : (\d+)", res.stderr)
        if res.returncode != 0 or not m:
            raise SystemExit(f"callgrind failed for {which}:\n{res.stderr[-2000:]}")
        return int(m.group(1)) // runs


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--input", help=".npy of input sets (leading axis) for a one-input model, run as one stream")
    ap.add_argument("--child", choices=("ours", "tflm"))
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.model, args.runs, args.input)
        return 0
    inputs = str(Path(args.input).resolve()) if args.input else None
    if inputs:
        args.runs = min(args.runs, len(np.load(inputs)))
    ours, tflm = count("ours", args.model, args.runs, inputs), count("tflm", args.model, args.runs, inputs)
    print(json.dumps(dict(model=Path(args.model).stem, ours_x86=ours, tflm_x86=tflm, ratio=round(ours / tflm, 3))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
