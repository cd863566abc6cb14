"""The test-model builder and layer generators (micro.testing) write flatbuffers that TFLM and micro's frontend
both read as intended."""

from __future__ import annotations

import numpy as np
import pytest
import tflite

from micro.frontend import read_model
from micro.testing import layers
from micro.testing.float_ops import conv2d_float
from micro.testing.quantize import choose_qparams
from micro.testing.tflite_builder import ModelBuilder
from micro.testing.tflite_options import options_class_name

from tflite_micro.python.tflite_micro import runtime  # noqa: E402  (the oracle)


def run_tflm(data: bytes, seed: int = 0) -> list[np.ndarray]:
    """Load in TFLM, invoke once on random full-range inputs, return the outputs."""
    it = runtime.Interpreter.from_bytes(data, arena_size=1 << 20)
    g = read_model(data).main
    rng = np.random.default_rng(seed)
    for i, t_idx in enumerate(g.inputs):
        t = g.tensors[t_idx]
        it.set_input(rng.integers(-128, 128, size=t.shape).astype(np.int8), i)
    it.invoke()
    return [np.asarray(it.get_output(i)) for i in range(len(g.outputs))]


def conv_model(bias: bool = True) -> tuple[bytes, dict]:
    rng = np.random.default_rng(1)
    w = rng.integers(-127, 128, size=(4, 3, 3, 2)).astype(np.int8)
    wsc = np.array([0.01, 0.02, 0.005, 0.04], np.float32)
    b = ModelBuilder()
    x = b.tensor("x", (1, 5, 6, 2), "int8", scale=0.05, zero_point=-3)
    wt = b.const("w", w, scale=wsc, zero_point=np.zeros(4), axis=0)
    bt = b.const("bias", np.arange(4, dtype=np.int32) * 100, scale=np.float32(0.05) * wsc, axis=0) if bias else None
    y = b.tensor("y", (1, 3, 6, 4), "int8", scale=0.1, zero_point=7)
    b.op("CONV_2D", [x, wt, bt], [y], options={"padding": "SAME", "stride_h": 2, "stride_w": 1,
                                               "dilation_h_factor": 1, "dilation_w_factor": 1,
                                               "fused_activation_function": "RELU6"})
    b.inputs([x])
    b.outputs([y])
    return b.finish(), {"w": w, "wsc": wsc}


def test_file_structure():
    data, _ = conv_model()
    assert data[4:8] == b"TFL3"
    m = tflite.Model.GetRootAs(data, 0)
    assert m.Version() == 3
    assert m.BuffersLength() == 3
    assert m.Buffers(0).DataLength() == 0  # the empty sentinel
    code = m.OperatorCodes(0)
    assert code.BuiltinCode() == tflite.BuiltinOperator.CONV_2D
    assert code.DeprecatedBuiltinCode() == tflite.BuiltinOperator.CONV_2D
    assert code.Version() == 3
    sg = m.Subgraphs(0)
    assert sg.Operators(0).BuiltinOptionsType() == tflite.BuiltinOptions.Conv2DOptions
    # constant data is 16-byte aligned inside the file
    for i in (1, 2):
        buf = m.Buffers(i)
        start = buf._tab.Vector(buf._tab.Offset(4))
        assert start % 16 == 0


def test_frontend_reads_back_everything():
    data, ref = conv_model()
    g = read_model(data).main
    assert [t.name for t in g.tensors] == ["x", "w", "bias", "y"]
    x, w, bias, y = g.tensors
    assert x.shape == (1, 5, 6, 2) and x.dtype == "int8" and not x.is_const
    assert x.quant.scale.tolist() == [np.float32(0.05)] and x.quant.zp == -3
    assert np.array_equal(w.data, ref["w"]) and w.quant.axis == 0
    assert np.array_equal(w.quant.scale, ref["wsc"]) and not w.quant.zero_point.any()
    assert bias.dtype == "int32" and bias.data.tolist() == [0, 100, 200, 300]
    assert np.array_equal(bias.quant.scale, np.float32(0.05) * ref["wsc"])
    assert y.quant.s == np.float32(0.1) and y.quant.zp == 7
    (op,) = g.ops
    assert op.kind == "CONV_2D" and op.version == 3
    assert op.inputs == [0, 1, 2] and op.outputs == [3]
    assert op.options["padding"] == "SAME"
    assert op.options["fused_activation_function"] == "RELU6"
    assert (op.options["stride_h"], op.options["stride_w"]) == (2, 1)
    assert g.inputs == [0] and g.outputs == [3]


