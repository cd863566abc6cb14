"""micro's HiFi 4 intrinsic emulation (micro/kernels_c/mn_hifi_emu.h) and the helpers of mn_hifi4.h: every
intrinsic against a scalar definition written here from the public descriptions (vectors as lists, lane i
at index i, memory element 0 in lane 3), the lane orders against the compositions nnlib's public compat
header uses for cores without the HiFi 4 operation (built in tests/fixtures/hifi/hifi_emu_harness.c), and
the requantization helpers against TFLM's arithmetic (micro.fixedpoint)."""

from __future__ import annotations

import ctypes
import subprocess

import numpy as np
import pytest

from micro.codegen.kernel_header import KERNELS_DIR
from micro.fixedpoint import rdbpot, srdhm
from micro.ops.conv_packed import single_rounding_requant

from support.kernel_bindings import STRICT
from support.paths import ROOT, need_tool

HARNESS = ROOT / "tests" / "fixtures" / "hifi" / "hifi_emu_harness.c"
I16, I32, I64, U8, I8 = ctypes.c_int16, ctypes.c_int32, ctypes.c_int64, ctypes.c_uint8, ctypes.c_int8
R = np.random.default_rng(7)
N = 300  # random cases per intrinsic


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    need_tool("gcc")
    so = tmp_path_factory.mktemp("hifi_emu") / "libhifi_emu.so"
    subprocess.run(["gcc", *STRICT, "-O2", "-fPIC", "-shared", "-I", str(KERNELS_DIR), str(HARNESS), "-o", str(so)],
                   check=True, capture_output=True)
    lib = ctypes.CDLL(str(so))
    for name in ("t_zero64", "t_movint64_fromint32x2", "t_add64", "t_sraa64", "t_srai64", "t_mul32_ll",
                 "t_mula32_ll", "t_mulaaaaq16", "t_mulzaaaaq16", "t_mula16_00", "t_dot_s16_s8",
                 "t_mulaaaaq16_compat", "t_mula16_00_compat"):
        getattr(lib, name).restype = I64
    lib.t_rq_single.restype = I32
    lib.t_mul_by_qmult.restype = I32
    return lib


def arr(ctype, values):
    return (ctype * len(values))(*[int(v) for v in values])


def v16():
    return [int(v) for v in R.integers(-2**15, 2**15, 4)]


def v32():
    return [int(v) for v in R.integers(-2**31, 2**31, 2)]


def wrap(x: int, bits: int) -> int:
    x &= (1 << bits) - 1
    return x - (1 << bits) if x >> (bits - 1) else x


def sat16(x: int) -> int:
    return max(-2**15, min(2**15 - 1, x))


# ---- loads ------------------------------------------------------------------------------------------------

def test_l8x4f_puts_element_0_in_lane_3_as_value_times_256(emu):
    mem = np.zeros(64, np.int8)
    mem[:] = R.integers(-128, 128, 64)
    mem[4:8] = [-128, 127, -1, 0]
    base = mem.ctypes.data
    aligned = (-base) % 4
    out, step = arr(I16, [0] * 4), I32()
    for k in range(0, 40, 4):
        at = aligned + k
        emu.t_l8x4f(ctypes.c_void_p(base + at), out, ctypes.byref(step))
        assert list(out) == [int(mem[at + 3 - i]) * 256 for i in range(4)] and step.value == 4
        # the compat composition for HiFi 3 cores gives the same lanes
        ref = arr(I16, [0] * 4)
        emu.t_l8x4f_compat(ctypes.c_void_p(base + at), ref)
        assert list(ref) == list(out)
    # a misaligned address loads the aligned word below it, as the core's load unit (low bits ignored)
    emu.t_l8x4f(ctypes.c_void_p(base + aligned + 5), out, ctypes.byref(step))
    assert list(out) == [int(mem[aligned + 4 + 3 - i]) * 256 for i in range(4)]


def test_l16x4_aligned(emu):
    mem = R.integers(-2**15, 2**15, 32).astype(np.int16)
    base = mem.ctypes.data
    first = ((-base) % 8) // 2
    out, step = arr(I16, [0] * 4), I32()
    for k in range(first, 24, 4):
        emu.t_l16x4(ctypes.c_void_p(base + 2 * k), out, ctypes.byref(step))
        assert list(out) == [int(mem[k + 3 - i]) for i in range(4)] and step.value == 8
    emu.t_l16x4(ctypes.c_void_p(base + 2 * first + 2), out, ctypes.byref(step))   # misaligned: low bits ignored
    assert list(out) == [int(mem[first + 3 - i]) for i in range(4)]


