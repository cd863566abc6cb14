"""TFLM's signal filter bank custom ops (tflite-micro signal/micro/kernels): SignalFilterBank,
SignalFilterBankSquareRoot and SignalFilterBankLog.

- SignalFilterBank: uint32 energy spectrum -> uint64 channels, with five int16 tensors (weights, unweights,
  channel frequency starts, channel weight starts, channel widths; the last three of num_channels + 1
  entries, channel 0 only carrying its unweighted sums into channel 1). TFLM indexes the spectrum and the
  weights with them unchecked; micro needs the last three constant and checks every run lies inside.
- SignalFilterBankSquareRoot: uint64 -> uint32, the rounded square root shifted right by the int32 scalar
  input (SignalFftAutoScale's scale bits), modulo 32 (micro.kernels.signal_filter_bank).
- SignalFilterBankLog: uint32 -> int16, output_scale * ln(input << input_correction_bits) (TFLM's Log32
  table), 0 for values up to 1, at most 32767.
"""

from __future__ import annotations

from micro.ir import Graph, Op
from micro.kernels.signal_filter_bank import (SIGNAL_FILTER_BANK, SIGNAL_FILTER_BANK_LOG,
                                              SIGNAL_FILTER_BANK_SQUARE_ROOT)
from micro.lowered import KernelCall
from micro.ops.movement import const_ints
from micro.ops.signal_common import const_problems, label, range_problems, read_options, tensor_problems

KINDS = ("CUSTOM:SignalFilterBank", "CUSTOM:SignalFilterBankSquareRoot", "CUSTOM:SignalFilterBankLog")
TYPES = ("uint32", "uint64")
ARITY = {"CUSTOM:SignalFilterBank": (6, 6, 1), "CUSTOM:SignalFilterBankSquareRoot": (2, 2, 1),
         "CUSTOM:SignalFilterBankLog": (1, 1, 1)}
FILTER_BANK_OPTIONS = ("num_channels",)                     # filter_bank.cc kNumChannelsIndex
LOG_OPTIONS = ("input_correction_bits", "output_scale")     # filter_bank_log.cc
CHANNEL_ROLES = ("channel frequency starts", "channel weight starts", "channel widths")


def check(op: Op, g: Graph) -> list[str]:
    return {"CUSTOM:SignalFilterBank": _check_filter_bank, "CUSTOM:SignalFilterBankSquareRoot": _check_square_root,
            "CUSTOM:SignalFilterBankLog": _check_log}[op.kind](op, g)


def lower(op: Op, g: Graph) -> KernelCall:
    return {"CUSTOM:SignalFilterBank": _lower_filter_bank, "CUSTOM:SignalFilterBankSquareRoot": _lower_square_root,
            "CUSTOM:SignalFilterBankLog": _lower_log}[op.kind](op, g)


def _check_filter_bank(op: Op, g: Graph) -> list[str]:
    x, weights, unweights, *channels = op.inputs
    y = op.outputs[0]
    opts, problems = read_options(op, FILTER_BANK_OPTIONS)
    problems += tensor_problems(g, x, "input", "uint32", rank=1) + tensor_problems(g, y, "output", "uint64", rank=1)
    for t, role in zip([weights, unweights, *channels], ("weights", "unweights", *CHANNEL_ROLES)):
        problems += tensor_problems(g, t, role, "int16", rank=1)
    for t, role in zip(channels, CHANNEL_ROLES):
        problems += const_problems(g, t, role)
    if problems:
        return problems
    n = opts["num_channels"]
    if g.tensors[y].size != n:
        problems.append(f"output {label(g, y)} has {g.tensors[y].size} elements; num_channels is {n}")
    for t, role in zip(channels, CHANNEL_ROLES):
        if g.tensors[t].size < n + 1:
            problems.append(f"{role} {label(g, t)} has {g.tensors[t].size} elements; num_channels + 1 = {n + 1} "
                            "are read")
    if problems:
        return problems
    freq, wstart, width = (const_ints(g, t)[:n + 1] for t in channels)
    n_in, n_w = g.tensors[x].size, min(g.tensors[weights].size, g.tensors[unweights].size)
    for i in range(n + 1):
        if width[i] <= 0:
            continue
        if not (0 <= freq[i] and freq[i] + width[i] <= n_in):
            problems.append(f"channel {i} reads input bins [{freq[i]}, {freq[i] + width[i]}) outside the "
                            f"{n_in}-element input {label(g, x)}")
        if not (0 <= wstart[i] and wstart[i] + width[i] <= n_w):
            problems.append(f"channel {i} reads weights [{wstart[i]}, {wstart[i] + width[i]}) outside the "
                            f"{n_w}-element weights and unweights")
    return problems


def _lower_filter_bank(op: Op, g: Graph) -> KernelCall:
    opts, _ = read_options(op, FILTER_BANK_OPTIONS)
    n = opts["num_channels"]
    widths = const_ints(g, op.inputs[5])[:n + 1]
    weights = [const_ints(g, t) for t in op.inputs[1:3]]
    unsigned = all(w is not None and min(w) >= 0 for w in weights)
    return KernelCall(SIGNAL_FILTER_BANK, dict(num_channels=n, unsigned_weights=int(unsigned)), inputs=list(op.inputs),
                      outputs=[op.outputs[0]], macs=2 * sum(w for w in widths if w > 0))


def _check_square_root(op: Op, g: Graph) -> list[str]:
    x, bits = op.inputs
    y = op.outputs[0]
    problems = tensor_problems(g, x, "input", "uint64", rank=1) + tensor_problems(g, y, "output", "uint32", rank=1)
    problems += tensor_problems(g, bits, "scale bits", "int32", rank=0)
    if g.tensors[y].size != g.tensors[x].size:
        problems.append(f"output {label(g, y)} has {g.tensors[y].size} elements; the input has {g.tensors[x].size}")
    return problems


def _lower_square_root(op: Op, g: Graph) -> KernelCall:
    n = g.tensors[op.inputs[0]].size
    return KernelCall(SIGNAL_FILTER_BANK_SQUARE_ROOT, dict(size=n), inputs=list(op.inputs), outputs=[op.outputs[0]],
                      macs=n, overlap_ok=(0,))


def _check_log(op: Op, g: Graph) -> list[str]:
    x, y = op.inputs[0], op.outputs[0]
    opts, problems = read_options(op, LOG_OPTIONS)
    problems += tensor_problems(g, x, "input", "uint32", rank=1) + tensor_problems(g, y, "output", "int16", rank=1)
    if opts:
        problems += range_problems("input_correction_bits", opts["input_correction_bits"], 0, 31,
                                   "a left shift of a uint32")
    if g.tensors[y].size != g.tensors[x].size:
        problems.append(f"output {label(g, y)} has {g.tensors[y].size} elements; the input has {g.tensors[x].size}")
    return problems


def _lower_log(op: Op, g: Graph) -> KernelCall:
    opts, _ = read_options(op, LOG_OPTIONS)
    n = g.tensors[op.inputs[0]].size
    return KernelCall(SIGNAL_FILTER_BANK_LOG, dict(size=n, input_correction_bits=opts["input_correction_bits"],
                                                   output_scale=opts["output_scale"] & 0xFFFFFFFF),
                      inputs=[op.inputs[0]], outputs=[op.outputs[0]], macs=n, overlap_ok=(0,))
