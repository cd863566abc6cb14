"""AVERAGE_POOL_2D / MAX_POOL_2D / SOFTMAX / MEAN (int8): cases the ops corpus lacks.

Whole pipeline against TFLM (verify_bytes) on synthetic single-op models:
- SOFTMAX: every (a, b) int8 pair as a 2-wide row (65536 rows in one tensor) for several
  beta * input_scale products, beta != 1, int8 and int16 (scale 1/65536, zp -32768) output;
  depth 1, wide rows, rows near the int8 maximum; Prepare constants and refusals (TFLM
  aborts when beta * input_scale * 2^26 <= 1);
- pools: every fused activation with clamping quantizations, odd geometries (stride > filter,
  filter > image with SAME, batches, 1x1);
- MEAN: equal input/output quantization (TFLM still rounds through QuantizedMeanOrSum),
  negative / duplicate / 3- and 4-axis sets, 5-D input, saturating inputs;
- in-place calls (KernelCall.overlap_ok) of the SOFTMAX and MEAN kernels through ctypes.
"""

from __future__ import annotations

import numpy as np
import pytest

from micro.frontend import read_model
from micro.ops import mean as mean_op
from micro.ops import softmax as softmax_op
from micro.geometry import compute_padding
from micro.kernels.mean import MEAN_INT8
from micro.kernels.softmax import SOFTMAX_INT8
from micro.testing.tflite_builder import ModelBuilder

from support.op_models import pool_model

import tflite_micro.python.tflite_micro.runtime  # noqa: F401,E402  (the oracle)
from micro.verify.compare import verify_bytes  # noqa: E402
from support.kernel_bindings import build_kernel_library  # noqa: E402



def _exact(buf: bytes, name: str, inputs=None, random: int = 3, seed: int = 0):
    report = verify_bytes(buf, name, inputs=inputs, random=random, seed=seed)
    assert report.ok, report.summary()


# --------------------------------------------------------------------------- builders

def softmax_model(shape, beta=1.0, scale=0.0235, zp=0, out="int8") -> bytes:
    b = ModelBuilder()
    x = b.tensor("input", shape, "int8", scale=scale, zero_point=zp)
    if out == "int8":
        y = b.tensor("output", shape, "int8", scale=1.0 / 256.0, zero_point=-128)
    else:
        y = b.tensor("output", shape, "int16", scale=1.0 / 65536.0, zero_point=-32768)
    b.op("SOFTMAX", [x], [y], {"beta": float(beta)})
    return b.finish()


def mean_model(shape, axes, keep_dims, xq, yq) -> bytes:
    rank = len(shape)
    norm = {a % rank for a in axes}
    out_shape = tuple((1 if i in norm else d) for i, d in enumerate(shape)) if keep_dims else tuple(
        d for i, d in enumerate(shape) if i not in norm)
    b = ModelBuilder()
    x = b.tensor("input", shape, "int8", scale=xq[0], zero_point=xq[1])
    a = b.const("axes", np.asarray(axes, dtype=np.int32))
    y = b.tensor("output", out_shape, "int8", scale=yq[0], zero_point=yq[1])
    b.op("MEAN", [x, a], [y], {"keep_dims": bool(keep_dims)})
    b.inputs([x])
    b.outputs([y])
    return b.finish()


# --------------------------------------------------------------------------- SOFTMAX

_A, _B = np.meshgrid(np.arange(-128, 128), np.arange(-128, 128))
ALL_PAIRS = np.stack([_A.ravel(), _B.ravel()], axis=1).astype(np.int8)


@pytest.mark.parametrize("beta,scale", [(1.0, 0.0235), (1.0, 0.156), (1.0, 0.0039), (0.5, 0.3), (2.0, 0.07),
                                        (1.0, 1.0), (1.0, 5e-5), (0.25, 0.01), (1000.0, 1.0)])
@pytest.mark.parametrize("out", ["int8", "int16"])
def test_softmax_all_pairs(beta, scale, out):
    _exact(softmax_model((65536, 2), beta, scale, 3, out), f"softmax_pairs_{out}", inputs=[[ALL_PAIRS]],
           random=1)


@pytest.mark.parametrize("shape,out,lo", [((3, 1), "int8", -128), ((2, 300), "int8", -128),
                                          ((4, 500), "int8", 100), ((2, 2000), "int16", 100),
                                          ((2, 3, 4, 5), "int16", -128)])
def test_softmax_rows(shape, out, lo):
    rng = np.random.default_rng(7)
    x = rng.integers(lo, 128, size=shape).astype(np.int8)
    _exact(softmax_model(shape, 1.0, 0.0235, -5, out), "softmax_rows", inputs=[[x]], random=2)


def test_softmax_prepare_constants():
    # The real multiplier saturates at 2^31 - 1: shift 31, radius 0 (only the row max counts).
    assert softmax_op.softmax_input_params(1000.0, 1.0) == (2**31 - 1, 31, 0)
    # beta * scale = 2^-5 -> real 2^21 exactly: mult 2^30, shift 22, radius floor(31 * 2^26 / 2^22).
    assert softmax_op.softmax_input_params(1.0, 2.0**-5) == (2**30, 22, -496)