@pytest.mark.parametrize("offset", range(4))
def test_la16x4_unaligned_stream(emu, offset):
    mem = R.integers(-2**15, 2**15, 64).astype(np.int16)
    out = arr(I16, [0] * 16)
    emu.t_la16x4(ctypes.c_void_p(mem.ctypes.data + 2 * offset), 4, 0, out)
    want = [int(mem[offset + 4 * g + 3 - i]) for g in range(4) for i in range(4)]
    assert list(out) == want
    # a stream primed for another address gives the poison pattern
    emu.t_la16x4(ctypes.c_void_p(mem.ctypes.data + 2 * offset), 1, 2, out)
    assert list(out)[:4] == [-2**15] * 4


# ---- 16-bit lanes -----------------------------------------------------------------------------------------

def test_moves_and_16_bit_lanes(emu):
    out, out8, out32 = arr(I16, [0] * 4), arr(U8, [0] * 4), arr(I32, [0] * 4)
    for _ in range(N):
        a, b = v16(), v16()
        x = int(R.integers(-2**31, 2**31))
        emu.t_movda16(x, out)
        assert list(out) == [wrap(x, 16)] * 4
        emu.t_add16(arr(I16, a), arr(I16, b), out)
        assert list(out) == [wrap(p + q, 16) for p, q in zip(a, b)]
        s = int(R.integers(0, 16))
        emu.t_srai16(arr(I16, a), s, out)
        assert list(out) == [p >> s for p in a]
        h, lo = v32(), v32()
        emu.t_sat16x4(arr(I32, h), arr(I32, lo), out)
        assert list(out) == [sat16(lo[0]), sat16(lo[1]), sat16(h[0]), sat16(h[1])]
        emu.t_lt16(arr(I16, a), arr(I16, b), out8)
        flags = [int(p < q) for p, q in zip(a, b)]
        assert list(out8) == flags
        emu.t_movt16x4(arr(I16, a), arr(I16, b), arr(U8, flags), out)
        assert list(out) == [q if f else p for p, q, f in zip(a, b, flags)]
        emu.t_movad16(arr(I16, a), out32)
        assert list(out32) == a
    emu.t_zero16(out)
    assert list(out) == [0] * 4


def sel16(a: list[int], b: list[int], digits: str) -> list[int]:
    """The 8 lanes a3..a0 b3..b0 numbered 7..0 (b's lane i is lane i, a's lane i is lane 4 + i); the digits
    name the result's lanes 3..0."""
    lanes = b + a
    return [lanes[int(d)] for d in reversed(digits)]


def test_sel16(emu):
    out = arr(I16, [0] * 4)
    emu.t_sel16_7362(arr(I16, [0, 1, 2, 3]), arr(I16, [10, 11, 12, 13]), out)
    assert list(out) == [12, 2, 13, 3]        # lanes 3..0 = a3 b3 a2 b2
    emu.t_sel16_5432(arr(I16, [0, 1, 2, 3]), arr(I16, [10, 11, 12, 13]), out)
    assert list(out) == [12, 13, 0, 1]        # lanes 3..0 = a1 a0 b3 b2
    for _ in range(N):
        a, b = v16(), v16()
        emu.t_sel16_7362(arr(I16, a), arr(I16, b), out)
        assert list(out) == sel16(a, b, "7362")
        emu.t_sel16_5432(arr(I16, a), arr(I16, b), out)
        assert list(out) == sel16(a, b, "5432")
    # the depthwise kernel's composition: {c0, c2, c1, c3} in memory order -> {c0, c1, c2, c3}
    w = [3, 1, 2, 0]            # lanes 0..3 = memory elements 3, 1, 2, 0 = channels c3 c1 c2 c0
    t = arr(I16, [0] * 4)
    emu.t_sel16_5432(arr(I16, w), arr(I16, w), t)
    emu.t_sel16_7362(arr(I16, w), t, out)
    assert list(out) == [3, 2, 1, 0]          # memory order c0 c1 c2 c3


# ---- 32-bit pairs and 64-bit values -----------------------------------------------------------------------

def test_pairs_and_64_bit_values(emu):
    out = arr(I32, [0] * 2)
    assert emu.t_zero64() == 0
    emu.t_zero32(out)
    assert list(out) == [0, 0]
    for _ in range(N):
        h, lo = (int(v) for v in R.integers(-2**31, 2**31, 2))
        emu.t_movda32x2(h, lo, out)
        assert list(out) == [lo, h]           # lane 1 = H
        emu.t_movda32(h, out)
        assert list(out) == [h, h]
        emu.t_movad32(arr(I32, [lo, h]), out)
        assert list(out) == [lo, h]
        q = emu.t_movint64_fromint32x2(arr(I32, [lo, h]))
        assert q == wrap((h << 32) | (lo & 0xFFFFFFFF), 64)   # H is the high word
        emu.t_movint32x2_fromint64(I64(q), out)
        assert list(out) == [lo, h]
        a, b = (int(v) for v in R.integers(-2**63, 2**63, 2, dtype=np.int64))
        assert emu.t_add64(I64(a), I64(b)) == wrap(a + b, 64)
        s = int(R.integers(0, 64))
        assert emu.t_sraa64(I64(a), I32(s)) == a >> s
        assert emu.t_srai64(I64(a), I32(s)) == a >> s


