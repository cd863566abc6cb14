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

import ctypes
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from micro.frontend.tflite_reader import read_model
from micro.ops import conv_2d, depthwise_conv_2d

from support.corpus import corpus_models
from support.op_models import conv_model, random_conv_case
from support.oracle import tflm_interpreter
from support.paths import MODELS, need_tool

KERNELS = Path(__file__).resolve().parents[1] / "micro" / "kernels_c"
MODULES = {"CONV_2D": conv_2d, "DEPTHWISE_CONV_2D": depthwise_conv_2d}
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2"]


# --------------------------------------------------------------------------- kernel library

@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    gcc = need_tool("gcc")
    out = tmp_path_factory.mktemp("conv_lib")
    srcs = [KERNELS / "mn_conv_2d_int8.c", KERNELS / "mn_depthwise_conv_2d_int8.c"]
    so = out / "libmnconv.so"
    # MN_SANITIZE=1 (with LD_PRELOAD=$(gcc -print-file-name=libasan.so)) checks every
    # memory access and the absence of signed overflow.
    extra = (["-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
             if os.environ.get("MN_SANITIZE") else [])
    subprocess.run([gcc, *STRICT, *extra, "-fPIC", "-shared", "-I", str(KERNELS), *map(str, srcs),
                    "-o", str(so)], check=True, capture_output=True, text=True)
    return ctypes.CDLL(str(so))


def _struct(params: dict):
    fields = []
    for k, v in params.items():
        if v is None:  # absent optional array: NULL
            fields.append((k, ctypes.POINTER(ctypes.c_int32)))
        elif isinstance(v, np.ndarray):
            assert v.dtype == np.int32, (k, v.dtype)
            fields.append((k, ctypes.POINTER(ctypes.c_int32)))
        else:
            fields.append((k, ctypes.c_int32))
    cls = type("P", (ctypes.Structure,), {"_fields_": fields})
    keep = []
    values = {}
    for k, v in params.items():
        if isinstance(v, np.ndarray):
            arr = np.ascontiguousarray(v, dtype=np.int32)
            keep.append(arr)
            values[k] = arr.ctypes.data_as(ctypes.POINTER(ctypes.c_int32))
        elif v is not None:
            values[k] = int(v)
    return cls(**values), keep


def run_kernel(lib, g, op, x: np.ndarray) -> np.ndarray:
    mod = MODULES[op.kind]
    assert mod.check(op, g) == []
    call = mod.lower(op, g)
    s, keep = _struct(call.params)
    w = np.ascontiguousarray(g.t(op.inputs[1]).data, dtype=np.int8)
    b_t = g.t(call.inputs[2])
    b = None if b_t is None else np.ascontiguousarray(b_t.data, dtype=np.int32)
    y_t = g.t(op.outputs[0])
    y = np.zeros(y_t.shape, dtype=np.int8)
    x = np.ascontiguousarray(x, dtype=np.int8)
    getattr(lib, call.func)(ctypes.byref(s), x.ctypes.data_as(ctypes.c_void_p),
                            w.ctypes.data_as(ctypes.c_void_p),
                            None if b is None else b.ctypes.data_as(ctypes.c_void_p),
                            y.ctypes.data_as(ctypes.c_void_p))
    del keep
    return y


def _compare_single_op(lib, buf: bytes, inputs) -> None:
    model = read_model(buf, "m")
    g = model.main
    (op,) = g.ops
    it = tflm_interpreter(buf)
    for x in inputs:
        it.set_input(x, 0)
        it.invoke()
        want = it.get_output(0)
        got = run_kernel(lib, g, op, x)
        diff = np.flatnonzero(got.ravel() != want.ravel())
        assert diff.size == 0, (f"{diff.size}/{got.size} differ; first at {diff[0]}: "
                                f"got {got.ravel()[diff[0]]}, want {want.ravel()[diff[0]]}")


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
    _compare_single_op(lib, buf, xs)


@pytest.mark.parametrize("kind", ["CONV_2D", "DEPTHWISE_CONV_2D"])
@pytest.mark.parametrize("seed", range(100))
def test_random_single_op(lib, kind, seed):
    buf, x_shape, r = random_conv_case(kind, seed)
    xs = [r.integers(-128, 128, size=x_shape).astype(np.int8) for _ in range(2)]
    _compare_single_op(lib, buf, xs)


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
    assert call.inputs[2] is None
    assert call.params["mult"].size == 6 and len(set(call.params["mult"].tolist())) == 1
    _compare_single_op(lib, buf, [r.integers(-128, 128, size=(2, 9, 7, 4)).astype(np.int8)])


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
        got = run_kernel(lib, g, op, x.astype(np.int8))
        assert np.array_equal(got.ravel(), want.ravel()), f"op {op.index} {op.kind} differs"
        checked += 1
    assert checked
