"""Kernel sets: which C file implements each kernel in a program. One choice per program, made at compile
time (`micro compile --kernels NAME`, `compile_model(..., kernel_set=NAME)`); the lowering, the generated
calls and every kernel's ABI are the same in every set, only the compiled sources differ
(micro.kernels.abi.Kernel.variants, picked by micro.codegen.kernel_header.kernel_sources).

    portable   the default: C99 everywhere; kernels with an Arm DSP path inside compile it where the CPU flags
               define __ARM_FEATURE_DSP (micro.deploy.kernels)
    hifi4      Cadence HiFi 4 variants of the multiply-accumulate kernels (mn_*_hifi4.c): the real intrinsics
               on a HiFi 4 core, micro's exact emulation of them (mn_hifi_emu.h) everywhere else; the other
               kernels as in portable (docs/hifi.md)

Host builds stand for a board named after the set they use (`micro verify MODEL --board hifi4_emu`)."""

from __future__ import annotations

from micro.errors import MicroError

DEFAULT_KERNEL_SET = "portable"
KERNEL_SETS = {
    "portable": "portable C99 (Arm DSP paths where the CPU has the extension)",
    "hifi4": "Cadence HiFi 4 intrinsics (emulated in exact integer C off a HiFi 4 core) for CONV_2D, "
             "DEPTHWISE_CONV_2D, FULLY_CONNECTED, SVDF and UNIDIRECTIONAL_SEQUENCE_LSTM int8; portable C for the rest",
}
# host builds run by `micro verify/run --board NAME`: the board name -> its kernel set
HOST_BOARDS = {"host": "portable", "hifi4_emu": "hifi4"}


def check_kernel_set(name: str) -> str:
    """`name` when it is a kernel set, else a MicroError listing them."""
    if name not in KERNEL_SETS:
        known = "; ".join(f"{k}: {v}" for k, v in KERNEL_SETS.items())
        raise MicroError(f"unknown kernel set '{name}': the kernel sets are {known}")
    return name
