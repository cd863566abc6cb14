#!/usr/bin/env python3
"""Mutation fuzzing of micro's frontend and compile pipeline (micro.testing.fuzz): every mutant must compile
or end in a MicroError; tracebacks, signals and hangs are printed with what rebuilds them.

    .venv/bin/python scripts/fuzz.py --mutants 200 --seed 1                # every shared + corpus model
    .venv/bin/python scripts/fuzz.py --mutants 50 --models 'ops/*conv*'    # glob(s) under $MICRO_SHARED/models
    .venv/bin/python scripts/fuzz.py --mutants 20 --oracle                 # TFLM's arena of each mutant too

Exit status 1 when anything but "compiled" or "clean error" happened.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from micro.testing.fuzz_runner import run_campaign  # noqa: E402

LARGE = ("tflm_xtensa_mobilenet_v2_int8_1x3x224x224", "mlperf_tiny_ic_resnet_large_int8",
         "tflm_dtln_noise_suppression_int8")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mutants", type=int, default=100, help="mutants per model")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--models", nargs="*", default=["*.tflite", "ops/*.tflite"],
                   help="glob patterns under $MICRO_SHARED/models")
    p.add_argument("--large", action="store_true", help="include the large models (slow to compile)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds one mutant may take before a hang")
    p.add_argument("--oracle", action="store_true",
                   help="also measure TFLM's arena of each mutant (in a child process, as `micro inspect` does)")
    args = p.parse_args()
    root = Path(os.environ.get("MICRO_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "models"
    models = sorted({m for pat in args.models for m in root.glob(pat)})
    if not args.large:
        models = [m for m in models if m.stem not in LARGE]
    if not models:
        print(f"no model matches {args.models} under {root}", file=sys.stderr)
        return 2
    report = run_campaign(models, args.mutants, args.seed, timeout=args.timeout, log=print, oracle=args.oracle)
    for f in report.findings:
        print(f"\n{f}")
    print(f"\n{len(models)} models x {args.mutants} mutants, seed {args.seed}: {report.summary()}")
    return 0 if report.clean else 1


if __name__ == "__main__":
    sys.exit(main())
