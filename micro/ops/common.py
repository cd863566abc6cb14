"""Helpers every op module uses: options, dtype and activation checks.

An op module (one per TFLite op family, listed in micro.ops.OP_MODULES) defines

    KINDS: tuple[str, ...]          the TFLite builtin names it handles
    TYPES: tuple[str, ...]          the activation dtypes it compiles ("int8", "int16", ...): what
                                    `micro ops` and docs/ops.md list for each of its KINDS (check()
                                    still names the exact combinations, e.g. int16 x int8 weights)
    ARITY: dict[str, tuple]         per kind (min inputs, max inputs, outputs), checked before `check` runs
                                    so that `check` may index its required tensors (DEFAULT_ARITY if absent)
    check(op, g) -> list[str]       why the op is unsupported ([] when fine)
    lower(op, g) -> KernelCall | Alias    (micro.lowered; TFLM's Prepare done in Python)
and optionally
    fold(op, g) -> list[np.ndarray] | None   the outputs, computed at compile time, when every input is
                                    constant (micro.passes.fold_constants); None: not foldable
"""

from __future__ import annotations

import numpy as np

from micro.ir import Graph, Op

# Without an ARITY entry an op must have a first input and at least one output.
DEFAULT_ARITY = (1, None, None)

# The fused activations TFLM's integer kernels implement as a clamp (micro.quant.activation_range).
CLAMP_ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")
# TFLM's 64-bit MultiplyByQuantizedMultiplier asserts shift < 8 (common.cc): multipliers below 2^7.
MAX_SHIFT_INT64_REQUANT = 7
TENSOR_TYPE_INT32 = 2  # tflite.TensorType.INT32 (an op's quantized_bias_type option)


def opt(op: Op, key: str, default=None):
    return op.options.get(key, default)


def arity_problems(op: Op, arity: tuple[int, int | None, int | None]) -> list[str]:
    """Problems unless the op has from min to max inputs, the first `min` of them present (not -1), and the
    given number of outputs (None: any number, at least one)."""
    lo, hi, outputs = arity
    n = len(op.inputs)
    expect = f"{lo}" if hi == lo else f"{lo} or more" if hi is None else f"{lo} to {hi}"
    problems = []
    if n < lo or (hi is not None and n > hi):
        problems.append(f"has {n} inputs; {op.kind} takes {expect}")
    else:
        problems += [f"input {k} is omitted (-1) but required" for k in range(lo) if op.inputs[k] is None]
    if outputs is not None and len(op.outputs) != outputs:
        problems.append(f"has {len(op.outputs)} outputs; {op.kind} has {outputs}")
    elif outputs is None and not op.outputs:
        problems.append("has no output")
    return problems


def fused_activation(op: Op) -> str:
    return op.options.get("fused_activation_function", "NONE") or "NONE"


def activation_problems(op: Op) -> list[str]:
    act = fused_activation(op)
    if act not in CLAMP_ACTIVATIONS:
        return [f"fused activation {act} is not supported (supported: {', '.join(CLAMP_ACTIVATIONS)})"]
    return []


def require_dtypes(op: Op, g: Graph, positions=None, dtypes=("int8",)) -> list[str]:
    """Problems if any listed input (all inputs when positions is None) or any output is not of the
    accepted dtypes."""
    problems = []
    idxs = [i for i in op.inputs if i is not None] if positions is None else [
        op.inputs[p] for p in positions if p < len(op.inputs) and op.inputs[p] is not None]
    for t_idx in list(idxs) + list(op.outputs):
        t = g.tensors[t_idx]
        if t.dtype not in dtypes:
            problems.append(f"tensor {t_idx} '{t.name}' is {t.dtype}, supported: {', '.join(dtypes)}")
    return problems


def per_tensor_problems(g: Graph, tensors) -> list[str]:
    """Problems unless every tensor has per-tensor quantization."""
    problems = []
    for t_idx in tensors:
        t = g.tensors[t_idx]
        if t.quant is None:
            problems.append(f"tensor {t_idx} '{t.name}' is not quantized")
        elif t.quant.per_channel:
            problems.append(f"tensor {t_idx} '{t.name}' is per-channel quantized; per-tensor is required")
    return problems


def dtype_combination_problems(op: Op, g: Graph, roles: dict[str, int], accepted) -> list[str]:
    """One problem unless the dtypes of the op's tensors match one accepted combination.

    roles: {role name: input position, or -1 - k for output k}; accepted: a sequence of
    {role: dtype or tuple of dtypes}; an absent optional input matches any role it lacks (None)."""
    actual = {}
    for role, pos in roles.items():
        idx = op.outputs[-1 - pos] if pos < 0 else (op.inputs[pos] if pos < len(op.inputs) else None)
        actual[role] = None if idx is None else g.tensors[idx].dtype

    def fits(combo) -> bool:
        for role, want in combo.items():
            want = (want,) if isinstance(want, str) else tuple(want)
            if actual.get(role) is not None and actual[role] not in want:
                return False
        return True

    if any(fits(c) for c in accepted):
        return []
    have = ", ".join(f"{r} {d}" for r, d in actual.items() if d is not None)
    options = " or ".join("(" + ", ".join(f"{r} {'/'.join((w,) if isinstance(w, str) else w)}"
                                          for r, w in c.items()) + ")" for c in accepted)
    return [f"dtypes {have}: not a combination TFLM runs; supported: {options} (convert the model with "
            "full-integer int8 or 16x8 quantization)"]


def int32_accumulation(op: Op, g: Graph) -> bool:
    """TFLM's 16x8 CONV_2D and FULLY_CONNECTED accumulate in int32 when the bias is int32, or when
    there is no bias and the op's quantized_bias_type option says INT32; otherwise in int64."""
    b = g.t(op.inputs[2]) if len(op.inputs) > 2 else None
    if b is not None:
        return b.dtype == "int32"
    return int(opt(op, "quantized_bias_type", 0) or 0) == TENSOR_TYPE_INT32


def int64_requant_problems(shift) -> list[str]:
    worst = int(np.max(shift)) if np.size(shift) else 0
    if worst > MAX_SHIFT_INT64_REQUANT:
        return [f"an output multiplier of 2^{worst - 1} or more (input scale x filter scale / output scale): "
                f"TFLM's 64-bit requantization of 16x8 ops requires it below 2^{MAX_SHIFT_INT64_REQUANT}"]
    return []