def test_softmax_refusals():
    def problems(buf):
        g = read_model(buf, "m").main
        return softmax_op.check(g.ops[0], g)

    assert problems(softmax_model((1, 10), 1.0, 0.02)) == []
    assert problems(softmax_model((1, 10), 1e-4, 3.7e-5))  # TFLM aborts: multiplier <= 1
    b = ModelBuilder()
    x = b.tensor("input", (1, 10), "int8", scale=0.02, zero_point=0)
    y = b.tensor("output", (1, 10), "int8", scale=1.0 / 255.0, zero_point=-128)
    b.op("SOFTMAX", [x], [y], {"beta": 1.0})
    assert problems(b.finish())  # TFLM requires exactly 1/256


# --------------------------------------------------------------------------- pools

@pytest.mark.parametrize("kind", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
@pytest.mark.parametrize("act", ["NONE", "RELU", "RELU_N1_TO_1", "RELU6"])
@pytest.mark.parametrize("scale,zp", [(0.1, 10), (0.02, -1), (0.5, -128), (0.01, 100)])
def test_pool_activation(kind, act, scale, zp):
    _exact(pool_model(kind, (1, 7, 9, 3), 3, 3, 2, 2, "SAME", act, scale, zp), kind.lower())


@pytest.mark.parametrize("kind", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
@pytest.mark.parametrize("in_shape,fh,fw,sh,sw,padding", [
    ((2, 9, 7, 4), 2, 2, 3, 3, "VALID"), ((2, 9, 7, 4), 2, 2, 3, 3, "SAME"),
    ((1, 4, 5, 2), 7, 6, 1, 1, "SAME"), ((1, 4, 5, 2), 1, 1, 1, 1, "VALID"),
    ((1, 11, 13, 6), 4, 5, 3, 2, "SAME"), ((1, 11, 13, 6), 5, 4, 2, 3, "VALID"),
    ((3, 1, 16, 8), 1, 4, 1, 4, "SAME"), ((1, 6, 6, 1), 6, 6, 6, 6, "SAME")])
def test_pool_geometry(kind, in_shape, fh, fw, sh, sw, padding):
    _exact(pool_model(kind, in_shape, fh, fw, sh, sw, padding), kind.lower(), random=4)


# --------------------------------------------------------------------------- MEAN

MEAN_QUANTS = [((0.07, -9), (0.07, -9)), ((0.0235, 0), (0.0045, -12)), ((0.02, 5), (0.2, -100)),
               ((0.05, -128), (0.01, 127)), ((0.003, 3), (0.05, 0))]


@pytest.mark.parametrize("shape,axes,keep", [
    ((1, 7, 7, 64), (1, 2), True), ((1, 7, 7, 64), (2, 1), False), ((1, 7, 7, 64), (-1,), True),
    ((2, 5, 6, 3), (0,), False), ((2, 5, 6, 3), (1, 1), True), ((2, 5, 6, 3), (3, 1), False),
    ((2, 5, 6, 3), (0, 3), True), ((4, 34), (1,), False), ((50,), (0,), False),
    ((2, 3, 4, 5, 6), (2, 4), True), ((2, 5, 6, 3), (1, 2, 3), True), ((2, 5, 6, 3), (0, -3, 2, 3), False)])
@pytest.mark.parametrize("quant", range(len(MEAN_QUANTS)))
def test_mean_variants(shape, axes, keep, quant):
    xq, yq = MEAN_QUANTS[quant]
    n = int(np.prod(shape))
    extremes = [[np.full(shape, 127, np.int8)], [np.full(shape, -128, np.int8)],
                [np.where(np.arange(n) % 2 == 0, 127, -128).astype(np.int8).reshape(shape)]]
    _exact(mean_model(shape, axes, keep, xq, yq), "mean", inputs=extremes, random=3)


# --------------------------------------------------------------------------- in place

@pytest.fixture(scope="module")
def kernel_lib(tmp_path_factory):
    return build_kernel_library(tmp_path_factory.mktemp("kernels"), [SOFTMAX_INT8, MEAN_INT8])


def test_inplace_softmax_and_mean(kernel_lib):
    rng = np.random.default_rng(3)
    # SOFTMAX int8 -> int8 in place.
    g = read_model(softmax_model((5, 37), 0.7, 0.05, 2), "m").main
    call = softmax_op.lower(g.ops[0], g)
    assert call.overlap_ok == (0,)
    x = rng.integers(-128, 128, size=(5, 37)).astype(np.int8)
    ref = np.zeros_like(x)
    kernel_lib.call(call, x, ref)
    buf = x.copy()
    kernel_lib.call(call, buf, buf)
    assert np.array_equal(buf, ref)
    # MEAN in place: the output starts at the input's address.
    g = read_model(mean_model((2, 6, 5, 3), (1, 2), True, (0.02, 5), (0.01, -7)), "m").main
    call = mean_op.lower(g.ops[0], g)
    assert call.overlap_ok == (0,)
    x = rng.integers(-128, 128, size=(2, 6, 5, 3)).astype(np.int8)
    scratch = np.zeros(call.scratch_bytes // 4, np.int32)
    ref = np.zeros(g.t(g.ops[0].outputs[0]).size, np.int8)
    kernel_lib.call(call, x, ref, scratch)
    buf = x.copy().ravel()
    kernel_lib.call(call, buf, buf, scratch)
    assert np.array_equal(buf[:ref.size], ref)
