"""The fast kernel paths against TFLM: shapes chosen to hit every block edge.

- CONV_2D: im2col rows padded to 16 taps (K = 1 .. 144, so 0 to 15 padded taps and the
  zero-padded copies of the last filter rows), odd output channel counts and more than one
  32-channel requantization chunk, pixel counts that are not a multiple of the 4-pixel block,
  grouped convolution;
- DEPTHWISE_CONV_2D: the paired-tap path (full 16-channel blocks), remainder channels, a -128
  tap weight and more than 64 taps (both fall back to the offset path);
- the vectorizable requantization (rq_round/rq_scale) against TFLM's
  MultiplyByQuantizedMultiplier on extreme accumulators, in Python and through the kernel;
- ADD with compile-time input tables (output size >= add.TABLE_MIN_SIZE): elementwise,
  broadcast, in place.
"""

from __future__ import annotations

import numpy as np
import pytest

from micro.fixedpoint import rdbpot, srdhm
from micro.frontend import read_model
from micro.geometry import compute_padding, raster_gap
from micro.kernels.add import ADD_INT8
from micro.kernels.conv_2d import CONV_2D_INT8, CONV_2D_PACKED_INT8
from micro.kernels.depthwise_conv_2d import DEPTHWISE_CONV_2D_INT8, DEPTHWISE_CONV_2D_PACKED_INT8
from micro.ops import add, conv_2d, depthwise_conv_2d
from micro.ops.window import requant_rows
from micro.testing.layers import add_layer

from support.op_models import conv_model
from support.paths import need_tool

import tflite_micro.python.tflite_micro.runtime  # noqa: F401,E402  (the oracle)
from support.conv_checks import compare_conv_op, const_inputs  # noqa: E402
from micro.verify.compare import verify_bytes  # noqa: E402
from support.kernel_bindings import build_kernel_library  # noqa: E402



@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    need_tool("gcc")
    return build_kernel_library(tmp_path_factory.mktemp("fast_lib"), [CONV_2D_INT8, CONV_2D_PACKED_INT8, DEPTHWISE_CONV_2D_INT8,
                                DEPTHWISE_CONV_2D_PACKED_INT8],
                                opt="-O3")


def _conv_case(r, kind, in_hw, in_c, out_c, k, stride=(1, 1), padding="SAME", act="NONE",
               mult=1, w_fix=None, groups=1):
    k_h, k_w = k
    opts = dict(padding=padding, act=act, stride=stride, dilation=(1, 1))
    if kind == "CONV_2D":
        fic = in_c // groups
        w = r.integers(-127, 128, size=(out_c, k_h, k_w, fic)).astype(np.int8)
        axis, taps = 0, k_h * k_w * fic
    else:
        opts["depth_multiplier"] = mult
        w = r.integers(-127, 128, size=(1, k_h, k_w, out_c)).astype(np.int8)
        axis, taps = 3, k_h * k_w
    if w_fix is not None:
        w_fix(w)
    x_scale, x_zp = 0.02, int(r.integers(-100, 100))
    y_scale, y_zp = 0.05, int(r.integers(-20, 20))
    spread = 73 * 74 * np.sqrt(taps)
    w_scales = (y_scale * 40 / (x_scale * spread) * r.uniform(0.5, 2, size=out_c)).astype(np.float32)
    bias = r.integers(-int(spread), int(spread) + 1, size=out_c).astype(np.int32)
    out_h, _ = compute_padding(padding, in_hw[0], k_h, stride[0])
    out_w, _ = compute_padding(padding, in_hw[1], k_w, stride[1])
    buf = conv_model(kind, (1, *in_hw, in_c), (x_scale, x_zp), w, w_scales, axis, bias,
                     (1, out_h, out_w, out_c), (y_scale, y_zp), opts)
    xs = [r.integers(-128, 128, size=(1, *in_hw, in_c)).astype(np.int8) for _ in range(2)]
    xs += [np.full((1, *in_hw, in_c), v, np.int8) for v in (-128, 127)]
    return buf, xs


@pytest.mark.parametrize("in_c,k,out_c", [
    (1, (1, 1), 3), (3, (1, 1), 5), (15, (1, 1), 2), (16, (1, 1), 33), (17, (1, 1), 64),
    (3, (3, 3), 16), (1, (10, 4), 65), (16, (3, 3), 31), (64, (1, 1), 64), (5, (2, 3), 1),
])
def test_conv_block_edges(lib, in_c, k, out_c):
    r = np.random.default_rng(in_c * 1000 + out_c)
    for stride, padding, in_hw in (((1, 1), "SAME", (5, 7)), ((2, 2), "VALID", (9, 6))):
        if padding == "VALID" and (in_hw[0] < k[0] or in_hw[1] < k[1]):
            continue
        buf, xs = _conv_case(r, "CONV_2D", in_hw, in_c, out_c, k, stride, padding, act="RELU")
        compare_conv_op(lib, buf, xs)


