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

import glob
from pathlib import Path

import numpy as np
import pytest

from micro.frontend.tflite_reader import read_model
from micro.ops import conv_2d, depthwise_conv_2d
from micro.geometry import compute_padding
from micro.kernels.conv_2d import CONV_2D_INT8
from micro.kernels.depthwise_conv_2d import DEPTHWISE_CONV_2D_INT8

from micro.testing.tflite_builder import ModelBuilder
from conftest import MODELS, need_tool
from support.kernel_bindings import build_kernel_library

from tflite_micro.python.tflite_micro import runtime as rt  # noqa: E402  (the oracle)

MODULES = {"CONV_2D": conv_2d, "DEPTHWISE_CONV_2D": depthwise_conv_2d}


# --------------------------------------------------------------------------- kernel library

@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    need_tool("gcc")
    return build_kernel_library(tmp_path_factory.mktemp("conv_lib"), [CONV_2D_INT8, DEPTHWISE_CONV_2D_INT8])


def run_kernel(lib, g, op, x: np.ndarray) -> np.ndarray:
    mod = MODULES[op.kind]
    assert mod.check(op, g) == []
    call = mod.lower(op, g)
    w = np.ascontiguousarray(g.t(op.inputs[1]).data, dtype=np.int8)
    b_t = g.t(call.inputs[2])
    b = None if b_t is None else np.ascontiguousarray(b_t.data, dtype=np.int32)
    y = np.zeros(g.t(op.outputs[0]).shape, dtype=np.int8)
    lib.call(call, np.ascontiguousarray(x, dtype=np.int8), w, b, y)
    return y


def tflm_interpreter(buf: bytes, preserve: bool = False):
    cfg = rt.InterpreterConfig
    cfg = cfg.kPreserveAllTensors if preserve else cfg.kAllocationRecording
    return rt.Interpreter.from_bytes(bytes(buf), arena_size=64 << 20, intrepreter_config=cfg)


# --------------------------------------------------------------------------- model builder

def build_model(kind: str, x_shape, x_q, w: np.ndarray, w_scales, w_axis, bias, y_shape, y_q,
                options: dict) -> bytes:
    """A one-op int8 model: input x -> kind(x, const filter[, const bias]) -> output y."""
    b = ModelBuilder()
    x = b.tensor("x", x_shape, "int8", scale=x_q[0], zero_point=x_q[1])
    w_scales = np.asarray(w_scales, np.float32).ravel()
    wt = b.const("w", w.astype(np.int8), scale=w_scales, zero_point=0, axis=w_axis)
    bt = None
    if bias is not None:
        bt = b.const("b", bias.astype(np.int32), scale=np.float32(x_q[0]) * w_scales, zero_point=0)
    y = b.tensor("y", y_shape, "int8", scale=y_q[0], zero_point=y_q[1])
    opts = {"padding": options["padding"], "fused_activation_function": options["act"],
            "stride_h": options["stride"][0], "stride_w": options["stride"][1],
            "dilation_h_factor": options["dilation"][0], "dilation_w_factor": options["dilation"][1]}
    if kind == "DEPTHWISE_CONV_2D":
        opts["depth_multiplier"] = options["depth_multiplier"]
    b.op(kind, [x, wt, bt], [y], opts)
    b.inputs([x])
    b.outputs([y])
    return b.finish()


