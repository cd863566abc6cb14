"""`micro compile`, `micro inspect`, `micro plan`, `micro ops`: the compiler, no board involved."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from micro.arena.report import plan_dict, plan_png, plan_table
from micro.arena.search import DEFAULT_RESTARTS
from micro.cli.kernel_options import add_kernels_argument, kernel_set_for
from micro.codegen import emit_c, write_c
from micro.compiler import compile_model
from micro.deploy.boards import get_board
from micro.deploy.budget import board_flash_budget, board_ram_budget, estimate_budget
from micro.deploy.project import check_framework
from micro.flash_fit import COMPACT_NOTE, constant_bytes
from micro.errors import MicroError, terminal_text
from micro.frontend import load_model_file
from micro.frontend.metadata import read_metadata, resolve_metadata
from micro.kernels.sets import DEFAULT_KERNEL_SET, HOST_BOARDS, KERNEL_SETS
from micro.inspect_model import describe, format_table
from micro.lowered import CODE_CALLS, PatchCall
from micro.patch import RamBudgetError
from micro.patch.report import schedule_dict, schedule_lines
from micro.ops_table import op_rows, text_table
from micro.verify.oracle import oracle_available, tflm_arena_bytes
from micro.verify.ram import can_measure, measure_firmware_ram


def measure_tflm_arena(args, model_bytes: bytes, model) -> dict | None:
    """TFLM's arena for the model (measured out of process), None when not asked for or not installed; a
    TFLM failure is printed as a note, never fatal: micro compiled the model without TFLM."""
    if args.no_oracle or not oracle_available():
        return None
    try:
        return tflm_arena_bytes(model_bytes, model)
    except MicroError as exc:
        print(f"note: TFLM arena not measured: {exc}", file=sys.stderr)
        return None


def parse_bytes(text: str, option: str = "--ram-budget") -> int:
    """A byte count: 262144, 0x40000, 256K / 256KB / 256KiB, 1M."""
    t = text.strip().upper().removesuffix("IB").removesuffix("B")
    scale = {"K": 1024, "M": 1024 * 1024}.get(t[-1:], 1)
    try:
        n = int(t[:-1] if scale > 1 else t, 0) * scale
    except ValueError:
        raise MicroError(f"{option} {text!r}: expected a byte count such as 262144, 256K or 0x40000") from None
    if n <= 0:
        raise MicroError(f"{option} {text!r}: must be more than 0 bytes")
    return n


def ram_budget_of(args) -> int | None:
    """--ram-budget, else with --board the board's RAM less what its firmware needs besides the model."""
    if getattr(args, "ram_budget", None):
        return parse_bytes(args.ram_budget)
    if getattr(args, "board", None) and args.board not in HOST_BOARDS:
        board = get_board(args.board)
        return board_ram_budget(board, check_framework(board, getattr(args, "framework", None)))
    return None


def flash_budget_of(args) -> int | None:
    """--flash-budget, else with --board the flash the board leaves for the model's constants."""
    if getattr(args, "flash_budget", None):
        return parse_bytes(args.flash_budget, "--flash-budget")
    if getattr(args, "board", None) and args.board not in HOST_BOARDS:
        board = get_board(args.board)
        return board_flash_budget(board, check_framework(board, getattr(args, "framework", None)))
    return None


def compile_for(args, model, fallback: bool = False, **options):
    """The schedule the arguments ask for: --ram-budget, else with --board the board's RAM (the cheapest schedule
    that fits), else the default trade; --no-patches keeps every tensor whole. fallback: when only the board's RAM
    set the budget and no schedule fits it, the default schedule (the board's budget check says what is over).
    The kernel set: --kernels, else a host board's (micro.cli.kernel_options.kernel_set_for)."""
    patches = not getattr(args, "no_patches", False)
    options.setdefault("flash_budget", flash_budget_of(args))
    options.setdefault("kernel_set", kernel_set_for(args))
    try:
        return compile_model(model, ram_budget=ram_budget_of(args), patches=patches, **options)
    except RamBudgetError:
        if not fallback or getattr(args, "ram_budget", None):
            raise
        return compile_model(model, patches=patches, **options)


