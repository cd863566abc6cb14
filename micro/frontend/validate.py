"""Validation of a model read from an untrusted .tflite file, before anything else looks at it.

A .tflite file is untrusted input: any index may point anywhere, any count may be absurd. The reader
(micro.frontend.tflite_reader) checks what it must to build the IR at all (every vector inside the file,
buffers inside the file and matching their tensor's size, known opcodes); `validate_model` then checks the
IR it built, so that every later stage (passes, op checks, lowering, the arena plan, codegen, the generated
C with its int32 sizes and offsets) may take these facts for granted:

- every tensor index an op or a subgraph names exists; an op output is never omitted (-1), never constant,
  never a graph input, and written by one op only; every tensor an op reads is a constant, a variable, a
  graph input or written by an earlier op; the main subgraph has at least one input and one output;
- every tensor an op or a subgraph uses has rank <= MAX_RANK, dimensions in [1, MAX_DIM], a known dtype,
  and at most MAX_TENSOR_BYTES bytes (so element and byte counts fit the generated C's int32);
- quantization parameters are finite; non-constant tensors have positive scales; there is one zero point
  per scale (or one for all); the quantized dimension exists;
- generic option bounds (op-specific limits stay in each op module's `check`): strides, dilations, filter
  sizes and depth multipliers in [1, MAX_WINDOW]; an `axis` option inside [-R, R) for the op's largest
  rank R; float options finite; padding and fused activation known.

Every problem names the subgraph, the op (index and kind), the tensor (index and name) and the field;
all of them are reported at once in one InvalidModelError.
"""

from __future__ import annotations

import math

import numpy as np

from micro.dtypes import DTYPE_BYTES, INT32_MAX
from micro.errors import InvalidModelError
from micro.ir import Graph, Model, Op, Tensor

MAX_RANK = 6                 # TFLM RuntimeShape and its reference kernels go up to 6-D
MAX_DIM = INT32_MAX
MAX_TENSOR_BYTES = INT32_MAX  # the generated C sizes and offsets are int32
MAX_WINDOW = 1 << 15         # strides, dilations, filter sizes: far above any model, far below int32 overflow
WINDOW_OPTIONS = ("stride_h", "stride_w", "stride_d", "dilation_h_factor", "dilation_w_factor",
                  "dilation_d_factor", "filter_height", "filter_width", "filter_depth", "depth_multiplier")
PADDINGS = ("SAME", "VALID")
ACTIVATIONS = ("NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT")


def tensor_label(t: Tensor) -> str:
    return f"tensor {t.index} '{t.name}'"


def op_label(op: Op) -> str:
    return f"op #{op.index} {op.kind}"


def validate_model(model: Model) -> None:
    """Raise InvalidModelError naming every problem of the model's structure (see the module docstring)."""
    problems: list[str] = []
    for g in model.subgraphs:
        where = f"subgraph {g.subgraph_index}: " if len(model.subgraphs) > 1 else ""
        problems += [where + p for p in graph_problems(g)]
    if problems:
        raise InvalidModelError(model.name, problems)


def graph_problems(g: Graph) -> list[str]:
    problems = _index_problems(g)
    if problems:  # nothing below may index a tensor that does not exist
        return problems
    used = sorted({i for op in g.ops for i in (*op.inputs, *op.outputs) if i is not None}
                  | set(g.inputs) | set(g.outputs))
    for i in used:
        problems += tensor_problems(g.tensors[i])
    problems += _dataflow_problems(g)
    if not problems:
        for op in g.ops:
            problems += [f"{op_label(op)}: {p}" for p in option_problems(op, g)]
    return problems


def _index_problems(g: Graph) -> list[str]:
    n = len(g.tensors)
    problems = []
    for op in g.ops:
        for role, idxs in (("input", op.inputs), ("output", op.outputs)):
            for k, i in enumerate(idxs):
                if i is None:
                    if role == "output":
                        problems.append(f"{op_label(op)}: output {k} is omitted (-1); every output must be a tensor")
                elif not 0 <= i < n:
                    problems.append(f"{op_label(op)}: {role} {k} names tensor {i}, but the subgraph has {n} "
                                    f"tensors (0..{n - 1}); the file is corrupt")
    for role, idxs in (("input", g.inputs), ("output", g.outputs)):
        for k, i in enumerate(idxs):
            if not 0 <= i < n:
                problems.append(f"graph {role} {k} names tensor {i}, but the subgraph has {n} tensors; "
                                "the file is corrupt")
        if not idxs and g.subgraph_index == 0:
            problems.append(f"the subgraph has no {role}s; micro compiles models with at least one input and "
                            "one output")
    return problems


