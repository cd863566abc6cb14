"""`micro boards`, `firmware`, `build`, `flash`, `export`: everything after C generation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from micro.cli.model_commands import compile_for, ram_budget_of, schedule_arguments
from micro.cli.run_commands import board_arg
from micro.deploy.arduino.export import export_arduino
from micro.deploy.boards import BOARDS
from micro.deploy.build import build_model
from micro.deploy.firmware import build_firmware, selftest_vectors
from micro.deploy.flash import flash
from micro.deploy.qemu import run_selftest
from micro.deploy.xtensa_qemu import QEMU_XTENSA, is_xtensa_qemu
from micro.errors import MicroError
from micro.kernels.sets import HOST_BOARDS
from micro.frontend import load_model
from micro.patch import RamBudgetError
from micro.verify.compare import random_inputs
from micro.verify.inputs import load_input_sets


def _fmt_bytes(n: int) -> str:
    return f"{n // 1024} KB" if n % 1024 == 0 or n >= 64 * 1024 else f"{n / 1024:.1f} KB"


def _runs_here(b) -> str:
    """emulated (by what, and whether its tool is installed here) or hardware only."""
    emu = b.emulated().emulator or ""
    if not emu:
        return "hardware only"
    tool, _, machine = emu.partition(":")
    exe = {"qemu": "qemu-system-arm", "qemu-xtensa": QEMU_XTENSA, "simavr": "simavr"}.get(tool, tool)
    where = f"emulated: {tool} {machine}" + (f" (its own build on {b.qemu_stand_in}'s board support)" if b.qemu_stand_in else "")
    return where + ("" if shutil.which(exe) else f" ({exe} not installed)")


def cmd_boards(args) -> int:
    if args.json:
        print(json.dumps({b.name: dict(description=b.description, cpu=b.cpu, cflags=list(b.cflags),
                                       flash_origin=b.flash_origin, flash_bytes=b.flash_bytes,
                                       ram_origin=b.ram_origin, ram_bytes=b.ram_bytes, serial=b.serial,
                                       emulator=b.emulator, upload=b.upload,
                                       kernels="dsp" if b.dsp else "portable", runs_here=_runs_here(b),
                                       qemu_stand_in=b.qemu_stand_in) for b in BOARDS.values()}, indent=2))
        return 0
    print(f"{'board':<11} {'cpu':<11} {'flash':>8} {'RAM':>8}  {'kernels':<17} {'runs here':<46} description")
    for b in BOARDS.values():
        kernels = "Arm DSP paths" if b.dsp else "portable / hifi4" if is_xtensa_qemu(b) else "portable C"
        print(f"{b.name:<11} {b.cpu:<11} {_fmt_bytes(b.flash_bytes):>8} {_fmt_bytes(b.ram_bytes):>8}  {kernels:<17} "
              f"{_runs_here(b):<46} {b.description}")
    print("host: this machine (gcc build, the default of `micro verify`); "
          + ", ".join(f"{name}: the host build with the {kernels} kernels" for name, kernels in HOST_BOARDS.items()
                      if name != "host")
          + " (docs/hifi.md); real hardware: --port")
    return 0


def cmd_firmware(args) -> int:
    """Build the firmware for a model and a board; print where it is and its flash/RAM."""
    board = board_arg(args)
    model = load_model(args.model)
    compiled = compile_for(args, model, fallback=True)
    vectors = None
    variant = "harness"
    if args.selftest:
        rng = np.random.default_rng(args.seed)
        sets = load_input_sets(args.input or [], compiled.graph) + [
            random_inputs(compiled.graph, rng) for _ in range(args.selftest)]
        vectors = selftest_vectors(compiled, sets, Path(args.model).read_bytes())
        variant = "selftest"
    fw = build_firmware(compiled, board, variant, vectors, builder=args.builder, out_dir=args.output)
    print(f"{fw.elf} ({variant} firmware for {board.name}, built with {fw.builder})")
    print(f"  {fw.memory.summary()}")
    if args.run:
        if variant != "selftest":
            raise MicroError("--run runs the self-test firmware: add --selftest N")
        res = run_selftest(fw)
        print(res.uart_text.strip())
        if res.instructions:
            print(f"  instructions per invoke: {', '.join(f'{n:,}' for n in res.instructions)}")
        return res.exit_code
    return 0


def cmd_build(args) -> int:
    """`micro build`: a PlatformIO project for the board, budget-checked, built; flash and RAM from the ELF."""
    out = args.output or f"build/{args.board}"
    budget = None if args.ignore_budget and not args.ram_budget else ram_budget_of(args)
    options = dict(framework=args.framework, labels=args.labels, ignore_budget=args.ignore_budget,
                   library_name=args.name, patches=not args.no_patches)
    try:
        build_model(args.model, args.board, out, ram_budget=budget, **options)
    except RamBudgetError:
        if args.ram_budget:
            raise
        # The board's RAM is only the default target: when no schedule reaches it, build with the default
        # schedule and let the board's budget check say what is over (and --ignore-budget build anyway).
        build_model(args.model, args.board, out, ram_budget=None, **options)
    where = "" if out == f"build/{args.board}" else f" -d {out}"
    print(f"next: micro flash --board {args.board}{where} --port PORT")
    return 0


def cmd_flash(args) -> int:
    """`micro flash`: PlatformIO upload (framework arduino); bare metal: how to flash the .bin at 0x10000."""
    res = flash(args.project or f"build/{args.board}", args.port, board=args.board)
    print(res.instructions)
    return 0


def cmd_export(args) -> int:
    """`micro export arduino`: the compiled model as an Arduino library .zip."""
    export_arduino(args.model, args.output, board=args.board, labels=args.labels, name=args.name,
                   version=args.lib_version, author=args.author, maintainer=args.maintainer, url=args.url,
                   sample=args.sample)
    return 0


def register(sub) -> None:
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
    schedule_arguments(f, board=False)
    f.set_defaults(fn=cmd_firmware)

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
    schedule_arguments(bd, board=False)
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
    ex.add_argument("--board", default="nano33ble", help="board the library is made for: its name in the examples and "
                    "the kernels' DSP report (default: nano33ble)")
    ex.add_argument("--labels", metavar="FILE", help="labels.txt for output 0, instead of the model's metadata")
    ex.add_argument("--name", help="library name (default: from -o, else from the model)")
    ex.add_argument("--version", dest="lib_version", help="library version (default: the metadata's, else 1.0.0)")
    ex.add_argument("--author", help="library.properties author (default: the metadata's, else micro)")
    ex.add_argument("--maintainer", help="library.properties maintainer (default: the author)")
    ex.add_argument("--url", help="library.properties url, the project's page (required by the Arduino "
                    "specification; without it no url is written: micro invents none)")
    ex.add_argument("--sample", metavar="FILE.npy", help="input for the Classify example (real values or "
                    "quantized integers; default: a fixed pseudo-random pattern)")
    ex.set_defaults(fn=cmd_export)
