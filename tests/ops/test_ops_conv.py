"""CONV_2D / DEPTHWISE_CONV_2D: the int8 kernels against TFLM, op by op.

The kernels are called directly (ctypes on a shared library built from the two
kernel sources) with the params `lower()` computes, so these tests cover the
lowering and the C code without the rest of the pipeline:

- every conv_2d__* / depthwise_conv_2d__* model of the ops corpus, random inputs;
- seeded random synthetic single-op models covering what the corpus lacks:
  batches > 1, per-tensor weights, no bias, grouped conv, large depth multipliers,
  strides/dilations/paddings/activations in every combination, multipliers > 1;
- every conv layer of the real models, fed with the layer input TFLM computed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from micro.frontend.tflite_reader import read_model
from micro.ops import conv_2d, depthwise_conv_2d
from micro.geometry import compute_padding
from micro.kernels.conv_2d import CONV_2D_INT8, CONV_2D_PACKED_INT8
from micro.kernels.depthwise_conv_2d import DEPTHWISE_CONV_2D_INT8, DEPTHWISE_CONV_2D_PACKED_INT8

from support.conv_checks import MODULES, compare_conv_op, run_conv_kernel
from support.corpus import corpus_models
from support.kernel_bindings import build_kernel_library
from support.op_models import conv_model, random_conv_case
from support.oracle import tflm_interpreter
from support.paths import MODELS, need_tool



# --------------------------------------------------------------------------- kernel library

@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    need_tool("gcc")
    return build_kernel_library(tmp_path_factory.mktemp("conv_lib"),
                                [CONV_2D_INT8, CONV_2D_PACKED_INT8, DEPTHWISE_CONV_2D_INT8,
                                DEPTHWISE_CONV_2D_PACKED_INT8])


# --------------------------------------------------------------------------- tests

CORPUS = corpus_models("conv_2d__*.tflite", "depthwise_conv_2d__*.tflite")


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: Path(p).stem)
def test_corpus(lib, path):
    buf = Path(path).read_bytes()
    g = read_model(buf, "m").main
    x_t = g.t(g.inputs[0])
    r = np.random.default_rng(1234)
    xs = [r.integers(-128, 128, size=x_t.shape).astype(np.int8) for _ in range(5)]
    xs += [np.full(x_t.shape, -128, np.int8), np.full(x_t.shape, 127, np.int8)]
    compare_conv_op(lib, buf, xs)


@pytest.mark.parametrize("kind", ["CONV_2D", "DEPTHWISE_CONV_2D"])
@pytest.mark.parametrize("seed", range(100))
def test_random_single_op(lib, kind, seed):
    buf, x_shape, r = random_conv_case(kind, seed)
    xs = [r.integers(-128, 128, size=x_shape).astype(np.int8) for _ in range(2)]
    compare_conv_op(lib, buf, xs)


def test_per_tensor_broadcast_and_no_bias(lib):
    """Per-tensor weights: TFLM broadcasts the one scale and computes the multiplier in
    double (unlike FULLY_CONNECTED's float32 product)."""
    r = np.random.default_rng(7)
    w = r.integers(-127, 128, size=(6, 3, 3, 4)).astype(np.int8)
    opts = dict(padding="SAME", act="RELU6", stride=(2, 1), dilation=(1, 2))
    buf = conv_model("CONV_2D", (2, 9, 7, 4), (0.0173, -5), w, np.float32([0.0071]), 0, None,
                     (2, 5, 7, 6), (0.0391, 11), opts)
    g = read_model(buf, "m").main
    call = conv_2d.lower(g.ops[0], g)
    if call.kernel is CONV_2D_INT8:
        assert call.inputs[-1] is None  # the bias
        mult = call.params["rq"]["mult"]
    else:  # the packed kernel's records [bias][taps4 / 2 weight words][m, c_lo, c_hi, r - 1]
        records = call.params["channels"].reshape(6, -1)
        assert call.inputs == [g.ops[0].inputs[0]] and not records[:, 0].any()  # no bias: 0
        mult = records[:, 1 + call.params["taps4"] // 2]
    assert mult.size == 6 and len(set(mult.tolist())) == 1
    compare_conv_op(lib, buf, [r.integers(-128, 128, size=(2, 9, 7, 4)).astype(np.int8)])


def test_check_rejects_inconsistent_depth_multiplier():
    r = np.random.default_rng(3)
    w = r.integers(-127, 128, size=(1, 3, 3, 6)).astype(np.int8)
    opts = dict(padding="SAME", act="NONE", stride=(1, 1), dilation=(1, 1), depth_multiplier=3)
    buf = conv_model("DEPTHWISE_CONV_2D", (1, 5, 5, 3), (0.02, 0), w, np.full(6, 0.01, np.float32),
                     3, None, (1, 5, 5, 6), (0.05, 0), opts)
    g = read_model(buf, "m").main
    assert any("depth_multiplier" in p for p in depthwise_conv_2d.check(g.ops[0], g))


REAL = corpus_models("*.tflite", folder=MODELS)


def _real_conv_models():
    out = []
    for p in REAL:
        g = read_model(Path(p).read_bytes(), "m").main
        if any(op.kind in MODULES for op in g.ops):
            out.append(p)
    return out


@pytest.mark.parametrize("path", _real_conv_models(), ids=lambda p: Path(p).stem)
def test_real_model_layers(lib, path):
    """Each conv layer of a real model, fed the input TFLM computed for it."""
    buf = Path(path).read_bytes()
    g = read_model(buf, "m").main
    it = tflm_interpreter(buf, preserve=True)
    r = np.random.default_rng(5)
    for i in range(len(g.inputs)):
        d = it.get_input_details(i)
        it.set_input(r.integers(-128, 128, size=d["shape"]).astype(d["dtype"]), i)
    it.invoke()
    checked = 0
    for op in g.ops:
        if op.kind not in MODULES:
            continue
        x = np.array(it.GetTensor(op.inputs[0], 0)["tensor_data"]).reshape(g.t(op.inputs[0]).shape)
        want = np.array(it.GetTensor(op.outputs[0], 0)["tensor_data"])
        got = run_conv_kernel(lib, g, op, x.astype(np.int8))
        assert np.array_equal(got.ravel(), want.ravel()), f"op {op.index} {op.kind} differs"
        checked += 1
    assert checked
