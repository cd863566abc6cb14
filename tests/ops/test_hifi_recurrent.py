"""The HiFi 4 variants of the recurrent kernels (mn_svdf_int8_hifi4.c, mn_lstm_int8_hifi4.c: the shared bodies
mn_svdf_body.h / mn_lstm_body.h with micro's HiFi 4 dot products, through micro's intrinsic emulation) against
TFLM, streamed on one state: random SVDF and LSTM layers (sizes across the 4-wide groups, the 128-element
widening chunk and odd lengths, so rows start at every alignment), ranks, memories, int16 and int8 state; and
the kernels called directly on buffers at odd addresses, against the portable kernels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from micro.compiler import compile_model
from micro.dtypes import BUFFER_DTYPES
from micro.frontend import read_model
from micro.testing.layers_recurrent import lstm_model, svdf_model
from micro.verify.compare import random_inputs, verify_compiled

from support.kernel_bindings import build_kernel_library, fresh_buffers
from support.paths import need_tool

SETTINGS = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
INVOKES = 3
SEEDS = st.integers(0, 2**16)


@pytest.fixture(autouse=True, scope="module")
def _host_compiler():
    need_tool("gcc")


def hifi4_stream_report(buf: bytes, oracle_buf: bytes | None = None, seed: int = 0):
    compiled = compile_model(read_model(buf, "recurrent"), kernel_set="hifi4")
    assert compiled.kernel_set == "hifi4"
    rng = np.random.default_rng(seed)
    sets = [random_inputs(compiled.graph, rng) for _ in range(INVOKES)]
    return verify_compiled(compiled, oracle_buf or buf, sets, stream=True)


@SETTINGS
@given(seed=SEEDS, batch=st.integers(1, 2), input_size=st.integers(1, 140), units=st.integers(1, 7),
       rank=st.integers(1, 3), memory=st.integers(1, 11), state_dtype=st.sampled_from(["int16", "int8"]))
@example(seed=5, batch=2, input_size=131, units=5, rank=3, memory=9, state_dtype="int16")
@example(seed=6, batch=1, input_size=3, units=3, rank=1, memory=1, state_dtype="int8")
@example(seed=7, batch=2, input_size=129, units=2, rank=2, memory=7, state_dtype="int8")
def test_svdf_hifi4_streams_bit_exact(seed, batch, input_size, units, rank, memory, state_dtype):
    params = dict(batch=batch, input_size=input_size, units=units, rank=rank, memory=memory, state_dtype=state_dtype)
    report = hifi4_stream_report(svdf_model(np.random.default_rng(seed), **params), seed=seed)
    assert report.ok, f"seed={seed} params={params}: {report.summary()}"
    assert report.tensors_compared == 2 * INVOKES


@SETTINGS
@given(seed=SEEDS, batch=st.integers(1, 2), time_steps=st.integers(1, 4), input_size=st.integers(1, 140),
       units=st.integers(1, 13), time_major=st.booleans(), cell_clip=st.sampled_from([0.0, 0.75]),
       gain=st.sampled_from([0.0, 2.0]))
@example(seed=9, batch=1, time_steps=2, input_size=7, units=131, time_major=False, cell_clip=0.0, gain=0.0)
@example(seed=10, batch=2, time_steps=3, input_size=130, units=5, time_major=True, cell_clip=0.75, gain=2.0)
def test_lstm_hifi4_streams_bit_exact(seed, batch, time_steps, input_size, units, time_major, cell_clip, gain):
    params = dict(batch=batch, time_steps=time_steps, input_size=input_size, units=units, time_major=time_major,
                  cell_clip=cell_clip, gain=gain)
    report = hifi4_stream_report(lstm_model(np.random.default_rng(seed), **params), seed=seed)
    assert report.ok, f"seed={seed} params={params}: {report.summary()}"
    assert report.tensors_compared == 3 * INVOKES


def _at_odd_address(a: np.ndarray, offset: int) -> np.ndarray:
    """A copy of `a` whose data starts `offset` bytes past an 8-byte boundary."""
    raw = np.zeros(a.nbytes + 16, np.uint8)
    start = (-raw.ctypes.data) % 8 + offset
    view = raw[start:start + a.nbytes].view(a.dtype).reshape(a.shape)
    view[...] = a
    return view


@pytest.mark.parametrize("model", ["svdf16", "svdf8", "lstm"])
@pytest.mark.parametrize("offset", [1, 2, 3])
def test_kernels_on_odd_addresses_match_the_portable_kernels(tmp_path, model, offset):
    """Every buffer (weights, input, state, output) at an odd address: the aligned loads' heads and the
    unaligned streams; the HiFi 4 kernel and the portable kernel leave the same bytes in every buffer."""
    rng = np.random.default_rng(offset)
    buf = (svdf_model(rng, batch=2, input_size=23, units=3, rank=2, memory=7,
                      state_dtype="int16" if model == "svdf16" else "int8") if model != "lstm" else
           lstm_model(rng, batch=2, time_steps=2, input_size=13, units=9))
    compiled = compile_model(read_model(buf, model), kernel_set="hifi4")
    call = next(low.call for low in compiled.lowered if low.call.func.startswith(("mn_svdf", "mn_lstm")))
    g = compiled.graph
    results = []
    for kernel_set in ("hifi4", "portable"):
        lib = build_kernel_library(tmp_path / kernel_set, [call.kernel], kernel_set=kernel_set)
        data = np.random.default_rng(offset)
        buffers = []
        for t in list(call.inputs) + list(call.outputs):
            tensor = g.tensors[t]
            dtype = BUFFER_DTYPES[tensor.dtype]
            value = (tensor.data if tensor.data is not None
                     else data.integers(np.iinfo(dtype).min, np.iinfo(dtype).max + 1, tensor.shape).astype(dtype))
            buffers.append(_at_odd_address(np.asarray(value, dtype), offset))
        lib.call(call, *buffers, *fresh_buffers(call))
        results.append([b.tobytes() for b in buffers])
    assert results[0] == results[1]