def random_case(kind: str, seed: int):
    r = np.random.default_rng(seed)
    batches = int(r.choice([1, 1, 2, 3]))
    k_h, k_w = int(r.integers(1, 6)), int(r.integers(1, 6))
    s_h, s_w = int(r.integers(1, 4)), int(r.integers(1, 4))
    d_h, d_w = (int(r.integers(1, 4)), int(r.integers(1, 4))) if r.random() < 0.4 else (1, 1)
    padding = str(r.choice(["SAME", "VALID"]))
    act = str(r.choice(["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]))
    in_h = int(r.integers((k_h - 1) * d_h + 1, (k_h - 1) * d_h + 12))
    in_w = int(r.integers((k_w - 1) * d_w + 1, (k_w - 1) * d_w + 12))
    opts = dict(padding=padding, act=act, stride=(s_h, s_w), dilation=(d_h, d_w))
    if kind == "CONV_2D":
        groups = int(r.choice([1, 1, 1, 2, 3]))
        fic = int(r.integers(1, 9))
        in_c = fic * groups
        out_c = groups * int(r.integers(1, 6))
        w_shape, axis, taps = (out_c, k_h, k_w, fic), 0, k_h * k_w * fic
    else:
        in_c = int(r.integers(1, 9))
        mult = int(r.choice([1, 1, 2, 3, 5]))
        out_c = in_c * mult
        opts["depth_multiplier"] = mult
        w_shape, axis, taps = (1, k_h, k_w, out_c), 3, k_h * k_w
    n_scales = 1 if r.random() < 0.3 else out_c  # per-tensor or per-channel weights
    x_scale = float(np.float32(r.uniform(0.002, 0.1)))
    x_zp = int(r.integers(-128, 128))
    # Output quantization as a converter would pick it for the activation, zero point
    # jittered so the clamps land anywhere.
    if act == "RELU6":
        y_scale, y_zp = 6 / 255 * r.uniform(0.5, 2), int(r.integers(-128, -60))
    elif act == "RELU_N1_TO_1":
        y_scale, y_zp = 2 / 255 * r.uniform(0.5, 2), int(r.integers(-40, 41))
    elif act == "RELU":
        y_scale, y_zp = float(np.exp(r.uniform(-5, 0))), int(r.integers(-128, -60))
    else:
        y_scale, y_zp = float(np.exp(r.uniform(-5, 0))), int(r.integers(-128, 128))
    y_scale = float(np.float32(y_scale))
    acc_spread = 73 * 74 * np.sqrt(taps)  # std of sum(w * (x - x_zp)) for uniform int8 data
    if r.random() < 0.15:
        # Multipliers > 1 (positive shifts): sparse +-1 weights keep outputs in range.
        w = (r.integers(-1, 2, size=w_shape) * (r.random(w_shape) < 0.15)).astype(np.int8)
        w_scales = (y_scale / x_scale * r.uniform(1.2, 4, size=n_scales)).astype(np.float32)
        bias_range = 200
    else:
        w = r.integers(-127, 128, size=w_shape).astype(np.int8)
        target = y_scale * 40 * r.uniform(0.3, 3)  # real spread of the accumulator
        w_scales = (target / (x_scale * acc_spread) * r.uniform(0.5, 2, size=n_scales)
                    ).astype(np.float32)
        bias_range = int(acc_spread)
    # TFLM's depthwise Prepare crashes (segfault) on a bias-less model, so the oracle can
    # only check bias-less CONV_2D; the kernels treat bias == NULL alike.
    no_bias = r.random() < 0.25 and kind == "CONV_2D"
    bias = None if no_bias else r.integers(-bias_range, bias_range + 1, size=out_c).astype(np.int32)
    out_h, _ = compute_padding(padding, in_h, k_h, s_h, d_h)
    out_w, _ = compute_padding(padding, in_w, k_w, s_w, d_w)
    buf = build_model(kind, (batches, in_h, in_w, in_c), (x_scale, x_zp), w, w_scales, axis, bias,
                      (batches, out_h, out_w, out_c), (y_scale, y_zp), opts)
    return buf, (batches, in_h, in_w, in_c), r


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

CORPUS = sorted(glob.glob(str(MODELS / "ops" / "conv_2d__*.tflite")) +
                glob.glob(str(MODELS / "ops" / "depthwise_conv_2d__*.tflite")))


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
    buf, x_shape, r = random_case(kind, seed)
    xs = [r.integers(-128, 128, size=x_shape).astype(np.int8) for _ in range(2)]
    _compare_single_op(lib, buf, xs)


def test_per_tensor_broadcast_and_no_bias(lib):
    """Per-tensor weights: TFLM broadcasts the one scale and computes the multiplier in
    double (unlike FULLY_CONNECTED's float32 product)."""
    r = np.random.default_rng(7)
    w = r.integers(-127, 128, size=(6, 3, 3, 4)).astype(np.int8)
    opts = dict(padding="SAME", act="RELU6", stride=(2, 1), dilation=(1, 2))
    buf = build_model("CONV_2D", (2, 9, 7, 4), (0.0173, -5), w, np.float32([0.0071]), 0, None,
                      (2, 5, 7, 6), (0.0391, 11), opts)
    g = read_model(buf, "m").main
    call = conv_2d.lower(g.ops[0], g)
    assert call.inputs[2] is None
    assert call.params["rq"]["mult"].size == 6 and len(set(call.params["rq"]["mult"].tolist())) == 1
    _compare_single_op(lib, buf, [r.integers(-128, 128, size=(2, 9, 7, 4)).astype(np.int8)])


def test_check_rejects_inconsistent_depth_multiplier():
    r = np.random.default_rng(3)
    w = r.integers(-127, 128, size=(1, 3, 3, 6)).astype(np.int8)
    opts = dict(padding="SAME", act="NONE", stride=(1, 1), dilation=(1, 1), depth_multiplier=3)
    buf = build_model("DEPTHWISE_CONV_2D", (1, 5, 5, 3), (0.02, 0), w, np.full(6, 0.01, np.float32),
                      3, None, (1, 5, 5, 6), (0.05, 0), opts)
    g = read_model(buf, "m").main
    assert any("depth_multiplier" in p for p in depthwise_conv_2d.check(g.ops[0], g))


REAL = sorted(glob.glob(str(MODELS / "*.tflite")))


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
