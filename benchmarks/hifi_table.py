"""The HiFi 4 kernel set beside the portable one: lx106 instructions of one invoke in QEMU (each run verified
bit-exact with TFLM, every tensor, first) and the analytical HiFi 4 cycle ESTIMATE of `micro profile --kernels
hifi4`.

    python benchmarks/hifi_table.py [--models NAME ...] [--json]

What the columns are, and are not (docs/hifi.md): the lx106 is a base-ISA Xtensa core with no HiFi unit, so the
hifi4 column counts micro's plain-C emulation of each intrinsic (several base instructions each), which says
nothing about HiFi speed; it proves the kernels right on a real Xtensa ISA. The estimate is a bundle-slot model
of the HiFi 4 kernels (micro/profile/hifi4.py), not a measurement; ops without a HiFi 4 variant are not in it.
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
from micro.deploy.boards import get_board                     # noqa: E402
from micro.frontend import load_model                         # noqa: E402
from micro.profile.report import Profile                      # noqa: E402
from micro.verify.compare import random_inputs                # noqa: E402
from micro.verify.xtensa import verify_on_xtensa              # noqa: E402

MODELS = Path(os.environ.get("MICRO_SHARED", ROOT.parent / "shared")) / "models"
DEFAULT_MODELS = ["tflm_hello_world_int8", "mlperf_tiny_kws_ref_model", "tflm_micro_speech_quantized",
                  "mlzoo_ds_cnn_s_int8", "tflm_keyword_scrambled"]


def row(name: str) -> dict:
    path = MODELS / f"{name}.tflite"
    board = get_board("xtensa_qemu")
    out = dict(model=name)
    for kernel_set in ("portable", "hifi4"):
        c = compile_model(load_model(path), kernel_set=kernel_set)
        sets = [random_inputs(c.graph, np.random.default_rng(7))]
        report, instructions = verify_on_xtensa(c, path.read_bytes(), sets, board)
        out[f"{kernel_set}_ok"], out[f"{kernel_set}_lx106_instructions"] = report.ok, instructions
        out["macs"] = c.macs
        if kernel_set == "hifi4":
            prof = Profile.from_hifi4_estimate(c)
            out["hifi4_cycles_estimate"] = prof.totals["hifi4_cycles_estimate"]
            out["estimated_ops"] = f"{prof.totals['estimated_ops']}/{len(c.lowered)}"
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="*", default=DEFAULT_MODELS)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = [row(m) for m in args.models]
    if args.json:
        print("\n".join(json.dumps(r) for r in rows))
    else:
        print("| model | MACs | lx106 instructions, portable | lx106 instructions, hifi4 emulated | "
              "HiFi 4 cycles (ESTIMATE) | ops estimated |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            flag = "" if r["portable_ok"] and r["hifi4_ok"] else " MISMATCH"
            print(f"| {r['model']}{flag} | {r['macs']:,} | {r['portable_lx106_instructions']:,} | "
                  f"{r['hifi4_lx106_instructions']:,} | {r['hifi4_cycles_estimate']:,} | {r['estimated_ops']} |")
    return 0 if all(r["portable_ok"] and r["hifi4_ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