def test_grouped_conv(lib):
    r = np.random.default_rng(5)
    buf, xs = _conv_case(r, "CONV_2D", (6, 5), 12, 9, (3, 3), groups=3)
    compare_conv_op(lib, buf, xs)


@pytest.mark.parametrize("in_c,k,mult", [(16, (3, 3), 1), (64, (3, 3), 1), (33, (3, 3), 1),
                                         (5, (3, 3), 1), (16, (9, 8), 1), (16, (3, 3), 2)])
def test_depthwise_paths(lib, in_c, k, mult):
    r = np.random.default_rng(in_c + 100 * k[0] + mult)
    buf, xs = _conv_case(r, "DEPTHWISE_CONV_2D", (9, 9), in_c, in_c * mult, k, mult=mult)
    compare_conv_op(lib, buf, xs)


def test_depthwise_minus_128_weight_falls_back(lib):
    r = np.random.default_rng(9)

    def fix(w):
        w[0, 1, 1, 3] = -128  # one channel of the first 16-channel block

    buf, xs = _conv_case(r, "DEPTHWISE_CONV_2D", (6, 6), 32, 32, (3, 3), w_fix=fix)
    compare_conv_op(lib, buf, xs)


# --------------------------------------------------------------------------- requantization

def _mbqm(x: int, mult: int, shift: int) -> int:
    """TFLM MultiplyByQuantizedMultiplier (double rounding) on Python ints."""
    left, right = max(shift, 0), max(-shift, 0)
    v = (x << left) & 0xFFFFFFFF
    v = v - (1 << 32) if v >= 1 << 31 else v
    return int(rdbpot(srdhm(v, mult), right))


def _fast(x: int, mult: int, rnd: int, scale: int) -> int:
    """The kernels' two-step unsigned form (see mn_kernels.h, rq_round/rq_scale)."""
    neg = x < 0
    ax = -x if neg else x
    h = (ax * mult + (rnd << 31) + (1 << 30) - int(neg)) >> 31
    mag = (h * (scale & 0xFFFFFFFF)) >> 31
    return -mag if neg else mag


def test_fast_requantization_matches_tflm_formula():
    r = np.random.default_rng(0)
    xs = [0, 1, -1, 2**31 - 1, -(2**31), -(2**31) + 1, 2**30, -(2**30)]
    xs += [int(v) for v in r.integers(-(2**31), 2**31, size=300)]
    xs += [int(v) for v in r.integers(-5000, 5000, size=300)]
    mults = [0, 1 << 30, (1 << 31) - 1] + [int(v) for v in r.integers(1 << 30, 1 << 31, size=20)]
    shifts = list(range(-31, 1))
    rnd, scale = (a.tolist() for a in requant_rows(np.array(shifts)))
    consts = list(zip(shifts, rnd, scale))
    for mult in mults:
        for s, rd, sc in consts:
            for x in xs:
                assert _fast(x, mult, rd, sc) == _mbqm(x, mult, s), (x, mult, s)
    # Ties: |x| * mult an exact odd multiple of 2^30, and exact halves at the second rounding.
    for s, rd, sc in consts[-8:]:
        for q in range(1, 200):
            for x in (q, -q, q << 5, -(q << 5)):
                assert _fast(x, 1 << 30, rd, sc) == _mbqm(x, 1 << 30, s)
    assert requant_rows(np.array([-3, 1])) == (None, None)


# --------------------------------------------------------------------------- ADD tables

@pytest.mark.parametrize("shapes,act", [
    (((1, 32, 32, 4), (1, 32, 32, 4)), "NONE"),
    (((1, 16, 16, 8), (1, 1, 1, 8)), "RELU"),
    (((1, 1, 1, 8), (1, 16, 16, 8)), "RELU6"),
    (((2, 1, 40, 16), (2, 3, 40, 1)), "NONE"),
])
def test_add_tables(shapes, act):
    r = np.random.default_rng(len(shapes[0]) + shapes[0][-1])
    buf = add_layer(r, shapes[0], shapes[1], act=act)
    g = read_model(buf, "t").main
    call = add.lower(g.ops[0], g)
    assert call.params["input1_table"] is not None
    report = verify_bytes(buf, "add_tables", random=3, seed=1)
    assert report.ok, report.summary()


