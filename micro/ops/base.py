"""What an op module returns: a kernel call (or an alias) the planner and codegen consume.

Each supported op has one module in `micro.ops` named after it
(`micro/ops/conv_2d.py` for CONV_2D) that defines:

    KIND: str                      the TFLite builtin name
    check(op, g) -> list[str]      problems that make the op unsupported ([] when fine)
    lower(op, g) -> KernelCall | Alias

`lower` performs TFLM's Prepare step (quantization multipliers, clamps,
padding, lookup tables) in Python so the C kernel only receives constants.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from micro.ir import Graph, Op


@dataclass
class KernelCall:
    """One call in the generated invoke():

        func(&params, <inputs...>, <outputs...>[, scratch])

    - params: ordered {field: int | np.ndarray}; ints become struct fields,
      arrays become `static const` arrays referenced by pointer fields. The
      order and C types must match `params_type` in mn_kernels.h.
    - inputs: tensor indices (None passes NULL, e.g. an absent bias).
    - outputs: tensor indices.
    - scratch_bytes: size of a scratch buffer passed last (planned in the arena).
    - overlap_ok: input positions (into `inputs`) whose storage the output may
      share (in-place); the planner never assumes more than this.
    """

    func: str
    source: str
    params_type: str | None
    params: dict
    inputs: list[int | None]
    outputs: list[int]
    scratch_bytes: int = 0
    macs: int = 0
    overlap_ok: tuple[int, ...] = ()
    extra_sources: tuple[str, ...] = ()


@dataclass
class Alias:
    """The op's output is a view of its input: no code, shared storage."""

    src: int
    dst: int
    macs: int = 0


@dataclass
class Lowered:
    op: Op
    call: KernelCall | Alias
    notes: list[str] = field(default_factory=list)


def opt(op: Op, key: str, default=None):
    return op.options.get(key, default)


def int_array(values, dtype=np.int32) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(values, dtype=dtype).ravel())


def require_int8(op: Op, g: Graph, positions=None, dtypes=("int8",)) -> list[str]:
    """Problems if any listed input/output tensor is not of the accepted dtypes."""
    problems = []
    idxs = [i for i in op.inputs if i is not None] if positions is None else [
        op.inputs[p] for p in positions if p < len(op.inputs) and op.inputs[p] is not None]
    for t_idx in list(idxs) + list(op.outputs):
        t = g.tensors[t_idx]
        if t.dtype not in dtypes:
            problems.append(f"tensor {t_idx} '{t.name}' is {t.dtype}, supported: {', '.join(dtypes)}")
    return problems


def compute_padding(padding: str, in_size: int, filter_size: int, stride: int,
                    dilation: int = 1) -> tuple[int, int]:
    """TFLite ComputePaddingHeightWidth for one axis: (output size, leading pad).

    SAME: out = ceil(in / stride); VALID: out = ceil((in - eff_filter + 1) / stride).
    The leading pad is max(0, ((out-1)*stride + eff_filter - in) // 2), as TFLite.
    """
    eff = (filter_size - 1) * dilation + 1
    if padding == "SAME":
        out = (in_size + stride - 1) // stride
    elif padding == "VALID":
        out = (in_size - eff + stride) // stride
    else:
        raise ValueError(f"unknown padding {padding}")
    total = max(0, (out - 1) * stride + eff - in_size)
    return out, total // 2


def fused_activation(op: Op) -> str:
    return op.options.get("fused_activation_function", "NONE") or "NONE"
