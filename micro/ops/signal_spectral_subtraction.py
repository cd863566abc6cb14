"""SignalFilterBankSpectralSubtraction, TFLM's signal custom op (tflite-micro
signal/micro/kernels/filter_bank_spectral_subtraction.cc, signal/src/filter_bank_spectral_subtraction.cc).

uint32 channels in; outputs the channels with their noise estimate subtracted and a copy of that estimate.
The estimate is the op's own state (micro.arena.state): num_channels uint32 kept between invokes, zeros after
init and after `<name>_reset()`, as TFLM's Prepare and its Reset function memset it
(filter_bank_spectral_subtraction.cc registers FilterBankSpectralSubtractionReset). The options' nine
entries are read by position (the alphabetical order of their keys), as TFLM reads them; the smoothing
coefficients arrive as int32 and are used as uint32. micro requires the three tensors to have num_channels
elements (TFLM reads and copies num_channels unchecked). The second output is TFLM's copy of the state
(KernelCall.state_mirror): verification compares the state with it after every invoke. and shifts TFLM does not leave undefined:
smoothing_bits in [0, 31] and spectral_subtraction_bits in [0, 63].
"""

from __future__ import annotations

from micro.ir import Graph, Op
from micro.kernels.signal_spectral_subtraction import SIGNAL_SPECTRAL_SUBTRACTION
from micro.lowered import KernelCall
from micro.ops.signal_common import label, range_problems, read_options, tensor_problems

KINDS = ("CUSTOM:SignalFilterBankSpectralSubtraction",)
TYPES = ("uint32",)
ARITY = {"CUSTOM:SignalFilterBankSpectralSubtraction": (1, 1, 2)}
OPTIONS = ("alternate_one_minus_smoothing", "alternate_smoothing", "clamping", "min_signal_remaining",
           "num_channels", "one_minus_smoothing", "smoothing", "smoothing_bits", "spectral_subtraction_bits")
STATE_ELEMENT_BYTES = 4  # the noise estimate is uint32


def check(op: Op, g: Graph) -> list[str]:
    x, (y, noise) = op.inputs[0], op.outputs
    opts, problems = read_options(op, OPTIONS)
    for t, role in ((x, "input"), (y, "output"), (noise, "noise estimate output")):
        problems += tensor_problems(g, t, role, "uint32", rank=1)
    if not opts:
        return problems
    n = opts["num_channels"]
    for t, role in ((x, "input"), (y, "output"), (noise, "noise estimate output")):
        if g.tensors[t].size != n:
            problems.append(f"{role} {label(g, t)} has {g.tensors[t].size} elements; num_channels is {n}")
    problems += range_problems("smoothing_bits", opts["smoothing_bits"], 0, 31, "a left shift of a uint32")
    problems += range_problems("spectral_subtraction_bits", opts["spectral_subtraction_bits"], 0, 63,
                               "a right shift of a uint64")
    return problems


def lower(op: Op, g: Graph) -> KernelCall:
    opts, _ = read_options(op, OPTIONS)
    n = opts["num_channels"]
    params = {k: opts[k] & 0xFFFFFFFF for k in OPTIONS if k not in ("num_channels", "clamping")}
    params.update(num_channels=n, clamping=int(opts["clamping"] != 0))
    return KernelCall(SIGNAL_SPECTRAL_SUBTRACTION, params, inputs=[op.inputs[0]], outputs=list(op.outputs),
                      state_bytes=STATE_ELEMENT_BYTES * n, state_mirror=1, macs=3 * n)
