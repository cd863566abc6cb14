"""The HiFi 4 kernel set's kernels (micro/kernels_c/mn_*_hifi4.c, through micro's intrinsic emulation) against
TFLM: random CONV_2D / DEPTHWISE_CONV_2D layers (hypothesis: shapes, odd channel counts, paddings, strides,
dilations, per-channel and per-tensor multipliers, -128 and 127 inputs), the kernels' block and tail edges
(4-pixel blocks, channel pairs, groups of 4 taps, the FULLY_CONNECTED head/tail, input chunks and output
tiles), inputs at unaligned addresses, outputs overlapping their inputs, and FULLY_CONNECTED layers whole
(compiled with kernel_set="hifi4"); the non-folded FULLY_CONNECTED path (filter zero point, run-time
filter) against the portable kernel."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micro.frontend import read_model
from micro.geometry import compute_padding, raster_gap
from micro.kernels.conv_2d import CONV_2D_INT8, CONV_2D_PACKED_INT8
from micro.kernels.depthwise_conv_2d import DEPTHWISE_CONV_2D_INT8, DEPTHWISE_CONV_2D_PACKED_INT8
from micro.kernels.fully_connected import FULLY_CONNECTED_INT8
from micro.ops import conv_2d, depthwise_conv_2d, fully_connected
from micro.testing import layers as tb

from support.op_models import conv_model, random_conv_case
from support.paths import need_tool

import tflite_micro.python.tflite_micro.runtime  # noqa: F401,E402  (the oracle)
from support.conv_checks import compare_conv_op, const_inputs  # noqa: E402
from support.kernel_bindings import build_kernel_library  # noqa: E402
from micro.verify.compare import verify_bytes  # noqa: E402

HIFI = [CONV_2D_PACKED_INT8, DEPTHWISE_CONV_2D_PACKED_INT8, FULLY_CONNECTED_INT8, CONV_2D_INT8, DEPTHWISE_CONV_2D_INT8]
SETTINGS = settings(max_examples=20, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    need_tool("gcc")
    return build_kernel_library(tmp_path_factory.mktemp("hifi_lib"), HIFI, kernel_set="hifi4", opt="-O2")


@pytest.fixture(scope="module")
def portable(tmp_path_factory):
    return build_kernel_library(tmp_path_factory.mktemp("portable_lib"), [FULLY_CONNECTED_INT8], opt="-O2")


def test_the_library_is_the_hifi_variants(lib):
    assert "hifi4" in lib.path.name
    assert CONV_2D_PACKED_INT8.source_for("hifi4") == "mn_conv_2d_packed_int8_hifi4.c"
    assert CONV_2D_PACKED_INT8.source_for("portable") == CONV_2D_PACKED_INT8.source


def _inputs(r, shape):
    xs = [r.integers(-128, 128, size=shape).astype(np.int8) for _ in range(2)]
    return xs + [np.full(shape, v, np.int8) for v in (-128, 127)]


@SETTINGS
@given(seed=st.integers(0, 2**31 - 1), kind=st.sampled_from(["CONV_2D", "DEPTHWISE_CONV_2D"]))
def test_random_conv_layers(lib, seed, kind):
    buf, shape, r = random_conv_case(kind, seed)
    compare_conv_op(lib, buf, _inputs(r, shape))


def _case(r, kind, in_hw, in_c, out_c, k, stride=(1, 1), padding="SAME", act="NONE", mult=1, dilation=(1, 1),
          batches=1):
    k_h, k_w = k
    opts = dict(padding=padding, act=act, stride=stride, dilation=dilation)
    if kind == "CONV_2D":
        w = r.integers(-127, 128, size=(out_c, k_h, k_w, in_c)).astype(np.int8)
        axis, taps = 0, k_h * k_w * in_c
    else:
        opts["depth_multiplier"] = mult
        w = r.integers(-127, 128, size=(1, k_h, k_w, out_c)).astype(np.int8)
        axis, taps = 3, k_h * k_w
    x_scale, x_zp = 0.02, int(r.integers(-100, 100))
    y_scale, y_zp = 0.05, int(r.integers(-20, 20))
    spread = 73 * 74 * np.sqrt(taps)
    w_scales = (y_scale * 40 / (x_scale * spread) * r.uniform(0.5, 2, size=out_c)).astype(np.float32)
    bias = r.integers(-int(spread), int(spread) + 1, size=out_c).astype(np.int32)
    out_h, _ = compute_padding(padding, in_hw[0], k_h, stride[0], dilation[0])
    out_w, _ = compute_padding(padding, in_hw[1], k_w, stride[1], dilation[1])
    buf = conv_model(kind, (batches, *in_hw, in_c), (x_scale, x_zp), w, w_scales, axis, bias,
                     (batches, out_h, out_w, out_c), (y_scale, y_zp), opts)
    return buf, _inputs(r, (batches, *in_hw, in_c))


def _lowered(buf):
    g = read_model(buf, "m").main
    (op,) = g.ops
    return g, op, (conv_2d if op.kind == "CONV_2D" else depthwise_conv_2d).lower(op, g)


# K from 1 to 144 (groups of 4 taps with 0-3 padded taps), odd and even channel counts (the channel pairs),
# pixel counts that are not a multiple of the 4-pixel block, one input channel (depthwise as a conv), 1x1.
@pytest.mark.parametrize("in_c,k,out_c,hw,stride", [
    (1, (1, 1), 3, (5, 3), (1, 1)), (3, (1, 1), 5, (4, 4), (1, 1)), (15, (1, 1), 2, (3, 5), (2, 1)),
    (16, (1, 1), 33, (7, 7), (1, 1)), (17, (1, 1), 64, (2, 3), (1, 1)), (3, (3, 3), 16, (9, 7), (2, 2)),
    (1, (10, 4), 65, (13, 9), (2, 1)), (16, (3, 3), 31, (6, 6), (1, 1)), (5, (2, 3), 1, (5, 5), (1, 2)),
], ids=str)
def test_conv_block_edges(lib, in_c, k, out_c, hw, stride):
    r = np.random.default_rng(in_c * 100 + out_c)
    buf, xs = _case(r, "CONV_2D", hw, in_c, out_c, k, stride=stride)
    assert _lowered(buf)[2].kernel is CONV_2D_PACKED_INT8
    compare_conv_op(lib, buf, xs)


@pytest.mark.parametrize("in_c,k,stride,dilation,padding", [
    (4, (3, 3), (1, 1), (1, 1), "SAME"), (8, (3, 3), (2, 2), (1, 1), "SAME"), (12, (5, 2), (1, 2), (1, 1), "VALID"),
    (64, (3, 3), (1, 1), (2, 2), "SAME"), (4, (1, 1), (1, 1), (1, 1), "VALID"), (20, (4, 4), (3, 3), (1, 1), "SAME"),
], ids=str)
def test_depthwise_groups_of_four(lib, in_c, k, stride, dilation, padding):
    r = np.random.default_rng(in_c)
    buf, xs = _case(r, "DEPTHWISE_CONV_2D", (9, 8), in_c, in_c, k, stride=stride, dilation=dilation, padding=padding,
                    batches=2)
    assert _lowered(buf)[2].kernel is DEPTHWISE_CONV_2D_PACKED_INT8
    compare_conv_op(lib, buf, xs)


@pytest.mark.parametrize("kind,in_c,out_c", [("DEPTHWISE_CONV_2D", 8, 8), ("CONV_2D", 5, 7)])
@pytest.mark.parametrize("offset", [1, 2, 3])
def test_inputs_at_unaligned_addresses(lib, kind, in_c, out_c, offset):
    """An input view at any address (the depthwise kernel's aligned loads need 4: it takes its plain loop)."""
    r = np.random.default_rng(offset)
    buf, xs = _case(r, kind, (6, 5), in_c, out_c, (3, 3))
    g, op, call = _lowered(buf)
    consts = const_inputs(call, g)
    y_t = g.t(op.outputs[0])
    for x in xs:
        want = np.zeros(y_t.size, np.int8)
        lib.call(call, x, *consts, want)
        mem = np.zeros(x.size + 8, np.int8)
        at = (-mem.ctypes.data) % 4 + offset
        mem[at:at + x.size] = x.ravel()
        got = np.zeros(y_t.size, np.int8)
        lib.call(call, mem.ctypes.data + at, *consts, got)
        assert np.array_equal(got, want)
    compare_conv_op(lib, buf, xs)


@pytest.mark.parametrize("kind,in_c,out_c,k,stride", [
    ("CONV_2D", 16, 16, (3, 3), (1, 1)), ("CONV_2D", 40, 40, (1, 1), (1, 1)), ("CONV_2D", 40, 40, (3, 3), (2, 2)),
    ("DEPTHWISE_CONV_2D", 32, 32, (3, 3), (1, 1)), ("DEPTHWISE_CONV_2D", 20, 20, (3, 3), (2, 2)),
], ids=str)
def test_output_overlapping_the_input(lib, kind, in_c, out_c, k, stride):
    """The output starting raster_gap bytes (the tightest the planner may choose, and a little more) before the
    input in one buffer gives the same bytes as a separate output."""
    r = np.random.default_rng(in_c + out_c)
    in_hw = (9, 7)
    buf, xs = _case(r, kind, in_hw, in_c, out_c, k, stride=stride)
    g, op, call = _lowered(buf)
    consts = const_inputs(call, g)
    y_t = g.t(op.outputs[0])
    win = call.params["win"]
    gap = raster_gap(1, *in_hw, in_c, win["out_h"], win["out_w"], win["out_c"], *stride, win["pad_h"], win["pad_w"])
    for extra in (0, 4, 13):
        d = gap + extra
        for x in xs:
            want = np.zeros(y_t.size, np.int8)
            lib.call(call, x, *consts, want)
            arena = np.zeros(max(d + x.size, y_t.size) + 16, np.int8)
            arena[d:d + x.size] = x.ravel()
            lib.call(call, arena.ctypes.data + d, *consts, arena)
            assert np.array_equal(arena[:y_t.size], want), (d, extra)


@SETTINGS
@given(in_depth=st.sampled_from([1, 3, 4, 5, 17, 255, 256, 257, 600]), units=st.sampled_from([1, 2, 31, 32, 33, 70]),
       batches=st.integers(1, 3), per_channel=st.booleans(), with_bias=st.booleans(),
       act=st.sampled_from(["NONE", "RELU", "RELU6"]), out_scale_mult=st.sampled_from([0.05, 1.0, 3.0]),
       seed=st.integers(0, 2**16))
def test_fully_connected_layers(in_depth, units, batches, per_channel, with_bias, act, out_scale_mult, seed):
    """Head and tail of each weight row (rows start at every alignment), the 256-input chunks, the 32-output
    tiles; small output scales saturate."""
    data = tb.fully_connected_layer(np.random.default_rng(seed), batches=batches, in_depth=in_depth, units=units,
                                    act=act, per_channel=per_channel, with_bias=with_bias,
                                    out_scale_mult=out_scale_mult)
    report = verify_bytes(data, name="fc", random=2, seed=seed, kernel_set="hifi4")
    assert report.ok, report.summary()


@pytest.mark.parametrize("in_depth,units,filter_offset", [(7, 5, 0), (300, 40, -3), (33, 2, 128), (600, 3, -127)])
def test_fully_connected_without_folded_bias(lib, portable, in_depth, units, filter_offset):
    """A run-time filter (no folded bias; a filter zero point when the filter is not TFLite's symmetric int8):
    the same bytes as the portable kernel, which the oracle tests check."""
    r = np.random.default_rng(in_depth)
    data = tb.fully_connected_layer(r, batches=2, in_depth=in_depth, units=units, with_bias=True)
    g = read_model(data, "fc").main
    (op,) = g.ops
    call = fully_connected.lower(op, g)
    call.params.update(folded_bias=None, filter_offset=filter_offset)
    w = r.integers(-128, 128, size=(units, in_depth)).astype(np.int8)
    bias = r.integers(-2**20, 2**20, size=units).astype(np.int32)
    for fill in (None, -128, 127):
        x = r.integers(-128, 128, size=(2, in_depth)).astype(np.int8) if fill is None else np.full((2, in_depth), fill,
                                                                                                   np.int8)
        want, got = np.zeros((2, units), np.int8), np.zeros((2, units), np.int8)
        portable.call(call, x, w, bias, want)
        lib.call(call, x, w, bias, got)
        assert np.array_equal(got, want)
