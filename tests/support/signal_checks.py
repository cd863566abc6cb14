"""Single signal-op models run two ways and compared frame by frame: micro's lowered kernel call through ctypes
(one kernel library per test module, no per-model compile, so property tests stay fast) with its state kept
across frames, and TFLM's interpreter (one per model, so a stateful op carries its state as on a device).

    lib = build_kernel_library(tmp_dir, SIGNAL_KERNELS)
    assert_frames_match_oracle(lib, model_bytes, [[frame0 inputs], [frame1 inputs], ...])
"""

from __future__ import annotations

import numpy as np

from micro.dtypes import BUFFER_DTYPES
from micro.frontend import read_model
from micro.kernels import KERNELS
from micro.ops import check_op, module_for

from support.kernel_bindings import fresh_buffers
from support.oracle import tflm_interpreter

SIGNAL_KERNELS = [k for k in KERNELS if k.func.startswith("mn_signal_")]


def micro_frames(lib, buf: bytes, frames) -> tuple[list[list[np.ndarray]], list[np.ndarray], dict]:
    """The op's outputs for each frame's inputs, its state after each frame (empty arrays when stateless), and
    its KernelCall.tflm_writes (the output ranges TFLM writes)."""
    g = read_model(buf, "m").main
    (op,) = g.ops
    assert check_op(op, g) == [], check_op(op, g)
    call = module_for(op).lower(op, g)
    extra = fresh_buffers(call)  # state (kept across frames) and scratch
    outs, states = [], []
    for inputs in frames:
        given = dict(zip(g.inputs, inputs))
        ins = [None if t is None else np.ascontiguousarray(g.tensors[t].data if g.tensors[t].is_const else given[t],
                                                           dtype=BUFFER_DTYPES[g.tensors[t].dtype])
               for t in call.inputs]
        ys = [np.zeros(g.tensors[t].shape, BUFFER_DTYPES[g.tensors[t].dtype]) for t in call.outputs]
        lib.call(call, *ins, *ys, *extra)
        outs.append(ys)
        states.append(extra[0].copy() if call.kernel.has_state else np.zeros(0, np.uint8))
    return outs, states, call.tflm_writes


def oracle_frames(buf: bytes, frames) -> list[list[np.ndarray]]:
    it = tflm_interpreter(buf)
    n_out = len(read_model(buf, "m").main.outputs)
    out = []
    for inputs in frames:
        for i, x in enumerate(inputs):
            it.set_input(x, i)
        it.invoke()
        out.append([np.array(it.get_output(k)) for k in range(n_out)])
    return out


def assert_frames_match_oracle(lib, buf: bytes, frames, state_output: int | None = None) -> None:
    """Every output of every frame equal; with state_output, the kernel's state after each frame equals that
    output (TFLM's copy of its state)."""
    ours, states, tflm_writes = micro_frames(lib, buf, frames)
    ref = oracle_frames(buf, frames)
    for k, (a, b) in enumerate(zip(ours, ref)):
        for pos, (x, y) in enumerate(zip(a, b)):
            y = y.astype(x.dtype)
            if pos in tflm_writes:  # TFLM leaves the rest as its arena held it
                x, y = x[..., slice(*tflm_writes[pos])], y[..., slice(*tflm_writes[pos])]
            np.testing.assert_array_equal(x.ravel(), y.ravel(), err_msg=f"frame {k} output {pos}")
        if state_output is not None:
            np.testing.assert_array_equal(states[k].view(b[state_output].dtype), b[state_output].ravel(),
                                          err_msg=f"state after frame {k}")
