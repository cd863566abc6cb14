"""Single-op models of the activations and conversions run three ways and compared with TFLM: micro's
lowered kernel call through ctypes (no per-model compile, so property tests stay fast), the op module's
`fold` (the Python model of TFLM's integer algorithm), and, in the corpus tests, the whole pipeline
(micro.verify.compare). Shared by tests/test_ops_activation.py, test_ops_conversion.py and
test_ops_softmax_int16.py.

    lib = build_kernel_library(tmp_dir)          # once per module (support.kernel_bindings)
    assert_matches_oracle(lib, model_bytes, value_sweep(graph, rng))
"""

from __future__ import annotations

import copy

import numpy as np

from micro.dtypes import BUFFER_DTYPES, QRANGE
from micro.frontend import read_model
from micro.ir import Graph
from micro.lowered import Alias
from micro.ops import check_op, module_for

from support.oracle import tflm_interpreter

UINT32_RANGE = (0, 2**32 - 1)


def _range(dtype: str) -> tuple[int, int]:
    return UINT32_RANGE if dtype == "uint32" else QRANGE[dtype]


def value_sweep(g: Graph, rng: np.random.Generator, n_random: int = 4) -> list[list[np.ndarray]]:
    """Input sets for a model: every value of each 8-bit input at least once (a ramp tiled over the
    tensor, as many sets as it takes), all-minimum and all-maximum sets, then n_random random sets."""
    tensors = [g.t(i) for i in g.inputs]

    def full(t, v):
        return np.full(t.shape, v, dtype=BUFFER_DTYPES[t.dtype])

    def random(t):
        lo, hi = _range(t.dtype)
        return rng.integers(lo, hi, size=t.shape, endpoint=True, dtype=BUFFER_DTYPES[t.dtype])

    sets = [[full(t, _range(t.dtype)[0]) for t in tensors], [full(t, _range(t.dtype)[1]) for t in tensors]]
    sweeps = [t for t in tensors if BUFFER_DTYPES[t.dtype].itemsize == 1]
    n_sweep = max([-(-256 // max(t.size, 1)) for t in sweeps], default=0)
    for k in range(n_sweep):
        one = []
        for t in tensors:
            if t in sweeps:
                lo = _range(t.dtype)[0]
                values = (np.arange(t.size) + k * t.size) % 256 + lo
                one.append(values.astype(BUFFER_DTYPES[t.dtype]).reshape(t.shape))
            else:
                one.append(random(t))
        sets.append(one)
    return sets + [[random(t) for t in tensors] for _ in range(n_random)]


def oracle_outputs(buf: bytes, input_sets) -> list[np.ndarray]:
    it = tflm_interpreter(buf)
    out = []
    for inputs in input_sets:
        for i, x in enumerate(inputs):
            it.set_input(x, i)
        it.invoke()
        out.append(np.array(it.get_output(0)))
    return out


def kernel_output(lib, g: Graph, inputs) -> np.ndarray:
    """The graph's single op, lowered by its module and called through ctypes on `inputs` (the graph's
    inputs in order; constants come from the graph)."""
    (op,) = g.ops
    mod = module_for(op)
    call = mod.lower(op, g)
    feed = dict(zip(g.inputs, inputs))
    y = g.t(op.outputs[0])
    if isinstance(call, Alias):
        return np.frombuffer(np.ascontiguousarray(feed[call.src]).tobytes(), dtype=BUFFER_DTYPES[y.dtype]).reshape(
            y.shape)
    buffers = [None if t is None else np.ascontiguousarray(feed[t] if t in feed else g.t(t).data,
                                                           dtype=BUFFER_DTYPES[g.t(t).dtype])
               for t in call.inputs]
    out = np.zeros(y.shape, dtype=BUFFER_DTYPES[y.dtype])
    lib.call(call, *buffers, out)
    return out


def fold_output(g: Graph, inputs) -> np.ndarray:
    """The op module's fold() with the inputs made constants."""
    (op,) = g.ops
    folded = copy.copy(g)
    folded.tensors = list(g.tensors)
    for t_idx, x in zip(g.inputs, inputs):
        t = copy.copy(g.t(t_idx))
        t.data = np.asarray(x).reshape(t.shape)
        folded.tensors[t_idx] = t
    (out,) = module_for(op).fold(op, folded)
    return out


def assert_matches_oracle(lib, buf: bytes, input_sets, fold: bool = True) -> None:
    """Kernel (and fold) outputs equal TFLM's on every input set."""
    g = read_model(buf, "m").main
    (op,) = g.ops
    assert check_op(op, g) == [], check_op(op, g)
    for k, (inputs, want) in enumerate(zip(input_sets, oracle_outputs(buf, input_sets))):
        for how, got in (("kernel", kernel_output(lib, g, inputs)),
                         ("fold", fold_output(g, inputs) if fold else None)):
            if got is None:
                continue
            bad = np.flatnonzero(got.ravel() != want.ravel())
            assert bad.size == 0, (
                f"{op.kind} {how}, input set {k}: {bad.size}/{got.size} differ; first at {bad[0]}: input "
                f"{[np.asarray(x).ravel()[bad[0] % np.asarray(x).size] for x in inputs]}, got {got.ravel()[bad[0]]}, "
                f"TFLM {want.ravel()[bad[0]]}")
