"""Fold a spatial PAD into the convolution that reads it: CONV_2D or DEPTHWISE_CONV_2D then reads the PAD's
input and pads by its own window geometry (leading pads grow, the kernels skip taps outside the image). The
padded tensor, as large as the PAD's input, is never stored.

Bit-exact because TFLM's convolutions add (input + input_offset) * filter only for taps inside the image, and
every padded element contributes exactly 0 where it is folded:
- int8: PAD writes the output zero point (PADV2: its constant, which TFLM requires to carry the output's
  zero point), the convolution's input_offset is minus that zero point;
- int16: the pad value must be 0 (TFLM's 16x8 convolutions apply no input offset).
Only pads of height and width (batch and channel pads are 0), a PAD whose input and output share scale and
zero point (the convolution's requantization is computed from its input tensor, then the PAD's input), and a
padded tensor that only this convolution reads. Average pooling is never folded: it divides by the number
of taps inside the image, which a folded pad would change.
"""

from __future__ import annotations

import copy

import numpy as np

from micro.ir import Graph, Op
from micro.ops.window import FOLDED_PAD

FOLDABLE_CONSUMERS = ("CONV_2D", "DEPTHWISE_CONV_2D")


def _spatial_pads(op: Op, g: Graph) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) of a PAD/PADV2 that pads only height and width with the value a folded
    convolution skips, else None."""
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    pads_t = g.t(op.inputs[1])
    if pads_t is None or pads_t.data is None or len(x.shape) != 4 or x.dtype not in ("int8", "int16"):
        return None
    pads = np.asarray(pads_t.data, dtype=np.int64).reshape(-1, 2)
    if pads.shape != (4, 2) or pads[0].any() or pads[3].any() or (pads < 0).any():
        return None
    if x.quant is None or y.quant is None or x.quant.per_channel or y.quant.per_channel:
        return None
    if x.quant.s != y.quant.s or x.quant.zp != y.quant.zp:
        return None
    value = y.quant.zp if x.dtype == "int8" else 0  # what the convolution's offset makes contribute 0
    cv = g.t(op.inputs[2]) if len(op.inputs) > 2 else None
    if cv is not None:
        if not cv.is_const or int(np.asarray(cv.data).ravel()[0]) != value:
            return None
    elif x.dtype == "int16" and y.quant.zp != 0:
        return None
    return int(pads[1][0]), int(pads[1][1]), int(pads[2][0]), int(pads[2][1])


def fold_pad(g: Graph) -> Graph:
    consumers = g.consumers()
    folded: dict[int, tuple[int, tuple]] = {}  # conv op index -> (PAD input tensor, pads)
    dropped: set[int] = set()
    for op in g.ops:
        if op.kind not in ("PAD", "PADV2"):
            continue
        padded = op.outputs[0]
        users = consumers.get(padded, [])
        if padded in g.outputs or len(users) != 1:
            continue
        conv = users[0]
        if conv.kind not in FOLDABLE_CONSUMERS or conv.inputs[0] != padded or padded in conv.inputs[1:]:
            continue
        if FOLDED_PAD in conv.options:
            continue
        pads = _spatial_pads(op, g)
        if pads is None or not any(pads):
            continue
        folded[conv.index] = (op.inputs[0], pads)
        dropped.add(op.index)
    if not folded:
        return g
    out = copy.copy(g)
    ops = []
    for op in g.ops:
        if op.index in dropped:
            continue
        if op.index in folded:
            src, pads = folded[op.index]
            op = Op(op.index, op.kind, op.version, [src, *op.inputs[1:]], list(op.outputs),
                    {**op.options, FOLDED_PAD: pads})
        ops.append(op)
    out.ops = ops
    return out
