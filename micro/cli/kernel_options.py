"""--kernels: the kernel set of the program a command builds (micro.kernels.sets), shared by the commands."""

from __future__ import annotations

from micro.errors import MicroError
from micro.kernels.sets import DEFAULT_KERNEL_SET, HOST_BOARDS, KERNEL_SETS


def add_kernels_argument(p) -> None:
    p.add_argument("--kernels", choices=list(KERNEL_SETS), default=None,
                   help="kernel set: " + "; ".join(f"{k}: {v}" for k, v in KERNEL_SETS.items())
                        + f" (default: {DEFAULT_KERNEL_SET}, or the set of a host board such as hifi4_emu)")


def kernel_set_for(args) -> str:
    """--kernels, else the kernel set of the host board named by --board (hifi4_emu: hifi4), else the default."""
    board_set = HOST_BOARDS.get(getattr(args, "board", None) or "")
    chosen = getattr(args, "kernels", None)
    if chosen and board_set and chosen != board_set and args.board != "host":
        raise MicroError(f"--board {args.board} is the host build with the {board_set} kernels; --kernels {chosen} "
                         f"contradicts it (use --board host --kernels {chosen})")
    return chosen or board_set or DEFAULT_KERNEL_SET
