import numpy as np
import pytest

from micro.compiler import compile_model
from micro.errors import ModelError, UnsupportedModelError
from micro.frontend import load_model, read_model

from conftest import MODELS


def test_every_shared_model_parses():
    for path in sorted(MODELS.glob("*.tflite")):
        m = load_model(path)
        assert m.subgraphs and m.main.ops, path.name
        assert len(m.source_sha256) == 64


def test_person_detect_bias_axis_quirk_is_tolerated():
    g = load_model(MODELS / "tflm_person_detect.tflite").main
    biases = [t for t in g.tensors if t.is_const and t.dtype == "int32" and len(t.shape) == 1 and t.quant
              and t.quant.per_channel]
    assert biases
    assert all(t.quant.axis == 0 for t in biases)


def test_constants_are_typed_and_shaped():
    g = load_model(MODELS / "mlperf_tiny_kws_ref_model.tflite").main
    conv = g.ops[0]
    w = g.tensors[conv.inputs[1]]
    assert w.data.dtype == np.int8 and w.data.shape == w.shape
    assert conv.options["padding"] in ("SAME", "VALID")
    assert conv.options["fused_activation_function"] == "RELU"


def test_not_a_model_is_a_clear_error(tmp_path):
    p = tmp_path / "x.tflite"
    p.write_bytes(b"\x00" * 64)
    with pytest.raises(ModelError, match="not a TensorFlow Lite flatbuffer"):
        load_model(p)
    with pytest.raises(ModelError, match="cannot read model file"):
        load_model(tmp_path / "missing.tflite")


def test_unsupported_ops_are_all_listed_with_index_and_version():
    m = load_model(MODELS / "tflm_keyword_scrambled.tflite")
    with pytest.raises(UnsupportedModelError) as err:
        compile_model(m)
    text = str(err.value)
    svdf = [op for op in m.main.ops if op.kind == "SVDF"]
    assert len(svdf) == 7
    for op in svdf:
        assert f"op #{op.index} SVDF (version {op.version})" in text
    assert "QUANTIZE" in text and "Nothing was generated" in text


def test_float_model_is_rejected_before_generation():
    from micro.testing.tflite_builder import ModelBuilder

    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "float32")
    y = b.tensor("y", (1, 4), "float32")
    b.op("RESHAPE", [x], [y])
    b.inputs([x])
    b.outputs([y])
    m = read_model(b.finish(), "floaty")
    with pytest.raises(UnsupportedModelError, match="float32"):
        compile_model(m)
