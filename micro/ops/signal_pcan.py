"""SignalPCAN, TFLM's signal custom op (tflite-micro signal/micro/kernels/pcan.cc, signal/src/pcan_argc_fixed.cc):
per-channel energy normalization (automatic gain control). Stateless: the noise estimate it divides by is its
second input (SignalFilterBankSpectralSubtraction's second output, which carries the state).

Inputs: uint32 channels, uint32 noise estimate, int16 gain table; output uint32; option snr_shift. TFLM reads
up to entry 124 of the table (4 * 32 - 6 + 2 for the largest estimates) and num_channels noise estimates
unchecked: micro requires them, the output the size of the input, and snr_shift in [0, 63].
"""

from __future__ import annotations

from micro.ir import Graph, Op
from micro.kernels.signal_pcan import SIGNAL_PCAN
from micro.lowered import KernelCall
from micro.ops.signal_common import label, range_problems, read_options, tensor_problems

KINDS = ("CUSTOM:SignalPCAN",)
TYPES = ("uint32",)
ARITY = {"CUSTOM:SignalPCAN": (3, 3, 1)}
OPTIONS = ("snr_shift",)  # pcan.cc kSnrShiftIndex
GAIN_LUT_ENTRIES = 125    # WideDynamicFunction reads lut[4 * interval - 6 + 2] for intervals up to 32


def check(op: Op, g: Graph) -> list[str]:
    x, noise, lut = op.inputs
    y = op.outputs[0]
    opts, problems = read_options(op, OPTIONS)
    problems += tensor_problems(g, x, "input", "uint32", rank=1)
    problems += tensor_problems(g, noise, "noise estimate", "uint32", rank=1)
    problems += tensor_problems(g, lut, "gain table", "int16", rank=1)
    problems += tensor_problems(g, y, "output", "uint32", rank=1)
    if opts:
        problems += range_problems("snr_shift", opts["snr_shift"], 0, 63, "a right shift of a uint64")
    n = g.tensors[x].size
    if g.tensors[y].size != n:
        problems.append(f"output {label(g, y)} has {g.tensors[y].size} elements; the input has {n}")
    if g.tensors[noise].size < n:
        problems.append(f"noise estimate {label(g, noise)} has {g.tensors[noise].size} elements; the input has {n}")
    if g.tensors[lut].size < GAIN_LUT_ENTRIES:
        problems.append(f"gain table {label(g, lut)} has {g.tensors[lut].size} elements; TFLM reads up to "
                        f"{GAIN_LUT_ENTRIES}")
    return problems


def lower(op: Op, g: Graph) -> KernelCall:
    opts, _ = read_options(op, OPTIONS)
    n = g.tensors[op.inputs[0]].size
    return KernelCall(SIGNAL_PCAN, dict(num_channels=n, snr_shift=opts["snr_shift"]), inputs=list(op.inputs),
                      outputs=[op.outputs[0]], macs=2 * n, overlap_ok=(0,))
