"""Prove generated code bit-exact against TFLM: outputs and every intermediate tensor."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from micro.codegen import emit_c
from micro.compiler import Compiled, compile_model
from micro.dtypes import BUFFER_DTYPES
from micro.frontend import read_model
from micro.frontend.tflite_reader import c_identifier
from micro.ir import Graph
from micro.kernels.sets import DEFAULT_KERNEL_SET
from micro.verify.host import HostModel
from micro.verify.oracle import Oracle

STATE_KIND = "STATE after the invoke"


@dataclass
class Divergence:
    input_index: int
    op_index: int
    op_kind: str
    tensor_index: int
    tensor_name: str
    bytes_differing: int
    max_abs_diff: int
    stream: bool = False   # input_index counts the invokes of one stream (from its reset)

    @property
    def when(self) -> str:
        return f"invoke {self.input_index} of the stream" if self.stream else f"input set {self.input_index}"

    def __str__(self) -> str:
        where = (f"state {self.tensor_name}" if self.op_kind == STATE_KIND and self.tensor_name.startswith("of op #")
                 else f"state tensor {self.tensor_index} '{self.tensor_name}'" if self.op_kind == STATE_KIND else
                 f"op #{self.op_index} {self.op_kind} -> tensor {self.tensor_index} '{self.tensor_name}'")
        return f"{where}: {self.bytes_differing} element(s) differ (max |diff| {self.max_abs_diff}) on {self.when}"


@dataclass
class VerifyReport:
    model: str
    board: str = "host"
    inputs_run: int = 0
    tensors_compared: int = 0
    bytes_compared: int = 0
    bytes_differing: int = 0
    divergences: list[Divergence] = field(default_factory=list)
    stream: bool = False   # consecutive invokes on one state (else: the state reset before every input set)

    @property
    def ok(self) -> bool:
        return self.inputs_run > 0 and self.bytes_differing == 0

    @property
    def runs(self) -> str:
        """N input set(s), or N consecutive invoke(s) of a stream."""
        return f"{self.inputs_run} {'consecutive invoke(s)' if self.stream else 'input set(s)'}"

    @property
    def first(self) -> Divergence | None:
        if not self.divergences:
            return None
        return min(self.divergences, key=lambda d: (d.input_index, d.op_index))

    def summary(self) -> str:
        status = "BIT-EXACT" if self.ok else "MISMATCH"
        first = f"; first diverging: {self.first}" if self.first else ""
        return (f"{status} {self.model} on {self.board}: {self.runs}, "
                f"{self.tensors_compared} tensors compared ({self.bytes_compared} bytes), "
                f"{self.bytes_differing} bytes differing{first}")

    __str__ = summary


def random_inputs(g: Graph, rng: np.random.Generator) -> list[np.ndarray]:
    out = []
    for t_idx in g.inputs:
        t = g.tensors[t_idx]
        if t.dtype == "bool":
            out.append(rng.integers(0, 1, size=t.shape, endpoint=True).astype(np.bool_))
            continue
        dtype = BUFFER_DTYPES[t.dtype]
        info = np.iinfo(dtype)
        out.append(rng.integers(info.min, info.max, size=t.shape, endpoint=True, dtype=dtype))
    return out


def produced_tensors(compiled: Compiled) -> list[tuple[int, int, str]]:
    """(tensor, op index, op kind) for every tensor an op writes, in execution order."""
    return [(t, low.op.index, low.op.kind) for low in compiled.lowered for t in low.op.outputs]


# Ops whose output element i depends on input element i alone: what TFLM leaves undefined in the input stays
# undefined in the output (e.g. the audio preprocessor's CAST of SignalEnergy's bins)
ELEMENTWISE_UNARY = frozenset({"CAST", "QUANTIZE", "DEQUANTIZE", "RELU", "RELU6", "RELU_N1_TO_1", "LEAKY_RELU",
                               "LOGISTIC", "TANH", "HARD_SWISH", "ABS", "NEG", "RSQRT", "SQRT"})


def tflm_defined(compiled: Compiled) -> dict[int, np.ndarray]:
    """{tensor: flat mask of the elements TFLM defines} for outputs TFLM's kernel writes only in part
    (KernelCall.tflm_writes: e.g. SignalEnergy's bins outside [start, end) keep whatever TFLM's arena held),
    carried through element-wise unary ops. Any other op that reads an undefined element is compared whole, so a
    model whose result depends on them shows as a mismatch."""
    g = compiled.graph
    masks: dict[int, np.ndarray] = {}
    for low in compiled.lowered:
        for pos, (start, end) in getattr(low.call, "tflm_writes", {}).items():
            mask = np.zeros(g.tensors[low.call.outputs[pos]].shape, dtype=bool)
            mask[..., start:end] = True
            masks[low.call.outputs[pos]] = mask.ravel()
        src = low.op.inputs[0] if low.op.inputs else None
        if low.op.kind in ELEMENTWISE_UNARY and src in masks and g.tensors[low.op.outputs[0]].size == masks[src].size:
            masks[low.op.outputs[0]] = masks[src]
    return masks


def oracle_state_tensors(compiled: Compiled) -> dict[int, int]:
    """{state tensor: the TFLM tensor holding its value after an invoke}: a variable tensor is its own; a
    resource variable lives outside TFLM's tensors, so its value after an invoke is the value of its last
    ASSIGN_VARIABLE in model order (a variable the main graph never assigns is not listed: its reads are
    compared)."""
    g = compiled.graph
    out = {}
    for t in sorted(compiled.state.tensor_state):
        if t not in g.resources:
            out[t] = t
            continue
        assigns = [op for op in g.ops if op.kind == "ASSIGN_VARIABLE" and op.inputs[0] == t]
        if assigns:
            out[t] = max(assigns, key=lambda op: op.index).inputs[1]
    return out


def verify_compiled(compiled: Compiled, model_bytes: bytes, input_sets: list[list[np.ndarray]],
                    cc: str = "gcc", stream: bool = False, feedback: dict[int, int] | None = None,
                    model=None) -> VerifyReport:
    """Run each input set in the host build and in TFLM and compare every tensor an op produces, and
    the state (micro.arena.state) after each invoke. stream=False: both reset their state before each
    set (independent inputs); stream=True: consecutive invokes on the same state, as a streaming model
    runs. feedback {output position: input position}: a recurrent model whose state is its own I/O (e.g.
    GRU hidden states): from the second set on, those inputs are the previous invoke's outputs.
    model: what runs the compiled model instead of the host build (anything with HostModel's run(inputs,
    trace), reset() and state_tensors() and a `board` name, e.g. micro.verify.xtensa.XtensaQemuModel)."""
    host = model or HostModel(compiled, emit_c(compiled), cc)
    oracle = Oracle(model_bytes, compiled.model)
    produced = produced_tensors(compiled)
    state = oracle_state_tensors(compiled)
    after_all = max((low.op.index for low in compiled.lowered), default=0) + 1
    defined = tflm_defined(compiled)
    report = VerifyReport(compiled.name, board=getattr(host, "board", "host"), stream=stream)
    previous: list[np.ndarray] = []
    for k, inputs in enumerate(input_sets):
        if k and not stream:
            host.reset()
            oracle.reset()
        inputs = list(inputs)
        for out_pos, in_pos in (feedback or {}).items() if previous else ():
            inputs[in_pos] = previous[out_pos].reshape(np.shape(inputs[in_pos]))
        previous, ours = host.run(inputs, trace=True)
        ours.update(host.state_tensors())
        ref = oracle.run(inputs, list(dict.fromkeys([t for t, _, _ in produced] + list(state.values()))))
        ref.update({t: ref[src] for t, src in state.items()})
        report.inputs_run += 1
        for t, op_index, kind in produced + [(t, after_all, STATE_KIND) for t in state]:
            a, b = ours[t].ravel(), np.asarray(ref[t]).ravel()
            if t in defined and a.shape == b.shape == defined[t].shape:
                a, b = a[defined[t]], b[defined[t]]
            _compare(report, k, t, op_index, kind, a, b, compiled.graph.tensors[t].name)
        for op_index, value in host.op_states().items():  # a kernel's own state, against TFLM's copy of it
            mirror = compiled.state.buffers[compiled.state.op_state[op_index]].mirror
            kind = next(low.op.kind for low in compiled.lowered if low.op.index == op_index)
            _compare(report, k, mirror, after_all, STATE_KIND, value, np.asarray(ref[mirror]).ravel(),
                     f"of op #{op_index} {kind} (TFLM's copy: tensor {mirror} '{compiled.graph.tensors[mirror].name}')")
    return report


def _compare(report: VerifyReport, k: int, t: int, op_index: int, kind: str, a: np.ndarray, b: np.ndarray,
             name: str) -> None:
    b = b.astype(a.dtype, copy=False)
    report.tensors_compared += 1
    report.bytes_compared += a.nbytes
    diff = a != b if a.shape == b.shape else np.ones(max(a.size, 1), dtype=bool)
    n = int(np.count_nonzero(diff))
    if n:
        report.bytes_differing += n * a.itemsize
        maxd = int(np.max(np.abs(a.astype(np.int64) - b.astype(np.int64)))) if a.shape == b.shape else -1
        report.divergences.append(Divergence(k, op_index, kind, t, name, n, maxd, report.stream))


def verify_bytes(model_bytes: bytes, name: str = "model", inputs: list[list[np.ndarray]] | None = None,
                 random: int = 3, seed: int = 0, cc: str = "gcc", stream: bool = False,
                 kernel_set: str = DEFAULT_KERNEL_SET) -> VerifyReport:
    """Compile `model_bytes` (with `kernel_set`, micro.kernels.sets), run `inputs` plus `random` random input
    sets, compare every tensor."""
    model = read_model(model_bytes, c_identifier(name))
    compiled = compile_model(model, kernel_set=kernel_set)
    rng = np.random.default_rng(seed)
    sets = list(inputs or []) + [random_inputs(compiled.graph, rng) for _ in range(random)]
    return verify_compiled(compiled, model_bytes, sets, cc, stream)


def verify_file(path: str | Path, inputs: list[list[np.ndarray]] | None = None, random: int = 3,
                seed: int = 0) -> VerifyReport:
    path = Path(path)
    return verify_bytes(path.read_bytes(), path.stem, inputs, random, seed)