def tensor_problems(t: Tensor) -> list[str]:
    what = tensor_label(t)
    if t.dtype not in DTYPE_BYTES:
        return [f"{what} has an unknown type ({t.dtype})"]
    if len(t.shape) > MAX_RANK:
        return [f"{what} has rank {len(t.shape)}; at most {MAX_RANK} dimensions are supported (TFLM)"]
    bad = [d for d in t.shape if not 1 <= d <= MAX_DIM]
    if bad:
        return [f"{what} has shape {list(t.shape)}: every dimension must be in [1, {MAX_DIM}] "
                "(no empty, dynamic or negative dimensions)"]
    if t.nbytes > MAX_TENSOR_BYTES:
        return [f"{what} of shape {list(t.shape)} ({t.dtype}) needs {t.nbytes} bytes; the generated C "
                f"addresses at most {MAX_TENSOR_BYTES} bytes (int32) per tensor"]
    return quant_problems(t)


def quant_problems(t: Tensor) -> list[str]:
    q = t.quant
    if q is None:
        return []
    what = tensor_label(t)
    problems = []
    scale = np.asarray(q.scale, dtype=np.float64)
    if not np.all(np.isfinite(scale)):
        problems.append(f"{what}: quantization scale is not finite ({scale[~np.isfinite(scale)][0]})")
    elif not t.is_const and np.any(scale <= 0):
        problems.append(f"{what}: quantization scale {scale[scale <= 0][0]} must be positive")
    elif np.any(scale < 0):
        problems.append(f"{what}: quantization scale {scale[scale < 0][0]} is negative")
    if q.zero_point.size not in (1, scale.size):
        problems.append(f"{what}: {q.zero_point.size} zero points for {scale.size} scales")
    elif np.any(np.abs(q.zero_point) > INT32_MAX):
        problems.append(f"{what}: zero point {int(q.zero_point[np.abs(q.zero_point) > INT32_MAX][0])} "
                        "does not fit int32")
    if scale.size > 1 and not (0 <= q.axis < len(t.shape) and t.shape[q.axis] == scale.size):
        problems.append(f"{what}: {scale.size} per-channel scales, but quantized_dimension {q.axis} of shape "
                        f"{list(t.shape)} does not have that many channels")
    return problems


def _dataflow_problems(g: Graph) -> list[str]:
    """Each tensor is written once, by an op, before any op reads it; constants and inputs are never written."""
    problems = []
    written: dict[int, Op] = {}
    inputs = set(g.inputs)
    for i in g.inputs:
        if g.tensors[i].is_const:
            problems.append(f"graph input {tensor_label(g.tensors[i])} is a constant")
    for op in g.ops:
        for i in op.inputs:
            if i is None:
                continue
            t = g.tensors[i]
            if not (t.is_const or t.is_variable or i in inputs or i in written):
                problems.append(f"{op_label(op)} reads {tensor_label(t)}, which is not a constant, not a graph "
                                "input and not written by an earlier op")
        for i in op.outputs:
            t = g.tensors[i]
            if t.is_const:
                problems.append(f"{op_label(op)} writes {tensor_label(t)}, which is a constant")
            elif i in inputs:
                problems.append(f"{op_label(op)} writes graph input {tensor_label(t)}")
            elif i in written:
                problems.append(f"{op_label(op)} writes {tensor_label(t)}, already written by "
                                f"{op_label(written[i])}")
            else:
                written[i] = op
    for i in g.outputs:
        if i not in written and i not in inputs and not g.tensors[i].is_const:
            problems.append(f"graph output {tensor_label(g.tensors[i])} is written by no op")
    return problems


def option_problems(op: Op, g: Graph) -> list[str]:
    """Generic bounds of builtin options, whatever the op (op modules check their own limits)."""
    problems = []
    rank = max((len(g.tensors[i].shape) for i in (*op.inputs, *op.outputs) if i is not None), default=0)
    for key, value in op.options.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(f"option {key} = {value} is not finite")
        elif key in WINDOW_OPTIONS and isinstance(value, int) and not 1 <= value <= MAX_WINDOW:
            problems.append(f"option {key} = {value} must be in [1, {MAX_WINDOW}]")
        elif key == "axis" and isinstance(value, int) and not -max(rank, 1) <= value < max(rank, 1):
            problems.append(f"option axis = {value} is outside [{-max(rank, 1)}, {max(rank, 1)}) for the "
                            f"op's tensors of rank up to {rank}")
        elif key == "padding" and value not in PADDINGS:
            problems.append(f"option padding = {value} is not one of {', '.join(PADDINGS)}")
        elif key == "fused_activation_function" and value not in ACTIVATIONS:
            problems.append(f"option fused_activation_function = {value} is not a TFLite activation")
    return problems