def test_omitted_optional_input_is_minus_one():
    data, _ = conv_model(bias=False)
    m = tflite.Model.GetRootAs(data, 0)
    assert m.Subgraphs(0).Operators(0).InputsAsNumpy().tolist() == [0, 1, -1]
    assert read_model(data).main.ops[0].inputs == [0, 1, None]
    assert run_tflm(data)[0].shape == (1, 3, 6, 4)


def test_conv_runs_in_tflm_and_matches_a_numpy_reference():
    """Also pins the layout conventions: NHWC, OHWI filter, SAME padding, per-channel scales."""
    data, ref = conv_model()
    (out,) = run_tflm(data, seed=3)
    g = read_model(data).main
    rng = np.random.default_rng(3)
    xq = rng.integers(-128, 128, size=(1, 5, 6, 2)).astype(np.int8)
    xf = (xq.astype(np.float64) + 3) * np.float32(0.05)
    wf = ref["w"].astype(np.float64) * ref["wsc"].reshape(-1, 1, 1, 1)
    bf = g.tensors[2].data * g.tensors[2].quant.scale.astype(np.float64)
    yf = conv2d_float(xf, wf, bf, (2, 1), (1, 1), "SAME")
    yq = np.clip(np.round(np.clip(yf, 0, 6) / np.float32(0.1)) + 7, -128, 127)
    assert np.abs(out.astype(np.int64) - yq).max() <= 1


def test_default_graph_io():
    b = ModelBuilder()
    x = b.tensor("x", (2, 3), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (3, 2), "int8", scale=0.1, zero_point=0)
    b.op("TRANSPOSE", [x, b.const("perm", np.array([1, 0], np.int32))], [y])
    g = read_model(b.finish()).main
    assert g.inputs == [0] and g.outputs == [1]


def test_vector_and_float_options():
    b = ModelBuilder()
    x = b.tensor("x", (1, 1, 4), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (4,), "int8", scale=0.1, zero_point=0)
    b.op("SQUEEZE", [x], [y], {"squeeze_dims": [0, 1]})
    z = b.tensor("z", (4,), "int8", scale=1 / 256, zero_point=-128)
    b.op("SOFTMAX", [y], [z], {"beta": 0.25})
    data = b.finish()
    ops = read_model(data).main.ops
    assert ops[0].options == {"squeeze_dims": [0, 1]}
    assert ops[1].options == {"beta": 0.25}
    assert run_tflm(data)[0].shape == (4,)


@pytest.mark.parametrize("kind,options,expected", [
    ("FULLY_CONNECTED", {"fused_activation_function": "RELU", "keep_num_dims": True, "weights_format": "DEFAULT"},
     "FullyConnectedOptions"),
    ("DEPTHWISE_CONV_2D", {"padding": "VALID", "depth_multiplier": 2}, "DepthwiseConv2DOptions"),
    ("AVERAGE_POOL_2D", {"filter_height": 2, "filter_width": 3}, "Pool2DOptions"),
    ("MAX_POOL_2D", {"filter_height": 2, "filter_width": 3}, "Pool2DOptions"),
    ("ADD", {"fused_activation_function": "RELU"}, "AddOptions"),
    ("MEAN", {"keep_dims": True}, "ReducerOptions"),
    ("PAD", {}, "PadOptions"),
    ("TRANSPOSE", {}, "TransposeOptions"),
    ("RESHAPE", {"new_shape": [2, 3]}, "ReshapeOptions"),
    ("BATCH_MATMUL", {"adj_x": True}, "BatchMatMulOptions"),
    ("MAXIMUM", {}, "MaximumMinimumOptions"),
    ("STRIDED_SLICE", {"shrink_axis_mask": 3}, "StridedSliceOptions"),
])
def test_options_tables(kind, options, expected):
    assert options_class_name(kind) == expected
    b = ModelBuilder()
    x = b.tensor("x", (2, 3), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (2, 3), "int8", scale=0.1, zero_point=0)
    b.op(kind, [x], [y], options)
    data = b.finish()
    m = tflite.Model.GetRootAs(data, 0)
    assert m.Subgraphs(0).Operators(0).BuiltinOptionsType() == getattr(tflite.BuiltinOptions, expected)
    got = read_model(data).main.ops[0].options
    for k, v in options.items():
        if k == "weights_format":
            v = 0
        assert got[k] == v, (k, got)


