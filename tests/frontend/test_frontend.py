import numpy as np
import pytest

from micro.compiler import compile_model
from micro.errors import ModelError, UnsupportedModelError
from micro.frontend import load_model, read_model
from micro.testing.tflite_builder import ModelBuilder

from support.corpus import corpus_models
from support.op_models import NEVER_SUPPORTED_OPS, never_supported_model
from support.paths import MODELS


def test_every_shared_model_parses():
    for path in corpus_models("*.tflite", folder=MODELS):
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
    m = read_model(never_supported_model(), "never_supported")
    with pytest.raises(UnsupportedModelError) as err:
        compile_model(m)
    text = str(err.value)
    unsupported = [op for op in m.main.ops if op.kind in NEVER_SUPPORTED_OPS]
    assert [op.kind for op in unsupported] == list(NEVER_SUPPORTED_OPS)
    assert sorted({op.version for op in unsupported}) == [1, 2]
    for op in unsupported:
        assert f"op #{op.index} {op.kind} (version {op.version})" in text
    assert "RESHAPE" not in text and "Nothing was generated" in text


def test_float_model_is_rejected_before_generation():
    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "float32")
    y = b.tensor("y", (1, 4), "float32")
    b.op("RESHAPE", [x], [y])
    b.inputs([x])
    b.outputs([y])
    m = read_model(b.finish(), "floaty")
    with pytest.raises(UnsupportedModelError, match="float32"):
        compile_model(m)