def cmd_compile(args) -> int:

    t0 = time.perf_counter()
    model, model_bytes = load_model_file(args.model)
    compiled = compile_for(args, model)
    metadata = resolve_metadata(model_bytes, compiled, getattr(args, "labels", None))
    generated = emit_c(compiled, Path(args.model).name, metadata)
    written = write_c(generated, args.output)
    dt = time.perf_counter() - t0
    plan = compiled.plan
    print(f"compiled {args.model} -> {args.output}/ ({len(written)} files) in {dt:.2f} s")
    compact = sum(1 for low in compiled.lowered if COMPACT_NOTE in low.notes)
    print(f"  ops: {len(compiled.lowered)}, MACs: {compiled.macs:,}, constants: "
          f"{constant_bytes(compiled.graph, compiled.lowered):,} bytes (model weights {compiled.weight_bytes:,})"
          + (f"; {compact} layer(s) on int8 weights to fit the flash budget" if compact else ""))
    print(f"  arena: {plan.arena_bytes} bytes (lower bound {plan.lower_bound_bytes})")
    for line in schedule_lines(compiled):
        print(f"  {line}")
    if compiled.kernel_set != DEFAULT_KERNEL_SET:
        variants = [f for f in generated.kernel_files if f.endswith(f"_{compiled.kernel_set}.c")]
        print(f"  kernels: {compiled.kernel_set} ({KERNEL_SETS[compiled.kernel_set]}): "
              f"{', '.join(variants) or 'none of this model'}")
    if compiled.state.state_bytes:
        print(f"  state: {compiled.state.state_bytes} bytes kept between invokes, outside the arena "
              f"({compiled.name}_reset() starts a new stream)")
    tflm = measure_tflm_arena(args, model_bytes, model)
    if tflm and "total" in tflm:
        print(f"  TFLM arena for the same model (host build): {tflm['total']} bytes "
              f"({tflm['head']} for tensors); ours is {plan.arena_bytes / tflm['total']:.2f}x")
    print(f"  API: {compiled.name}.h ({compiled.name}_init, {compiled.name}_invoke, "
          f"{compiled.name}_input, {compiled.name}_output)")
    return 0


def cmd_inspect(args) -> int:

    model, model_bytes = load_model_file(args.model)
    info = describe(model, model_bytes, with_oracle=not args.no_oracle)
    meta = read_metadata(model_bytes)
    budget = ram = None
    if args.board:
        board = get_board(args.board)
        compiled = compile_for(args, model, fallback=True)
        budget = estimate_budget(compiled, board, check_framework(board, args.framework))
        info["board"] = dict(name=board.name, budget=budget.as_dict())
        if can_measure(board) and not args.no_run:
            ram = measure_firmware_ram(compiled, board)
            info["board"]["firmware_ram"] = ram.as_dict()
    if args.json:
        info["model_metadata"] = meta.as_dict()
        print(json.dumps(info, indent=2))
    else:
        print(terminal_text(format_table(info)))
        print(terminal_text("\n".join(meta.summary_lines())))
        if budget is not None:
            print("\n".join(_code_lines(budget)))
        if ram is not None:
            print(ram.line())
    return 0


def _code_lines(budget) -> list[str]:
    b = budget.board
    if budget.code_breakdown is None:
        return [f"code on {b.name}: about {budget.code:,} B (an estimate: arm-none-eabi-gcc is not installed)"]
    parts = budget.code_breakdown
    flags = " ".join(b.compiler.model)
    lines = [f"code on {b.name} ({b.cpu}, {flags}, as linked: only what the model calls): {budget.code:,} B"]
    lines += [f"  {line}" for line in parts.lines(("kernels", "model", "C library"))]
    lines += [f"  {line}" for line in budget.lines()]
    return lines


def cmd_plan(args) -> int:
    """The plan as a table (or JSON); a picture only where --png asks for one."""
    model, model_bytes = load_model_file(args.model)
    compiled = compile_for(args, model, plan_options=dict(restarts=args.restarts, views=not args.no_views))
    tflm = measure_tflm_arena(args, model_bytes, model)
    if args.json:
        d = plan_dict(compiled.plan, compiled.graph, tflm, compiled.state)
        d["schedule"] = schedule_dict(compiled)
        print(json.dumps(d, indent=2))
    else:
        print(plan_table(compiled.plan, tflm, compiled.state))
        print(views_line(compiled))
        print("\n".join(schedule_lines(compiled)))
    if args.png:
        patches = {low.op.index for low in compiled.lowered if isinstance(low.call, PatchCall)}
        lines = schedule_lines(compiled)
        try:
            plan_png(compiled.plan, args.png, f"{compiled.name}: arena {compiled.plan.arena_bytes} bytes",
                     patch_ops=patches, subtitle=lines[0] if patches else "")
        except OSError as exc:
            raise MicroError(f"cannot write the picture to {args.png}: {exc.strerror or exc}") from None
        if not args.json:
            print(f"picture: {args.png}")
    return 0