def test_no_options_table_for_ops_without_one():
    b = ModelBuilder()
    x = b.tensor("x", (4,), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (4,), "int8", scale=0.1, zero_point=0)
    b.op("RELU", [x], [y])
    data = b.finish()
    assert tflite.Model.GetRootAs(data, 0).Subgraphs(0).Operators(0).BuiltinOptionsType() == 0
    run_tflm(data)


def test_bad_options_are_refused():
    b = ModelBuilder()
    x = b.tensor("x", (4,), "int8", scale=0.1, zero_point=0)
    with pytest.raises(ValueError, match="unknown option"):
        b.op("CONV_2D", [x], [x], {"strides": 2})
    with pytest.raises(ValueError, match="no builtin options"):
        b.op("RELU", [x], [x], {"alpha": 2})
    with pytest.raises(ValueError, match="unknown builtin op"):
        b.op("CONV_3X3", [x], [x])
    b.op("CONV_2D", [x], [x], {"padding": "SOMETIMES"})
    with pytest.raises(ValueError, match="unknown enum name"):
        b.finish()


def test_bad_tensors_are_refused():
    b = ModelBuilder()
    with pytest.raises(ValueError, match="unknown dtype"):
        b.tensor("x", (4,), "int7")
    with pytest.raises(ValueError, match="do not match"):
        b.tensor("w", (4, 2), "int8", scale=[0.1, 0.2, 0.3], axis=0)
    with pytest.raises(ValueError, match="values for shape"):
        b.tensor("c", (4,), "int8", data=np.zeros(3, np.int8))


def test_large_and_custom_op_codes():
    gelu = int(tflite.BuiltinOperator.GELU)
    assert gelu > 127
    b = ModelBuilder()
    x = b.tensor("x", (4,), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (4,), "int8", scale=0.1, zero_point=0)
    z = b.tensor("z", (4,), "int8", scale=0.1, zero_point=0)
    b.op("GELU", [x], [y])
    b.op("CUSTOM:MyOp", [y], [z])
    data = b.finish()
    m = tflite.Model.GetRootAs(data, 0)
    c0, c1 = m.OperatorCodes(0), m.OperatorCodes(1)
    assert (c0.DeprecatedBuiltinCode(), c0.BuiltinCode()) == (127, gelu)
    assert c1.BuiltinCode() == tflite.BuiltinOperator.CUSTOM and c1.CustomCode() == b"MyOp"
    assert [op.kind for op in read_model(data).main.ops] == ["GELU", "CUSTOM:MyOp"]


# ---- layer generators ----------------------------------------------------------------------

