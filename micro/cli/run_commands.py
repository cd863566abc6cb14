"""`micro verify` and `micro run`: the generated code on the host build or on a board, against TFLM."""

from __future__ import annotations

import json

import numpy as np

from micro.cli.kernel_options import add_kernels_argument
from micro.codegen import emit_c
from micro.cli.model_commands import compile_for, schedule_arguments
from micro.deploy.boards import get_board
from micro.deploy.xtensa_qemu import is_xtensa_qemu
from micro.kernels.sets import HOST_BOARDS
from micro.errors import MicroError
from micro.frontend import load_model, load_model_file
from micro.verify.board import run_on_board, verify_on_board
from micro.verify.compare import random_inputs, verify_compiled
from micro.verify.host import HostModel
from micro.verify.inputs import load_input_sets
from micro.verify.xtensa import XtensaQemuModel, verify_on_xtensa


def cmd_verify(args) -> int:
    model, model_bytes = load_model_file(args.model)
    compiled = compile_for(args, model, fallback=True)
    sets = load_input_sets(args.input or [], compiled.graph, clip=args.clip)
    rng = np.random.default_rng(args.seed)
    sets += [random_inputs(compiled.graph, rng) for _ in range(args.random + args.stream)]
    if not sets:
        raise MicroError("nothing to run: give --input FILE.npy, --random N or --stream N")
    if args.board not in HOST_BOARDS or args.port:
        return _verify_on_board(args, compiled, model_bytes, sets)
    report = verify_compiled(compiled, model_bytes, sets, stream=bool(args.stream))
    print(report.summary())
    if not report.ok and args.verbose:
        for d in report.divergences[:20]:
            print(f"  {d}")
    return 0 if report.ok else 1


def board_arg(args):
    if args.board in HOST_BOARDS:
        raise MicroError("--port needs --board NAME (the board the firmware was built for); see `micro boards`")
    return get_board(args.board)


def _verify_on_board(args, compiled, model_bytes, sets) -> int:
    board = board_arg(args)
    if is_xtensa_qemu(board):
        report, instructions = verify_on_xtensa(compiled, model_bytes, sets, board, stream=bool(args.stream))
        print(report.summary())
        if instructions is not None:
            print(f"  {instructions:,} {board.cpu} instructions for one invoke (exact, QEMU instruction-count plugin; "
                  f"{compiled.kernel_set} kernels)")
        if not report.ok and args.verbose:
            for d in report.divergences[:20]:
                print(f"  {d}")
        return 0 if report.ok else 1
    report = verify_on_board(compiled, model_bytes, sets, board, port=args.port,
                             serial=args.serial, builder=args.builder, trace=args.trace, stream=bool(args.stream))
    if getattr(args, "json", False):
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(report.summary())
    if not report.ok and args.verbose:
        for d in report.divergences[:20]:
            print(f"  {d}")
    return 0 if report.ok else 1


def cmd_run(args) -> int:
    """Run input sets on a board (or the host build) and print the outputs and the cost of each invoke. The sets
    run one after the other from a fresh state: a streaming model carries its state from one to the next."""
    model = load_model(args.model)
    compiled = compile_for(args, model, fallback=True)
    g = compiled.graph
    sets = load_input_sets(args.input or [], g, clip=args.clip)
    rng = np.random.default_rng(args.seed)
    sets += [random_inputs(g, rng) for _ in range(args.random)]
    if not sets:
        raise MicroError("nothing to run: give --input FILE.npy and/or --random N")
    results = []
    if args.board in HOST_BOARDS and not args.port:
        host = HostModel(compiled, emit_c(compiled))
        for inputs in sets:
            outs, _ = host.run(inputs)
            results.append(dict(outputs=outs, instructions=None, cycles=None, stack_used=None))
        memory = None
    elif not args.port and is_xtensa_qemu(board_arg(args)):
        runner = XtensaQemuModel(compiled, sets, board_arg(args), stream=True)   # one sequence, as on a board
        for k, inputs in enumerate(sets):
            outs, _ = runner.run(inputs)
            results.append(dict(outputs=outs, instructions=runner.instructions if k == 0 else None, cycles=None,
                                stack_used=None))
        memory = None
    else:
        runs, session = run_on_board(compiled, sets, board_arg(args), port=args.port, serial=args.serial,
                                     builder=args.builder)
        for r in runs:
            results.append(dict(outputs=r.outputs, instructions=r.instructions, cycles=r.cycles,
                                stack_used=r.stack_used))
        memory = session.firmware.memory if session.firmware is not None else None
    if args.output:
        _save_outputs(args.output, results, len(g.outputs))
    if args.json:
        print(json.dumps(dict(model=compiled.name, board=args.board, macs=compiled.macs,
                              memory=memory.as_dict() if memory else None,
                              runs=[dict(r, outputs=[y.tolist() for y in r["outputs"]]) for r in results]),
                         indent=2))
        return 0
    np.set_printoptions(threshold=64, edgeitems=8, linewidth=110)
    where = args.port or args.board
    for k, r in enumerate(results):
        print(f"input set {k} on {where}:")
        for o, y in enumerate(r["outputs"]):
            t = g.tensors[g.outputs[o]]
            print(f"  output {o} '{t.name}' {t.dtype}{list(t.shape)}: {y.ravel()}")
        cost = []
        if r["instructions"] is not None:
            cost.append(f"{r['instructions']:,} instructions ({compiled.macs / r['instructions']:.3f} MACs/instruction)")
        if r["cycles"] is not None:
            cost.append(f"{r['cycles']:,} cycles")
        if r["stack_used"]:
            cost.append(f"stack used {r['stack_used']:,} B")
        if cost:
            print(f"  cost of invoke: {', '.join(cost)}")
    if memory is not None:
        print(f"firmware: {memory.summary()}")
    return 0


