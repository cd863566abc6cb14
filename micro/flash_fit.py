"""Fit a model's constant data into a flash budget: the packed convolution kernels carry their weights widened
to int16 (twice the model's int8 bytes) for speed; where the whole model's constants do not fit the budget,
the calls with the most to save go back to their compact form (KernelCall.compact: the reference kernel on
the model's int8 weights), largest saving first, until they fit or none is left.

    fit_flash(g, lowered, flash_budget) -> (lowered, constant bytes after)
    constant_bytes(g, lowered) -> int
"""

from __future__ import annotations

import numpy as np

from micro.ir import Graph
from micro.lowered import KernelCall, Lowered

COMPACT_NOTE = "compact weights (flash budget)"  # Lowered.notes of a call fit_flash swapped


def _param_bytes(value) -> int:
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, dict):
        return sum(_param_bytes(v) for v in value.values())
    return 0


def call_constant_bytes(g: Graph, call) -> int:
    """The flash a call's constants take: its params' arrays and its constant input tensors."""
    if not isinstance(call, KernelCall):
        return 0
    consts = {t for t in call.inputs if t is not None and g.tensors[t].is_const}
    return _param_bytes(call.params) + sum(g.tensors[t].nbytes for t in consts)


def constant_bytes(g: Graph, lowered: list[Lowered]) -> int:
    return sum(call_constant_bytes(g, low.call) for low in lowered)


def fit_flash(g: Graph, lowered: list[Lowered], flash_budget: int | None) -> tuple[list[Lowered], int]:
    total = constant_bytes(g, lowered)
    if flash_budget is None or total <= flash_budget:
        return lowered, total
    savings = sorted(((call_constant_bytes(g, low.call) - call_constant_bytes(g, low.call.compact), i)
                      for i, low in enumerate(lowered)
                      if isinstance(low.call, KernelCall) and low.call.compact is not None), reverse=True)
    out = list(lowered)
    for saved, i in savings:
        if total <= flash_budget or saved <= 0:
            break
        out[i] = Lowered(out[i].op, out[i].call.compact, out[i].notes + [COMPACT_NOTE])
        total -= saved
    return out, total
