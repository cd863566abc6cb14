"""Compiler options measured: exact instructions per invoke on the emulated Cortex-M4 (QEMU mps2-an386,
self-test firmware, outputs checked bit-exact) and firmware code bytes without weights (the harness firmware
for nano33ble, as `micro build --framework baremetal` links it), per option set and model. The board files'
[compiler] tables (micro/deploy/boards/<board>.toml) record the set chosen from this table.

    python benchmarks/compiler_options.py [--sets NAME,...] [model stem ...]
    python benchmarks/compiler_options.py --breakdown [--sets NAME,...] mlperf_tiny_kws_ref_model
        where the code goes instead (nano33ble harness firmware, from its map file: kernels, model, C library,
        harness), per option set

An option set gives the flags of the model's code (its C and kernels: where an invoke spends its time), of
the harness (startup, board support, serial protocol, self-test: run between invokes), and of the link.
Builds use arm-none-eabi-gcc directly (builder "gcc"), cached by content like every firmware build.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from micro.compiler import compile_model  # noqa: E402
from micro.codegen import emit_c  # noqa: E402
from micro.deploy.boards import CompilerOptions, get_board  # noqa: E402
from micro.deploy.code_size import code_breakdown  # noqa: E402
from micro.deploy.firmware import build_firmware, selftest_vectors  # noqa: E402
from micro.deploy.qemu import run_selftest  # noqa: E402
from micro.frontend import load_model  # noqa: E402
from micro.verify.compare import random_inputs  # noqa: E402

SHARED = Path(os.environ.get("MICRO_SHARED", ROOT.parent / "shared"))
MODELS = ["tflm_hello_world_int8", "mlperf_tiny_kws_ref_model", "tflm_micro_speech_quantized",
          "mlperf_tiny_ic_resnet8_quant", "mlzoo_micronet_vww2_50x50_int8", "tflm_person_detect"]
SIZE_BOARD = "nano33ble"      # code bytes: the Arduino's bare-metal harness firmware
SPEED_BOARD = "mps2_an386"    # instructions: QEMU's Cortex-M4
NO_IDIOMS = "-fno-tree-loop-distribute-patterns"   # no loop -> memset/memcpy/strlen calls (pulls them from libc)

HARNESS_SIZE = ("-Os", NO_IDIOMS, "-flto")                   # the chosen harness flags (with LTO_LINK)
LTO_LINK = ("-flto", "-Os", "-ffunction-sections", "-fdata-sections")   # LTO's code generation happens here

OPTION_SETS = {
    "O2": CompilerOptions(model=("-O2",), harness=("-O2",)),               # before: -O2 for everything
    "O2/harness-Os": CompilerOptions(model=("-O2",), harness=("-Os",)),
    "O2/harness-Os-noidioms": CompilerOptions(model=("-O2",), harness=("-Os", NO_IDIOMS)),
    "O2/harness-Os-noidioms-LTO": CompilerOptions(model=("-O2",), harness=HARNESS_SIZE, link=LTO_LINK),  # chosen
    "O3/harness-Os-noidioms-LTO": CompilerOptions(model=("-O3",), harness=HARNESS_SIZE, link=LTO_LINK),
    "Os/harness-Os-noidioms-LTO": CompilerOptions(model=("-Os",), harness=HARNESS_SIZE, link=LTO_LINK),
    # LTO of the model's code too: its per-op parameter arrays then leave the .weights section and count as code
    "O2-LTO-everywhere": CompilerOptions(model=("-O2", "-flto"), harness=HARNESS_SIZE,
                                         link=("-flto", "-O2", "-ffunction-sections", "-fdata-sections")),
}


def measure(compiled, vectors, options: CompilerOptions) -> tuple[int, int]:
    """(instructions of one invoke on mps2-an386, code bytes of the nano33ble harness firmware)."""
    fw = build_firmware(compiled, get_board(SPEED_BOARD), variant="selftest", vectors=vectors, builder="gcc",
                        compiler=options)
    run = run_selftest(fw, timeout=1200)
    if not run.passed:
        raise SystemExit(f"{compiled.name} with {options}: self-test FAILED\n{run.uart_text}")
    size = build_firmware(compiled, get_board(SIZE_BOARD), builder="gcc", compiler=options)
    return max(run.instructions), size.memory.code


def breakdown(names: list[str], sets: list[str]) -> None:
    """Where the code of each model's nano33ble harness firmware goes, per option set (markdown)."""
    print("| model | option set | code B | kernels | model | C library | harness | padding |\n|" + "---|" * 8)
    for name in names:
        compiled = compile_model(load_model(SHARED / "models" / f"{name}.tflite"))
        kernels = emit_c(compiled).kernel_files
        for s in sets:
            fw = build_firmware(compiled, get_board(SIZE_BOARD), builder="gcc", compiler=OPTION_SETS[s])
            b = code_breakdown((fw.elf.parent / "firmware.map").read_text(), fw.elf, kernels, compiled.name)
            cells = [name, s, f"{b.code:,}"] + [
                f"{b.parts[p]:,} ({', '.join(f'{k} {v:,}' for k, v in b.item_bytes(p).items())})"
                if p in ("kernels", "C library") else f"{b.parts[p]:,}"
                for p in ("kernels", "model", "C library", "harness", "padding")]
            print("| " + " | ".join(cells) + " |", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*", help=f"model stems in $MICRO_SHARED/models (default: {', '.join(MODELS)})")
    ap.add_argument("--sets", help=f"option sets to measure, comma-separated (default: all: {', '.join(OPTION_SETS)})")
    ap.add_argument("--breakdown", action="store_true", help="where the code goes, per option set")
    args = ap.parse_args()
    names = args.models or MODELS
    sets = args.sets.split(",") if args.sets else list(OPTION_SETS)
    if args.breakdown:
        breakdown(names, sets)
        return 0
    results: dict[str, dict[str, tuple[int, int]]] = {s: {} for s in sets}
    for name in names:
        path = SHARED / "models" / f"{name}.tflite"
        compiled = compile_model(load_model(path))
        vectors = selftest_vectors(compiled, [random_inputs(compiled.graph, np.random.default_rng(7))],
                                   path.read_bytes())
        for s in sets:
            results[s][name] = measure(compiled, vectors, OPTION_SETS[s])
            print(f"  {name} {s}: {results[s][name][0]:,} instructions, {results[s][name][1]:,} B code",
                  file=sys.stderr, flush=True)
    base = sets[0]
    head = ["option set", "model flags", "harness flags", "link flags"] + [f"{n} insns / code B" for n in names] + \
        [f"insns vs {base}", f"code vs {base}"]
    print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for s in sets:
        o = OPTION_SETS[s]
        cells = [s, " ".join(o.model), " ".join(o.harness), " ".join(o.link) or "-"]
        cells += [f"{results[s][n][0]:,} / {results[s][n][1]:,}" for n in names]
        insns = sum(results[s][n][0] for n in names) / sum(results[base][n][0] for n in names)
        code = sum(results[s][n][1] for n in names) / sum(results[base][n][1] for n in names)
        cells += [f"{insns:.3f}", f"{code:.3f}"]
        print("| " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