def _save_outputs(path: str, results: list[dict], n_outputs: int) -> None:
    try:
        if len(results) == 1 and n_outputs == 1:
            np.save(path, results[0]["outputs"][0])
        else:
            np.savez(path, **{f"set{k}_output{o}": y for k, r in enumerate(results)
                              for o, y in enumerate(r["outputs"])})
    except OSError as exc:
        raise MicroError(f"cannot write the outputs to {path}: {exc.strerror or exc}") from None


def input_options(p) -> None:
    p.add_argument("--input", action="append", metavar="FILE",
                   help=".npy/.npz input set(s), repeatable: integers as quantized values, floats as real values "
                        "(quantized with the input's scale and zero point)")
    p.add_argument("--clip", action="store_true",
                   help="clamp integer inputs outside the input type's range instead of refusing them")
    p.add_argument("--random", type=int, default=0, metavar="N", help="also run N random inputs")
    p.add_argument("--seed", type=int, default=0)


def board_options(p) -> None:
    p.add_argument("--port", help="serial port of a real board running micro's harness firmware "
                   "(/dev/ttyACM0, socket://host:port); default: start the board's emulator")
    p.add_argument("--serial", choices=("socket", "pty"), default="socket",
                   help="how to reach the emulator's UART (default: socket)")
    p.add_argument("--builder", choices=("platformio", "gcc"), help="firmware build (default: platformio when available)")


def register(sub) -> None:
    v = sub.add_parser("verify", help="run generated code and TFLM on the same inputs; compare every tensor")
    v.add_argument("model")
    v.add_argument("--board", default="host", help="where to run the generated code (default: host; hifi4_emu: the "
                   "host build with the hifi4 kernels; see `micro boards`)")
    add_kernels_argument(v)
    input_options(v)
    v.add_argument("--stream", type=int, default=0, metavar="N",
                   help="N consecutive random invokes on the same state (streaming models; --input sets, e.g. "
                        "an .npy with a leading time axis, run first): every tensor and the state compared after "
                        "every invoke (on a board: every output, board vs host vs TFLM), the first invoke and op "
                        "that differ named. Without it, a model with state is reset before every input set")
    v.add_argument("-v", "--verbose", action="store_true", help="list every differing tensor")
    board_options(v)
    schedule_arguments(v, board=False)
    v.add_argument("--json", action="store_true", help="board runs: machine-readable report")
    v.add_argument("--trace", action="store_true",
                   help="board runs: debug firmware that sends every intermediate tensor back for comparison")
    v.set_defaults(fn=cmd_verify)

    r = sub.add_parser("run", help="run a model on a board (or the host build); print outputs and cost")
    r.add_argument("model")
    r.add_argument("--board", default="host", help="board to run on (default: host); see `micro boards`")
    add_kernels_argument(r)
    input_options(r)
    r.add_argument("-o", "--output", help="save the outputs (.npy for one, else .npz)")
    r.add_argument("--json", action="store_true", help="machine-readable output")
    board_options(r)
    schedule_arguments(r, board=False)
    r.set_defaults(fn=cmd_run)