def views_line(compiled) -> str:
    """How many ops run no code (views), and the data-movement ops that copy, with why."""
    prefix = "copied, not a view: "
    views = [low for low in compiled.lowered if not isinstance(low.call, CODE_CALLS)]
    copies = [(low.op, n[len(prefix):]) for low in compiled.lowered for n in low.notes if n.startswith(prefix)]
    line = f"views: {len(views)} op(s) run no code"
    if copies:
        line += "; copied: " + "; ".join(f"op #{op.index} {op.kind} ({why})" for op, why in copies)
    return line


def cmd_ops(args) -> int:
    rows = op_rows()
    shown = [r for r in rows if r[1] != "-"] if args.supported else rows
    print(text_table(shown, rows))
    return 0


def schedule_arguments(p, board: bool = True) -> None:
    p.add_argument("--ram-budget", metavar="BYTES", help="fit arena + state in BYTES (262144, 256K): the schedule "
                   "(ops run in row bands, micro.patch) with the fewest recomputed MACs that fits, else an error "
                   "with the smallest peak micro reaches (default with --board: the board's RAM less what its "
                   "firmware needs besides the model; else patches while they pay)")
    p.add_argument("--no-patches", action="store_true", help="every tensor whole (no patch-based execution)")
    p.add_argument("--flash-budget", metavar="BYTES", help="fit the constants (weights, packed records) in BYTES: "
                   "the fast kernels' int16-widened weights go back to int8 reference calls, largest first, where "
                   "they do not fit (default with --board: the board's flash less its framework and code)")
    if board:
        p.add_argument("--board", help="the board whose RAM is the default --ram-budget (see `micro boards`)")
        p.add_argument("--framework", help="with --board: the framework whose needs are set aside "
                       "(default: the board's first)")


def register(sub) -> None:
    c = sub.add_parser("compile", help="generate C (model, weights, kernels) from a .tflite model")
    c.add_argument("model")
    c.add_argument("-o", "--output", default="out", help="output directory (default: out)")
    c.add_argument("--no-oracle", action="store_true", help="do not run TFLM to compare arena sizes")
    c.add_argument("--labels", metavar="FILE", help="labels.txt for output 0 (header: <name>_labels[])")
    schedule_arguments(c)
    add_kernels_argument(c)
    c.set_defaults(fn=cmd_compile)

    i = sub.add_parser("inspect", help="ops, shapes, MACs, weight and arena bytes")
    i.add_argument("model")
    i.add_argument("--json", action="store_true", help="machine-readable output")
    i.add_argument("--no-oracle", action="store_true", help="do not run TFLM to measure its arena")
    i.add_argument("--board", help="also the code size (kernels + model code, compiled for the board's CPU) and the "
                   "memory budget on this board (see `micro boards`)")
    i.add_argument("--framework", help="with --board: the framework of the budget (default: the board's first)")
    schedule_arguments(i, board=False)
    i.add_argument("--no-run", action="store_true", help="with --board: do not run the firmware in emulation to "
                   "measure its whole RAM (stack high-water, .data/.bss)")
    i.set_defaults(fn=cmd_inspect)

    pl = sub.add_parser("plan", help="the arena plan: buffers, lifetimes, offsets, lower bound, picture")
    pl.add_argument("model")
    pl.add_argument("--json", action="store_true", help="print the plan as JSON")
    pl.add_argument("--png", metavar="FILE", help="also draw the plan into this PNG file")
    pl.add_argument("--no-png", action="store_true", help=argparse.SUPPRESS)  # the default now; kept for scripts
    pl.add_argument("--restarts", type=int, default=DEFAULT_RESTARTS,
                    help=f"random placements the search tries above the lower bound (default {DEFAULT_RESTARTS}; "
                         "a work budget, so the plan is the same on every machine)")
    pl.add_argument("--no-oracle", action="store_true", help="do not run TFLM to compare")
    schedule_arguments(pl)
    pl.add_argument("--no-views", action="store_true",
                    help="copy every SPLIT/CONCATENATION/... part instead of placing it as a view (to compare)")
    pl.set_defaults(fn=cmd_plan)

    o = sub.add_parser("ops", help="every TFLite builtin op: micro's dtypes and whether TFLM has it")
    o.add_argument("--supported", action="store_true", help="only the ops micro compiles")
    o.set_defaults(fn=cmd_ops)
