"""Overlap modes of the 16x8 window kernels (CONV_2D, DEPTHWISE_CONV_2D, AVERAGE/MAX_POOL_2D int16).

Their lowering declares the same raster contracts as the int8 kernels (micro.ops.window.window_overlap_gaps,
in bytes of int16 tensors), so the planner may put an output across its dying input. Each kernel runs with
its output at input + D_rev + k and input - D_fwd - k bytes (k = 0, 2, 6: int16 data stays aligned) and
must give TFLM's output; a library built with -DMN_NO_REVERSE_OVERLAP (forward order only) must get
some reverse placement wrong, so the descending order is what makes them safe.
"""

from __future__ import annotations

import numpy as np
import pytest

from micro.frontend import read_model
from micro.kernels.conv_2d import CONV_2D_INT16, CONV_2D_INT16_ACC32
from micro.kernels.depthwise_conv_2d import DEPTHWISE_CONV_2D_INT16
from micro.kernels.pooling import AVERAGE_POOL_INT16, MAX_POOL_INT16
from micro.ops import module_for
from micro.testing import layers_int16 as l16

from support.kernel_bindings import build_kernel_library
from support.oracle import tflm_interpreter
from support.paths import need_tool

KERNELS = [CONV_2D_INT16, CONV_2D_INT16_ACC32, DEPTHWISE_CONV_2D_INT16, AVERAGE_POOL_INT16, MAX_POOL_INT16]
EXTRAS = (0, 2, 6)
GUARD = 32


def _models() -> dict[str, bytes]:
    r = np.random.default_rng
    return {
        "conv_3x3_s1": l16.conv_layer_int16(r(1), h=7, w=6, cin=8, cout=8, in_range=(-2, 2)),
        "conv_3x3_s2_b2_acc32": l16.conv_layer_int16(r(2), n=2, h=7, w=7, cin=6, cout=6, stride=2,
                                                     bias_dtype="int32", in_range=(-2, 2)),
        "conv_1x1_shrink": l16.conv_layer_int16(r(3), h=6, w=5, cin=12, cout=4, kh=1, kw=1, padding="VALID",
                                                in_range=(-2, 2)),
        "dw_3x3_s1": l16.depthwise_layer_int16(r(4), h=8, w=7, cin=10, in_range=(-2, 2)),
        "dw_mult2_dilated": l16.depthwise_layer_int16(r(5), h=9, w=8, cin=3, multiplier=2, dilation=2,
                                                      padding="VALID", in_range=(-2, 2)),
        "avg_3x3_s1": l16.pool_layer_int16(r(6), "AVERAGE_POOL_2D", h=8, w=7, c=6, fh=3, fw=3, stride=1,
                                           padding="SAME", in_range=(-2, 2)),
        "max_2x2_s2_b2": l16.pool_layer_int16(r(7), "MAX_POOL_2D", n=2, h=8, w=9, c=5, fh=2, fw=2, stride=2,
                                              in_range=(-2, 2)),
    }


MODELS = _models()


@pytest.fixture(scope="module")
def libs(tmp_path_factory):
    need_tool("gcc")
    return (build_kernel_library(tmp_path_factory.mktemp("ov16"), KERNELS),
            build_kernel_library(tmp_path_factory.mktemp("ov16_norev"), KERNELS, ("MN_NO_REVERSE_OVERLAP",)))


def _run(lib, call, g, x: np.ndarray, shift: int) -> np.ndarray:
    """The kernel with input and output in one int16 buffer, the output `shift` bytes after the input."""
    consts = [np.ascontiguousarray(g.t(i).data) if i is not None else None for i in call.inputs[1:]]
    in_bytes, out_bytes = x.nbytes, g.t(call.outputs[0]).nbytes
    x_off = GUARD + max(0, -shift)
    y_off = x_off + shift
    arena = np.full(max(x_off + in_bytes, y_off + out_bytes) + GUARD, 0x5A, np.uint8)
    arena[x_off:x_off + in_bytes] = x.view(np.uint8).ravel()
    base = arena.ctypes.data
    lib.run(call.kernel, call.params, base + x_off, *consts, base + y_off)
    assert (arena[:GUARD] == 0x5A).all() and (arena[-GUARD:] == 0x5A).all(), "wrote outside"
    return arena[y_off:y_off + out_bytes].view(np.int16).copy()


@pytest.mark.parametrize("name", list(MODELS))
def test_overlap_placements_match_tflm(libs, name):
    lib, lib_no_reverse = libs
    buf = MODELS[name]
    g = read_model(buf, "m").main
    (op,) = g.ops
    call = module_for(op).lower(op, g)
    fwd, rev = call.overlap_gap[0], call.overlap_gap_reverse[0]
    in_bytes = g.t(op.inputs[0]).nbytes
    assert rev < in_bytes, "the reverse placement must overlap the input for the test to mean something"
    x = np.random.default_rng(0).integers(-32768, 32768, size=g.t(op.inputs[0]).shape).astype(np.int16)
    it = tflm_interpreter(buf)
    it.set_input(x, 0)
    it.invoke()
    want = np.asarray(it.get_output(0)).ravel()
    wrong_without_reverse = 0
    for k in EXTRAS:
        for shift in (rev + k, -(fwd + k)):
            got = _run(lib, call, g, x, shift)
            assert np.array_equal(got, want), f"{name}: output at {shift:+d} bytes differs from TFLM"
        wrong_without_reverse += not np.array_equal(_run(lib_no_reverse, call, g, x, rev + k), want)
    assert wrong_without_reverse, f"{name}: the forward order alone survived every reverse placement"
