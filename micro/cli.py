"""The `micro` command line: compile, inspect, verify, ops."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from micro import __version__
from micro.errors import MicroError


def _load(path: str):
    from micro.frontend import load_model
    return load_model(path)


def cmd_compile(args) -> int:
    from micro.codegen import emit_c, write_c
    from micro.compiler import compile_model

    t0 = time.perf_counter()
    model = _load(args.model)
    compiled = compile_model(model)
    from micro.build import resolve_metadata
    metadata = resolve_metadata(Path(args.model).read_bytes(), compiled, getattr(args, "labels", None))
    generated = emit_c(compiled, Path(args.model).name, metadata)
    written = write_c(generated, args.output)
    dt = time.perf_counter() - t0
    plan = compiled.plan
    print(f"compiled {args.model} -> {args.output}/ ({len(written)} files) in {dt:.2f} s")
    print(f"  ops: {len(compiled.lowered)}, MACs: {compiled.macs:,}, weights: {compiled.weight_bytes:,} bytes")
    print(f"  arena: {plan.arena_bytes} bytes (lower bound {plan.lower_bound_bytes})")
    if not args.no_oracle:
        from micro.harness.oracle import oracle_available, tflm_arena_bytes
        if oracle_available():
            tflm = tflm_arena_bytes(Path(args.model).read_bytes(), model)
            if "total" in tflm:
                print(f"  TFLM arena for the same model (host build): {tflm['total']} bytes "
                      f"({tflm['head']} for tensors); ours is {plan.arena_bytes / tflm['total']:.2f}x")
    print(f"  API: {compiled.name}.h ({compiled.name}_init, {compiled.name}_invoke, "
          f"{compiled.name}_input, {compiled.name}_output)")
    return 0


def cmd_inspect(args) -> int:
    from micro.inspect_model import describe, format_table

    model = _load(args.model)
    info = describe(model, Path(args.model).read_bytes(), with_oracle=not args.no_oracle)
    from micro.frontend.metadata import read_metadata
    meta = read_metadata(Path(args.model).read_bytes())
    if args.json:
        info["model_metadata"] = meta.as_dict()
        print(json.dumps(info, indent=2))
    else:
        print(format_table(info))
        print("\n".join(meta.summary_lines()))
    return 0


def _input_sets(paths: list[str], graph) -> list[list[np.ndarray]]:
    """Each .npy is one input set (or N sets with a leading batch axis); .npz maps input index/name."""
    from micro.quant import QRANGE

    def coerce(arr: np.ndarray, t) -> np.ndarray:
        if np.issubdtype(arr.dtype, np.floating) and t.quant is not None:
            lo, hi = QRANGE[t.dtype]
            arr = np.clip(np.round(arr / t.quant.s) + t.quant.zp, lo, hi)
        return arr.astype(t.dtype).reshape(t.shape)

    sets = []
    for p in paths:
        data = np.load(p)
        if isinstance(data, np.lib.npyio.NpzFile):
            arrays = []
            for k, t_idx in enumerate(graph.inputs):
                t = graph.tensors[t_idx]
                key = str(k) if str(k) in data else t.name
                if key not in data:
                    raise MicroError(f"{p}: no array '{k}' or '{t.name}' for input {k}")
                arrays.append(coerce(data[key], t))
            sets.append(arrays)
            continue
        if len(graph.inputs) != 1:
            raise MicroError(f"{p}: the model has {len(graph.inputs)} inputs; pass an .npz with one array "
                             "per input (named by index or tensor name)")
        t = graph.tensors[graph.inputs[0]]
        if data.size == t.size:
            sets.append([coerce(data, t)])
        elif data.size % t.size == 0:
            sets += [[coerce(x, t)] for x in data.reshape(-1, *t.shape)]
        else:
            raise MicroError(f"{p}: {data.size} values do not fit input '{t.name}' of shape {list(t.shape)}")
    return sets


def cmd_verify(args) -> int:
    from micro.compiler import compile_model
    from micro.harness.verify import random_inputs, verify_compiled

    model = _load(args.model)
    compiled = compile_model(model)
    sets = _input_sets(args.input or [], compiled.graph)
    rng = np.random.default_rng(args.seed)
    sets += [random_inputs(compiled.graph, rng) for _ in range(args.random)]
    if not sets:
        raise MicroError("nothing to run: give --input FILE.npy and/or --random N")
    if args.board != "host" or args.port:
        return _verify_on_board(args, compiled, sets)
    report = verify_compiled(compiled, Path(args.model).read_bytes(), sets)
    print(report.summary())
    if not report.ok and args.verbose:
        for d in report.divergences[:20]:
            print(f"  {d}")
    return 0 if report.ok else 1


def _board_arg(args):
    from micro.boards import get_board
    if args.board == "host":
        raise MicroError("--port needs --board NAME (the board the firmware was built for); see `micro boards`")
    return get_board(args.board)


def _verify_on_board(args, compiled, sets) -> int:
    from micro.harness.board_verify import verify_on_board

    board = _board_arg(args)
    report = verify_on_board(compiled, Path(args.model).read_bytes(), sets, board, port=args.port,
                             serial=args.serial, builder=args.builder, trace=args.trace)
    if getattr(args, "json", False):
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(report.summary())
    if not report.ok and args.verbose:
        for d in report.divergences[:20]:
            print(f"  {d}")
    return 0 if report.ok else 1


def cmd_run(args) -> int:
    """Run input sets on a board (or the host build) and print the outputs and the cost of each invoke."""
    from micro.compiler import compile_model
    from micro.harness.verify import random_inputs

    model = _load(args.model)
    compiled = compile_model(model)
    g = compiled.graph
    sets = _input_sets(args.input or [], g)
    rng = np.random.default_rng(args.seed)
    sets += [random_inputs(g, rng) for _ in range(args.random)]
    if not sets:
        raise MicroError("nothing to run: give --input FILE.npy and/or --random N")
    results = []
    if args.board == "host" and not args.port:
        from micro.codegen import emit_c
        from micro.harness.host import HostModel
        host = HostModel(compiled, emit_c(compiled))
        for inputs in sets:
            outs, _ = host.run(inputs)
            results.append(dict(outputs=outs, instructions=None, cycles=None, stack_used=None))
        memory = None
    else:
        from micro.harness.board_verify import run_on_board
        runs, session = run_on_board(compiled, sets, _board_arg(args), port=args.port, serial=args.serial,
                                     builder=args.builder)
        for r in runs:
            results.append(dict(outputs=r.outputs, instructions=r.instructions, cycles=r.cycles,
                                stack_used=r.stack_used))
        memory = session.firmware.memory if session.firmware is not None else None
    if args.output:
        if len(results) == 1 and len(g.outputs) == 1:
            np.save(args.output, results[0]["outputs"][0])
        else:
            np.savez(args.output, **{f"set{k}_output{o}": y for k, r in enumerate(results)
                                     for o, y in enumerate(r["outputs"])})
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


def cmd_boards(args) -> int:
    from micro.boards import BOARDS
    if args.json:
        print(json.dumps({b.name: dict(description=b.description, cpu=b.cpu, cflags=list(b.cflags),
                                       flash_origin=b.flash_origin, flash_bytes=b.flash_bytes,
                                       ram_origin=b.ram_origin, ram_bytes=b.ram_bytes, serial=b.serial,
                                       emulator=b.emulator, upload=b.upload) for b in BOARDS.values()}, indent=2))
        return 0
    print(f"{'board':<12} {'cpu':<10} {'flash':>12} {'RAM':>10}  {'serial':<11} {'runs on':<28} description")
    for b in BOARDS.values():
        runs = b.emulator or "hardware"
        print(f"{b.name:<12} {b.cpu:<10} {b.flash_bytes // 1024:>9} KB {b.ram_bytes // 1024:>7} KB  {b.serial:<11} "
              f"{runs:<28} {b.description}")
    print("host: this machine (gcc build, the default of `micro verify`)")
    return 0


def cmd_firmware(args) -> int:
    """Build the firmware for a model and a board; print where it is and its flash/RAM."""
    from micro.compiler import compile_model
    from micro.harness.firmware import build_firmware, selftest_vectors
    from micro.harness.verify import random_inputs

    board = _board_arg(args)
    model = _load(args.model)
    compiled = compile_model(model)
    vectors = None
    variant = "harness"
    if args.selftest:
        rng = np.random.default_rng(args.seed)
        sets = _input_sets(args.input or [], compiled.graph) + [
            random_inputs(compiled.graph, rng) for _ in range(args.selftest)]
        vectors = selftest_vectors(compiled, sets, Path(args.model).read_bytes())
        variant = "selftest"
    fw = build_firmware(compiled, board, variant, vectors, builder=args.builder, out_dir=args.output)
    print(f"{fw.elf} ({variant} firmware for {board.name}, built with {fw.builder})")
    print(f"  {fw.memory.summary()}")
    if args.run:
        from micro.harness.qemu import run_selftest
        if variant != "selftest":
            raise MicroError("--run runs the self-test firmware: add --selftest N")
        res = run_selftest(fw)
        print(res.uart_text.strip())
        if res.instructions:
            print(f"  instructions per invoke: {', '.join(f'{n:,}' for n in res.instructions)}")
        return res.exit_code
    return 0


def cmd_plan(args) -> int:
    from micro.arena.report import plan_dict, plan_png, plan_table
    from micro.compiler import compile_model

    model = _load(args.model)
    compiled = compile_model(model, plan_options=dict(time_limit=args.time_limit))
    tflm = None
    if not args.no_oracle:
        from micro.harness.oracle import oracle_available, tflm_arena_bytes
        if oracle_available():
            tflm = tflm_arena_bytes(Path(args.model).read_bytes(), model)
    png = args.png or f"{compiled.name}_plan.png"
    if args.json:
        print(json.dumps(plan_dict(compiled.plan, compiled.graph, tflm), indent=2))
    else:
        print(plan_table(compiled.plan, tflm))
    if not args.no_png:
        plan_png(compiled.plan, png, f"{compiled.name}: arena {compiled.plan.arena_bytes} bytes")
        if not args.json:
            print(f"picture: {png}")
    return 0


def cmd_build(args) -> int:
    """`micro build`: a PlatformIO project for the board, budget-checked, built; flash and RAM from the ELF."""
    from micro.build import build_model
    out = args.output or f"build/{args.board}"
    build_model(args.model, args.board, out, framework=args.framework, labels=args.labels,
                ignore_budget=args.ignore_budget, library_name=args.name)
    where = "" if out == f"build/{args.board}" else f" -d {out}"
    print(f"next: micro flash --board {args.board}{where} --port PORT")
    return 0


def cmd_flash(args) -> int:
    """`micro flash`: PlatformIO upload (framework arduino); bare metal: how to flash the .bin at 0x10000."""
    from micro.build import flash
    res = flash(args.project or f"build/{args.board}", args.port, board=args.board)
    print(res.instructions)
    return 0


def cmd_export(args) -> int:
    """`micro export arduino`: the compiled model as an Arduino library .zip."""
    from micro.export_arduino import export_arduino
    export_arduino(args.model, args.output, board=args.board, labels=args.labels, name=args.name,
                   version=args.lib_version, author=args.author, maintainer=args.maintainer, url=args.url,
                   sample=args.sample)
    return 0


def cmd_ops(args) -> int:
    from micro.ops import supported_kinds
    print("\n".join(supported_kinds()))
    return 0


def _board_options(p) -> None:
    p.add_argument("--port", help="serial port of a real board running micro's harness firmware "
                   "(/dev/ttyACM0, socket://host:port); default: start the board's emulator")
    p.add_argument("--serial", choices=("socket", "pty"), default="socket",
                   help="how to reach the emulator's UART (default: socket)")
    p.add_argument("--builder", choices=("platformio", "gcc"), help="firmware build (default: platformio when available)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="micro", description="Compile int8 TFLite models to static C, "
                                "bit-exact with TensorFlow Lite Micro.")
    p.add_argument("--version", action="version", version=f"micro {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("compile", help="generate C (model, weights, kernels) from a .tflite model")
    c.add_argument("model")
    c.add_argument("-o", "--output", default="out", help="output directory (default: out)")
    c.add_argument("--no-oracle", action="store_true", help="do not run TFLM to compare arena sizes")
    c.add_argument("--labels", metavar="FILE", help="labels.txt for output 0 (header: <name>_labels[])")
    c.set_defaults(fn=cmd_compile)

    i = sub.add_parser("inspect", help="ops, shapes, MACs, weight and arena bytes")
    i.add_argument("model")
    i.add_argument("--json", action="store_true", help="machine-readable output")
    i.add_argument("--no-oracle", action="store_true", help="do not run TFLM to measure its arena")
    i.set_defaults(fn=cmd_inspect)

    v = sub.add_parser("verify", help="run generated code and TFLM on the same inputs; compare every tensor")
    v.add_argument("model")
    v.add_argument("--board", default="host", help="where to run the generated code (default: host)")
    v.add_argument("--input", action="append", metavar="FILE", help=".npy/.npz input set(s); repeatable")
    v.add_argument("--random", type=int, default=0, metavar="N", help="also run N random inputs")
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("-v", "--verbose", action="store_true", help="list every differing tensor")
    _board_options(v)
    v.add_argument("--json", action="store_true", help="board runs: machine-readable report")
    v.add_argument("--trace", action="store_true",
                   help="board runs: debug firmware that sends every intermediate tensor back for comparison")
    v.set_defaults(fn=cmd_verify)

    r = sub.add_parser("run", help="run a model on a board (or the host build); print outputs and cost")
    r.add_argument("model")
    r.add_argument("--board", default="host", help="board to run on (default: host); see `micro boards`")
    r.add_argument("--input", action="append", metavar="FILE", help=".npy/.npz input set(s); repeatable")
    r.add_argument("--random", type=int, default=0, metavar="N", help="also run N random inputs")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("-o", "--output", help="save the outputs (.npy for one, else .npz)")
    r.add_argument("--json", action="store_true", help="machine-readable output")
    _board_options(r)
    r.set_defaults(fn=cmd_run)

    b = sub.add_parser("boards", help="list the boards micro builds firmware for")
    b.add_argument("--json", action="store_true")
    b.set_defaults(fn=cmd_boards)

    f = sub.add_parser("firmware", help="build the firmware of a model for a board (harness or self-test)")
    f.add_argument("model")
    f.add_argument("--board", required=True, help="see `micro boards`")
    f.add_argument("-o", "--output", help="build folder (default: a cache folder)")
    f.add_argument("--selftest", type=int, default=0, metavar="N",
                   help="self-test firmware with N random test vectors (plus --input sets) embedded")
    f.add_argument("--input", action="append", metavar="FILE", help="inputs for the self-test vectors")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--run", action="store_true", help="run the self-test in QEMU (exit code 0 = PASS)")
    f.add_argument("--builder", choices=("platformio", "gcc"), help="default: platformio when available")
    f.set_defaults(fn=cmd_firmware)

    pl = sub.add_parser("plan", help="the arena plan: buffers, lifetimes, offsets, lower bound, picture")
    pl.add_argument("model")
    pl.add_argument("--json", action="store_true", help="print the plan as JSON")
    pl.add_argument("--png", help="where to write the picture (default: <model>_plan.png)")
    pl.add_argument("--no-png", action="store_true", help="do not write the picture")
    pl.add_argument("--time-limit", type=float, default=0.5, help="seconds for the placement search")
    pl.add_argument("--no-oracle", action="store_true", help="do not run TFLM to compare")
    pl.set_defaults(fn=cmd_plan)

    o = sub.add_parser("ops", help="list the TFLite ops micro supports")
    o.set_defaults(fn=cmd_ops)

    bd = sub.add_parser("build", help="a PlatformIO project for a board (model as a library), checked against "
                        "the board's flash and RAM, and built")
    bd.add_argument("model")
    bd.add_argument("--board", required=True, help="e.g. nano33ble; see `micro boards`")
    bd.add_argument("-o", "--output", help="project folder (default: build/<board>)")
    bd.add_argument("--framework", choices=("arduino", "baremetal"),
                    help="arduino (default: PlatformIO's nordicnrf52 platform, USB serial; needs the PlatformIO "
                         "registry once) or baremetal (offline, micro's own platform, UARTE0 on D0/D1)")
    bd.add_argument("--labels", metavar="FILE", help="labels.txt (one per line) for output 0, instead of the "
                    "model's own metadata")
    bd.add_argument("--name", help="name of the model's library under lib/ (default: from the model)")
    bd.add_argument("--ignore-budget", action="store_true", help="build even if the model does not fit")
    bd.set_defaults(fn=cmd_build)

    fl = sub.add_parser("flash", help="upload a `micro build` project to the board (arduino), or print how to "
                        "flash the bare-metal .bin")
    fl.add_argument("--board", required=True)
    fl.add_argument("--port", help="the board's serial port, e.g. /dev/ttyACM0")
    fl.add_argument("-d", "--project", help="the `micro build` folder (default: build/<board>)")
    fl.set_defaults(fn=cmd_flash)

    ex = sub.add_parser("export", help="package the compiled model for another toolchain (arduino: a library .zip)")
    ex.add_argument("target", choices=("arduino",))
    ex.add_argument("model")
    ex.add_argument("-o", "--output", help="the .zip (default: <Library>.zip); its stem names the library")
    ex.add_argument("--board", default="nano33ble", help="board whose kernel variant is used (default: nano33ble)")
    ex.add_argument("--labels", metavar="FILE", help="labels.txt for output 0, instead of the model's metadata")
    ex.add_argument("--name", help="library name (default: from -o, else from the model)")
    ex.add_argument("--version", dest="lib_version", help="library version (default: the metadata's, else 1.0.0)")
    ex.add_argument("--author", help="library.properties author (default: the metadata's, else micro)")
    ex.add_argument("--maintainer", help="library.properties maintainer (default: the author)")
    ex.add_argument("--url", help="library.properties url")
    ex.add_argument("--sample", metavar="FILE.npy", help="input for the Classify example (real values or "
                    "quantized integers; default: a fixed pseudo-random pattern)")
    ex.set_defaults(fn=cmd_export)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except MicroError as exc:
        print(f"micro: error: {exc}", file=sys.stderr)
        return 2