LAYERS = {
    "conv": lambda r: layers.conv_layer(r, 1, 7, 6, 3, 5, 3, 2, (2, 1), 1, "SAME", "RELU", True, True),
    "conv_pt_nobias": lambda r: layers.conv_layer(r, 2, 6, 6, 2, 3, 3, 3, 1, 2, "VALID", "NONE", False, False),
    "depthwise": lambda r: layers.depthwise_layer(r, 1, 6, 7, 3, 2, 3, 3, 2, 1, "SAME", "RELU6"),
    "depthwise_pt": lambda r: layers.depthwise_layer(r, 1, 5, 5, 4, 1, 2, 2, 1, 2, "VALID", "NONE", False, False),
    "fc": lambda r: layers.fully_connected_layer(r, 3, 12, 5, "RELU", True, True),
    "fc_pt_nobias": lambda r: layers.fully_connected_layer(r, 2, 8, 7, "NONE", False, False),
    "fc_3d_keep": lambda r: layers.fully_connected_layer(r, in_shape=(2, 3, 8), units=4, keep_num_dims=True),
    "avg_pool": lambda r: layers.pool_layer(r, "AVERAGE_POOL_2D", 1, 7, 7, 3, 3, 3, 2, "SAME"),
    "max_pool": lambda r: layers.pool_layer(r, "MAX_POOL_2D", 1, 6, 5, 2, 2, 3, (2, 1), "VALID"),
    "softmax": lambda r: layers.softmax_layer(r, (2, 3, 7), beta=0.7),
    "add": lambda r: layers.add_layer(r, (1, 4, 1, 3), (1, 1, 5, 3), "RELU"),
    "add_const": lambda r: layers.add_layer(r, (1, 3, 3, 4), (4,), const_b=True),
    "pad": lambda r: layers.pad_layer(r, (1, 3, 4, 2), ((0, 0), (1, 2), (0, 3), (0, 0))),
    "mean": lambda r: layers.mean_layer(r, (1, 4, 5, 3), (1, 2), True),
    "mean_nokeep": lambda r: layers.mean_layer(r, (2, 6, 3), (-1,), False),
    "transpose": lambda r: layers.transpose_layer(r, (2, 3, 1, 4, 2), (4, 2, 0, 3, 1)),
    "reshape": lambda r: layers.reshape_layer(r, (1, 2, 3, 4), (6, 4)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layers_load_in_tflm_and_frontend(name):
    data = LAYERS[name](np.random.default_rng(0))
    g = read_model(data, name).main
    assert len(g.ops) == 1
    op = g.ops[0]
    outs = run_tflm(data)
    for o, t_idx in zip(outs, g.outputs):
        assert o.shape == g.tensors[t_idx].shape
        assert o.dtype == np.int8
    for t in g.tensors:
        if t.dtype == "int8":
            assert t.quant is not None and t.quant.scale.size >= 1
    if op.kind in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
        x, w = g.t(op.inputs[0]), g.t(op.inputs[1])
        assert not w.quant.zero_point.any()
        assert w.data.min() >= -127
        bias = g.t(op.inputs[2]) if len(op.inputs) > 2 else None
        if bias is not None:
            assert bias.dtype == "int32" and not bias.quant.zero_point.any()
            expect = (x.quant.scale[0] * w.quant.scale).astype(np.float32)
            assert np.array_equal(bias.quant.scale, expect)


def test_layers_are_deterministic():
    for make in LAYERS.values():
        assert make(np.random.default_rng(5)) == make(np.random.default_rng(5))


UNFUSED = {
    "conv": lambda r: layers.conv_layer(r, 1, 7, 6, 3, 5, 3, 2, (2, 1), 1, "SAME", "NONE", True, True),
    "conv_pt": lambda r: layers.conv_layer(r, 1, 7, 6, 3, 5, 3, 2, 1, 1, "VALID", "NONE", False, True),
    "depthwise": lambda r: layers.depthwise_layer(r, 1, 6, 7, 3, 2, 3, 3, 2, 1, "SAME", "NONE"),
    "fc": lambda r: layers.fully_connected_layer(r, 3, 12, 5, "NONE", True, True),
    "add": lambda r: layers.add_layer(r, (1, 4, 1, 3), (1, 1, 5, 3), "NONE"),
}


@pytest.mark.parametrize("name", sorted(UNFUSED))
def test_calibrated_outputs_are_not_saturated(name):
    """The output scale comes from calibration, so random inputs rarely hit the int8 limits
    (no fused activation here: after RELU, -128 is the real zero, not saturation)."""
    fractions = []
    for seed in range(4):
        out = run_tflm(UNFUSED[name](np.random.default_rng(seed)), seed)[0]
        fractions.append(np.mean((out == -128) | (out == 127)))
        assert len(np.unique(out)) > out.size // 4
    assert np.mean(fractions) < 0.1, fractions


def test_softmax_and_same_scale_ops_follow_the_converter():
    g = read_model(layers.softmax_layer(np.random.default_rng(0))).main
    y = g.tensors[g.outputs[0]]
    assert y.quant.s == np.float32(1 / 256) and y.quant.zp == -128
    for name in ("avg_pool", "max_pool", "pad", "transpose", "reshape"):
        g = read_model(LAYERS[name](np.random.default_rng(0))).main
        x, y = g.tensors[g.inputs[0]], g.tensors[g.outputs[0]]
        assert (x.quant.s, x.quant.zp) == (y.quant.s, y.quant.zp)


def test_choose_qparams():
    s, z = choose_qparams(-1.0, 3.0)
    assert s == pytest.approx(4 / 255) and z == round(-128 + 1 / s)
    s, z = choose_qparams(0.0, 2.0)
    assert z == -128
    s, z = choose_qparams(-2.0, 0.0)
    assert z == 127
    s, z = choose_qparams(0.5, 2.0)  # range widened to include 0
    assert z == -128 and s == pytest.approx(2 / 255)
