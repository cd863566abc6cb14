"""SignalWindow, TFLM's signal custom op (tflite-micro signal/micro/kernels/window.cc, signal/src/window.cc).

Inputs: int16 samples (any rank) and an int16 window (rank 1); output int16 like the input; option `shift`.
Every window_size run of the flattened input is multiplied by the window, shifted right and saturated.
TFLM does not check that the input is a whole number of windows (its Eval then runs past the tensors):
micro requires it, and a shift in [0, 31] (a C++ shift by more is undefined).
"""

from __future__ import annotations

from micro.ir import Graph, Op
from micro.kernels.signal_window import SIGNAL_WINDOW
from micro.lowered import KernelCall
from micro.ops.signal_common import label, range_problems, read_options, tensor_problems

KINDS = ("CUSTOM:SignalWindow",)
TYPES = ("int16",)
ARITY = {"CUSTOM:SignalWindow": (2, 2, 1)}
OPTIONS = ("shift",)  # FlexBuffers map positions TFLM reads (window.cc kShiftIndex)


def check(op: Op, g: Graph) -> list[str]:
    x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
    opts, problems = read_options(op, OPTIONS)
    problems += tensor_problems(g, x, "input", "int16") + tensor_problems(g, w, "weights", "int16", rank=1)
    problems += tensor_problems(g, y, "output", "int16", rank=len(g.tensors[x].shape))
    if opts:
        problems += range_problems("shift", opts["shift"], 0, 31, "a right shift of an int32 product")
    n, window = g.tensors[x].size, g.tensors[w].size
    if n % window:
        problems.append(f"input {label(g, x)} has {n} elements, not a multiple of the {window}-element window "
                        f"{label(g, w)} (TFLM would read and write past the tensors)")
    if g.tensors[y].size != n:
        problems.append(f"output {label(g, y)} has {g.tensors[y].size} elements; the input has {n}")
    return problems


def lower(op: Op, g: Graph) -> KernelCall:
    x, w = op.inputs
    opts, _ = read_options(op, OPTIONS)
    n = g.tensors[x].size
    return KernelCall(SIGNAL_WINDOW, dict(size=n, window_size=g.tensors[w].size, shift=opts["shift"]),
                      inputs=[x, w], outputs=[op.outputs[0]], macs=n, overlap_ok=(0,))