def test_multiplies(emu):
    for _ in range(N):
        a, b = v32(), v32()
        q = int(R.integers(-2**62, 2**62, dtype=np.int64))
        assert emu.t_mul32_ll(arr(I32, a), arr(I32, b)) == a[0] * b[0]   # the L lanes
        assert emu.t_mula32_ll(I64(q), arr(I32, a), arr(I32, b)) == wrap(q + a[0] * b[0], 64)
        x, y = v16(), v16()
        quad = sum(p * r for p, r in zip(x, y))
        assert emu.t_mulaaaaq16(I64(q), arr(I16, x), arr(I16, y)) == q + quad
        assert emu.t_mulzaaaaq16(arr(I16, x), arr(I16, y)) == quad
        assert emu.t_mulaaaaq16_compat(I64(q), arr(I16, x), arr(I16, y)) == q + quad
        assert emu.t_mula16_00(I64(q), arr(I16, x), arr(I16, y)) == q + x[0] * y[0]
        assert emu.t_mula16_00_compat(I64(q), arr(I16, x), arr(I16, y)) == q + x[0] * y[0]
        h, lo = v32(), v32()
        hh, ll = arr(I32, h), arr(I32, lo)
        emu.t_mula16x4(hh, ll, arr(I16, x), arr(I16, y))
        assert list(hh) == [wrap(h[0] + x[2] * y[2], 32), wrap(h[1] + x[3] * y[3], 32)]
        assert list(ll) == [wrap(lo[0] + x[0] * y[0], 32), wrap(lo[1] + x[1] * y[1], 32)]
    extreme = [-2**15] * 4
    assert emu.t_mulzaaaaq16(arr(I16, extreme), arr(I16, extreme)) == 4 * 2**30   # no 32-bit overflow inside


# ---- the helpers of mn_hifi4.h ----------------------------------------------------------------------------

def test_dot_s16_s8_any_alignment_and_length(emu):
    x = R.integers(-2**15, 2**15, 80).astype(np.int16)
    x[:8] = -2**15
    w = R.integers(-128, 128, 90).astype(np.int8)
    w[:8] = -128
    for xo in range(3):
        for wo in range(5):
            for n in (0, 1, 3, 4, 5, 8, 11, 37, 64):
                want = 256 * int(np.dot(x[xo:xo + n].astype(np.int64), w[wo:wo + n].astype(np.int64)))
                got = emu.t_dot_s16_s8(I64(5 * 256), ctypes.c_void_p(x.ctypes.data + 2 * xo),
                                       ctypes.c_void_p(w.ctypes.data + wo), I32(n))
                assert got == 5 * 256 + want, (xo, wo, n)


def _mbqm(x: int, m: int, shift: int) -> int:
    left, right = max(shift, 0), max(-shift, 0)
    return int(rdbpot(srdhm(np.int32(wrap(x << left, 32)), np.int32(m)), right))


def test_mul_by_qmult_matches_tflm(emu):
    xs = [0, 1, -1, 2**31 - 1, -2**31, 2**30, -2**30, 12345, -12345] + [int(v) for v in R.integers(-2**31, 2**31, N)]
    for x in xs:
        for _ in range(3):
            m = int(R.choice([2**30, 2**31 - 1, int(R.integers(2**30, 2**31))]))
            s = int(R.integers(-31, 8))
            assert emu.t_mul_by_qmult(x, m, s) == _mbqm(x, m, s), (x, m, s)
    assert emu.t_mul_by_qmult(-2**31, -2**31, 0) == 2**31 - 1   # SRDHM's one saturating case


def test_rq_single_matches_tflm(emu):
    for _ in range(N):
        m = int(R.integers(2**30, 2**31))
        shift = int(R.integers(-23, 0))
        zp = int(R.integers(-128, 128))
        rq = single_rounding_requant(np.array([m]), np.array([shift]), zp)[0]
        for acc in (0, -1, 1, 2**31 - 1, -2**31, int(R.integers(-2**31, 2**31)), int(R.integers(-2**20, 2**20))):
            assert emu.t_rq_single(acc, arr(I32, rq)) == _mbqm(acc, m, shift) + zp, (acc, m, shift, zp)


def test_store4_saturates_clamps_and_strides(emu):
    out = np.zeros(16, np.int8)
    emu.t_store4(arr(I32, [2**20, -2**20, 5, -7]), -100, 90, ctypes.c_void_p(out.ctypes.data), 4, 4)
    assert list(out[::4]) == [90, -100, 5, -7]
    out[:] = 0
    emu.t_store4(arr(I32, [1, 2, 3, 4]), -128, 127, ctypes.c_void_p(out.ctypes.data), 1, 2)
    assert list(out[:4]) == [1, 2, 0, 0]