def test_add_tables_in_place(tmp_path):
    need_tool("gcc")
    add_lib = build_kernel_library(tmp_path, [ADD_INT8], opt="-O3")
    r = np.random.default_rng(3)
    g = read_model(add_layer(r, (1, 16, 16, 8), (1, 16, 16, 8), act="RELU"), "ip").main
    call = add.lower(g.ops[0], g)
    assert call.params["input1_table"] is not None and call.overlap_ok == (0, 1)
    a = r.integers(-128, 128, size=2048, dtype=np.int8)
    b = r.integers(-128, 128, size=2048, dtype=np.int8)
    ref = np.zeros(2048, np.int8)
    add_lib.run(ADD_INT8, call.params, a, b, ref)
    no_tables = dict(call.params, input1_table=None, input2_table=None)
    plain = np.zeros(2048, np.int8)
    add_lib.run(ADD_INT8, no_tables, a, b, plain)
    assert np.array_equal(ref, plain)
    for pos in (0, 1):
        ins = [a.copy(), b.copy()]
        add_lib.run(ADD_INT8, call.params, ins[0], ins[1], ins[pos])
        assert np.array_equal(ins[pos], ref)


# --------------------------------------------------------------------------- in-place (overlap)

def _overlap_case(lib, kind, in_hw, in_c, out_c, k, stride, padding, groups=1, mult=1, seed=0):
    """Run the kernel with its output starting raster_gap() bytes before its input in one
    buffer (the tightest overlap the planner may choose) and compare with a separate output.
    Every case below overlaps (gap < input size)."""
    r = np.random.default_rng(seed)
    buf, xs = _conv_case(r, kind, in_hw, in_c, out_c, k, stride, padding, mult=mult, groups=groups)
    g = read_model(buf, "m").main
    (op,) = g.ops
    mod = conv_2d if kind == "CONV_2D" else depthwise_conv_2d
    call = mod.lower(op, g)
    consts = const_inputs(call, g)
    y_t = g.t(op.outputs[0])
    win = call.params["win"]
    _, pad_top = compute_padding(padding, in_hw[0], k[0], stride[0])
    _, pad_left = compute_padding(padding, in_hw[1], k[1], stride[1])
    gap = raster_gap(1, in_hw[0], in_hw[1], in_c, win["out_h"], win["out_w"], win["out_c"],
                     stride[0], stride[1], pad_top, pad_left)
    for extra in (0, 5, 13):  # the planner may start the output further before the input
        d = gap + extra
        assert d < int(np.prod(xs[0].shape))
        for x in xs:
            want = np.zeros(y_t.size, np.int8)
            lib.call(call, x, *consts, want)
            arena = np.zeros(max(d + x.size, y_t.size) + 16, np.int8)
            arena[d:d + x.size] = x.ravel()
            lib.call(call, arena.ctypes.data + d, *consts, arena)
            assert np.array_equal(arena[:y_t.size], want), (kind, in_hw, in_c, out_c, k, stride, d)


@pytest.mark.parametrize("case", [
    dict(in_hw=(9, 7), in_c=16, out_c=16, k=(3, 3), stride=(1, 1), padding="SAME"),
    dict(in_hw=(9, 7), in_c=40, out_c=40, k=(1, 1), stride=(1, 1), padding="VALID"),
    dict(in_hw=(8, 8), in_c=12, out_c=12, k=(3, 3), stride=(1, 1), padding="SAME", groups=3),
    dict(in_hw=(7, 6), in_c=48, out_c=48, k=(3, 3), stride=(1, 1), padding="SAME"),  # K=432 > 192
    dict(in_hw=(10, 9), in_c=40, out_c=40, k=(3, 3), stride=(2, 2), padding="SAME"),
], ids=str)
def test_conv_in_place(lib, case):
    _overlap_case(lib, "CONV_2D", **case)


@pytest.mark.parametrize("case", [
    dict(in_hw=(9, 7), in_c=32, out_c=32, k=(3, 3), stride=(1, 1), padding="SAME"),
    dict(in_hw=(9, 8), in_c=20, out_c=20, k=(3, 3), stride=(2, 2), padding="SAME"),
    dict(in_hw=(12, 12), in_c=4, out_c=12, k=(3, 3), stride=(2, 2), padding="SAME", mult=3),
    dict(in_hw=(12, 12), in_c=16, out_c=32, k=(3, 3), stride=(2, 2), padding="SAME", mult=2),
], ids=str)
def test_depthwise_in_place(lib, case):
    _overlap_case(lib, "DEPTHWISE_CONV_2D", **case)
