"""The `micro` command line. Each command lives with its siblings in one module:

- `micro.cli.model_commands`: compile, inspect, plan, ops (the compiler, no board);
- `micro.cli.run_commands`: verify, run (on the host build or a board);
- `micro.cli.board_commands`: boards, firmware, build, flash, export (deployment);
- `micro.cli.profile_commands`: profile (per-op cost on an emulated board or the host).

Each module has `register(sub)`, adding its sub-commands with their handlers.
"""

from __future__ import annotations

import argparse
import sys

from micro import __version__
from micro.cli import board_commands, model_commands, profile_commands, run_commands
from micro.errors import MicroError, terminal_text

COMMAND_MODULES = (model_commands, run_commands, board_commands, profile_commands)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="micro", description="Compile int8 TFLite models to static C, "
                                "bit-exact with TensorFlow Lite Micro.")
    p.add_argument("--version", action="version", version=f"micro {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except MicroError as exc:
        print(terminal_text(f"micro: error: {exc}"), file=sys.stderr)
        return 2
    except OSError as exc:  # a file or device a command reads or writes, not handled where it is used
        where = f" ({exc.filename})" if exc.filename else ""
        print(terminal_text(f"micro: error: {exc.strerror or exc}{where}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("micro: interrupted", file=sys.stderr)
        return 130
