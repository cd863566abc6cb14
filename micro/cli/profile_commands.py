"""`micro profile`: the cost of every op of a model's invoke, on an emulated board (exact instructions and a
Cortex-M4 cycle ESTIMATE) or on this machine (nanoseconds), as a table, JSON or a bar chart, beside a
baseline (TFLM's per-op figures, or an earlier `micro profile --json`); with --kernels hifi4, an analytical
HiFi 4 cycle ESTIMATE per op (micro.profile.hifi4) that runs nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from micro.deploy.boards import get_board
from micro.cli.model_commands import compile_for, schedule_arguments
from micro.errors import MicroError
from micro.frontend import load_model
from micro.kernels.sets import DEFAULT_KERNEL_SET, KERNEL_SETS
from micro.profile.chart import profile_png
from micro.profile.emulator import profile_on_emulator
from micro.profile.host import profile_on_host
from micro.profile.report import DEFAULT_BASELINE_KERNELS, Profile, load_baseline
from micro.verify.compare import random_inputs
from micro.verify.inputs import load_input_sets

DEFAULT_BOARD = "mps2_an386"


def cmd_profile(args) -> int:
    model = load_model(args.model)
    if (args.kernels or DEFAULT_KERNEL_SET) == "hifi4":
        if args.board:
            raise MicroError(f"--kernels hifi4 profiles with an analytical HiFi 4 cycle ESTIMATE and runs nothing; "
                             f"--board {args.board} would time micro's emulation of the intrinsics instead: drop --board "
                             "(for lx106 instructions of a whole invoke: micro verify MODEL --board xtensa_qemu --kernels "
                             "hifi4)")
        if args.baseline:
            raise MicroError("--baseline compares measured figures; the HiFi 4 cycles of --kernels hifi4 are an "
                             "ESTIMATE with no baseline")
        return _print(args, Profile.from_hifi4_estimate(compile_for(args, model)))   # --ram-budget, else default
    args.board = board_name = args.board or DEFAULT_BOARD
    compiled = compile_for(args, model, fallback=True)  # the schedule `micro build --board` flashes
    sets = load_input_sets([args.input] if args.input else [], compiled.graph)
    if len(sets) > 1:
        raise MicroError(f"--input {args.input} holds {len(sets)} input sets; `micro profile` runs one")
    inputs = sets[0] if sets else random_inputs(compiled.graph, np.random.default_rng(args.seed))
    if board_name == "host":
        profile = Profile.from_host(compiled, profile_on_host(compiled, inputs, runs=args.runs))
    else:
        board = get_board(board_name)
        profile = Profile.from_emulator(compiled, profile_on_emulator(
            compiled, board, inputs, wait_states=args.flash_wait_states, builder=args.builder))
    if args.baseline:
        name = args.baseline_model or Path(args.model).stem
        profile.with_baseline(load_baseline(args.baseline, name, args.baseline_kernels))
    return _print(args, profile)


def _print(args, profile: Profile) -> int:
    if args.png:
        profile_png(profile, args.png)
    if args.json:
        print(json.dumps(profile.as_dict(), indent=2))
    else:
        print(profile.table())
        if args.png:
            print(f"chart: {args.png}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("profile", help="per-op cost of the invoke: exact instructions and a Cortex-M4 cycle ESTIMATE "
                       "on an emulated board, or ns on the host")
    p.add_argument("model")
    p.add_argument("--board", default=None,
                   help=f"{DEFAULT_BOARD} (QEMU: instructions, cycle ESTIMATE) or host (this machine: ns); default "
                        f"{DEFAULT_BOARD}")
    p.add_argument("--kernels", choices=list(KERNEL_SETS), default=None,
                   help="hifi4: no run, an analytical HiFi 4 cycle ESTIMATE per op (micro/profile/hifi4.py); "
                        f"default {DEFAULT_KERNEL_SET}")
    p.add_argument("--json", action="store_true", help="print one JSON object (ops, totals)")
    p.add_argument("--png", metavar="FILE", help="write a bar chart per op (beside the baseline with --baseline)")
    p.add_argument("--baseline", metavar="FILE",
                   help="per-op figures to compare with: JSON lines (model, kernels, per_op), e.g. "
                        "shared/notes/tflm-m4-per-op.jsonl, or an earlier `micro profile --json` output")
    p.add_argument("--baseline-kernels", default=DEFAULT_BASELINE_KERNELS,
                   help=f"the baseline's kernel set, for files with several (default {DEFAULT_BASELINE_KERNELS})")
    p.add_argument("--baseline-model", help="the model's name in the baseline file (default: the model file's stem)")
    p.add_argument("--flash-wait-states", type=int, default=0, metavar="N",
                   help="flash wait states of the cycle ESTIMATE (default 0)")
    p.add_argument("--input", metavar="FILE", help=".npy/.npz input set (default: random, --seed)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--runs", type=int, help="host: invokes to time (default: as many as fit in 0.2 s, 11 to 2001)")
    schedule_arguments(p, board=False)  # --ram-budget, --no-patches, --flash-budget (default: the board's)
    p.add_argument("--builder", choices=("platformio", "gcc"), help="firmware build (default: platformio when available)")
    p.set_defaults(fn=cmd_profile)
