"""Untrusted models: the validator (micro.frontend.validate, run by read_model) and the op checks turn every
malformed or absurd model into one clear MicroError naming the op, the tensor and the field -- never a
traceback, and never C that overflows."""

from __future__ import annotations

import numpy as np
import pytest

from micro.compiler import compile_model
from micro.errors import InvalidModelError, MicroError, ModelError, UnsupportedModelError
from micro.frontend import read_model
from micro.testing.tflite_builder import ModelBuilder

from support.corpus import shared_model
from support.op_models import pool_model


def _add_model(b: ModelBuilder | None = None):
    b = b or ModelBuilder()
    x1 = b.tensor("x1", (1, 4), "int8", scale=0.05, zero_point=0)
    x2 = b.tensor("x2", (1, 4), "int8", scale=0.05, zero_point=0)
    y = b.tensor("y", (1, 4), "int8", scale=0.1, zero_point=0)
    b.op("ADD", [x1, x2], [y], {"fused_activation_function": "NONE"})
    return b


def _fc_model(bias_const: bool = True):
    b = ModelBuilder()
    x = b.tensor("x", (1, 8), "int8", scale=0.05, zero_point=0)
    w = b.const("w", np.ones((4, 8), np.int8), scale=0.01, zero_point=0)
    if bias_const:
        bias = b.const("bias", np.zeros(4, np.int32), scale=0.0005, zero_point=0)
    else:
        bias = b.tensor("bias", (4,), "int32", scale=0.0005, zero_point=0)
    y = b.tensor("y", (1, 4), "int8", scale=0.1, zero_point=0)
    b.op("FULLY_CONNECTED", [x, w, bias], [y], {"fused_activation_function": "NONE"})
    b.inputs([x])
    b.outputs([y])
    return b


def _problems(buf: bytes) -> str:
    with pytest.raises(ModelError) as e:
        read_model(buf, "hostile")
    return str(e.value)


def test_shared_model_passes_validation():
    read_model(shared_model("mlperf_tiny_kws_ref_model").read_bytes(), "kws")


def test_op_naming_a_tensor_that_does_not_exist():
    b = _add_model()
    b._ops[0].inputs[1] = 99
    msg = _problems(b.finish())
    assert "op #0 ADD: input 1 names tensor 99" in msg and "3 tensors" in msg


def test_negative_index_other_than_minus_one_is_not_an_omitted_tensor():
    b = _add_model()
    b._ops[0].inputs[0] = -7
    assert "input 0 names tensor -7" in _problems(b.finish())


def test_omitted_required_input_is_an_op_problem():
    b = _add_model()
    b._ops[0].inputs[1] = -1
    b.inputs([0])
    with pytest.raises(UnsupportedModelError, match=r"op #0 ADD .*input 1 is omitted \(-1\) but required"):
        compile_model(read_model(b.finish(), "m"))


def test_missing_inputs_and_outputs_of_an_op_are_op_problems():
    b = _add_model()
    b._ops[0].inputs[1:] = []
    b.inputs([0])
    with pytest.raises(UnsupportedModelError, match="has 1 inputs; ADD takes 2"):
        compile_model(read_model(b.finish(), "m"))


def test_a_bias_without_data_is_read_before_anything_writes_it():
    msg = _problems(_fc_model(bias_const=False).finish())
    assert "op #0 FULLY_CONNECTED reads tensor 2 'bias'" in msg and "not written by an earlier op" in msg


def test_model_without_outputs():
    b = _add_model()
    b.outputs([])
    assert "the subgraph has no outputs" in _problems(b.finish())


@pytest.mark.parametrize("dim", [0, -1, -(2**31), 2**31 - 1])
def test_absurd_dimensions(dim):
    b = _add_model()
    b._tensors[2].shape = (2, dim)  # 2 x (2^31 - 1) bytes: more than int32 offsets reach
    msg = _problems(b.finish())
    assert "tensor 2 'y'" in msg
    assert ("every dimension must be in" in msg) if dim < 1 else ("int32" in msg)


def test_a_tensor_too_big_for_int32_offsets():
    b = _add_model()
    for t in b._tensors:
        t.shape = (65536, 65536)
    assert "addresses at most 2147483647 bytes" in _problems(b.finish())


def test_rank_above_six():
    b = _add_model()
    b._tensors[0].shape = (1,) * 7 + (4,)
    assert "rank 8" in _problems(b.finish())


@pytest.mark.parametrize("scale", [0.0, float("nan"), float("inf"), -0.5])
def test_bad_activation_scales(scale):
    b = _add_model()
    b._tensors[2].scale = np.array([scale], np.float32)
    assert "tensor 2 'y': quantization scale" in _problems(b.finish())


def test_a_tiny_scale_is_refused_by_the_op_not_a_traceback():
    b = _fc_model()
    b._tensors[3].scale = np.array([1e-40], np.float32)
    with pytest.raises(UnsupportedModelError, match="left shift"):
        compile_model(read_model(b.finish(), "m"))


@pytest.mark.parametrize("value", [0, -3, 2**31 - 1])
def test_pool_filter_and_stride_bounds(value):
    buf = pool_model("AVERAGE_POOL_2D", (1, 8, 8, 2), 2, 2, 2, 2, "SAME")
    for key in ("filter_height", "stride_w"):
        m = _pool_with(key, value)
        assert f"option {key} = {value} must be in [1, " in _problems(m)
    assert read_model(buf, "ok")


def _pool_with(key, value):
    b = ModelBuilder()
    x = b.tensor("input", (1, 8, 8, 2), "int8", scale=0.05, zero_point=0)
    y = b.tensor("output", (1, 4, 4, 2), "int8", scale=0.05, zero_point=0)
    opts = {"padding": "SAME", "stride_h": 2, "stride_w": 2, "filter_height": 2, "filter_width": 2,
            "fused_activation_function": "NONE"}
    opts[key] = value
    b.op("AVERAGE_POOL_2D", [x], [y], opts)
    return b.finish()


def test_large_window_that_would_overflow_int32_in_the_kernel():
    """A filter within the generic bound, on an output tensor whose extent makes the window's reach
    (out - 1) * stride + filter overflow int32: refused by the op's check."""
    b = ModelBuilder()
    x = b.tensor("input", (1, 1, 2**20, 1), "int8", scale=0.05, zero_point=0)
    w = b.const("w", np.ones((1, 1, 1, 1), np.int8), scale=0.01, zero_point=0)
    y = b.tensor("output", (1, 1, 2**20, 1), "int8", scale=0.05, zero_point=0)
    b.op("CONV_2D", [x, w, None], [y], {"padding": "VALID", "stride_h": 1, "stride_w": 4096,
                                        "fused_activation_function": "NONE"})
    with pytest.raises(UnsupportedModelError, match="exceeds int32"):
        compile_model(read_model(b.finish(), "m"))


def test_axis_option_out_of_range():
    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "int8", scale=0.05, zero_point=0)
    y = b.tensor("y", (1, 8), "int8", scale=0.05, zero_point=0)
    b.op("CONCATENATION", [x, x], [y], {"axis": 5, "fused_activation_function": "NONE"})
    assert "op #0 CONCATENATION: option axis = 5 is outside [-2, 2)" in _problems(b.finish())


def test_an_op_writing_a_constant_or_an_input_or_twice():
    b = _add_model()
    c = b.const("c", np.zeros((1, 4), np.int8), scale=0.1, zero_point=0)
    b.op("ADD", [0, 1], [c], {"fused_activation_function": "NONE"})
    b.op("ADD", [0, 1], [2], {"fused_activation_function": "NONE"})
    b.inputs([0, 1])
    b.outputs([2])
    msg = _problems(b.finish())
    assert "op #1 ADD writes tensor 3 'c', which is a constant" in msg
    assert "op #2 ADD writes tensor 2 'y', already written by op #0 ADD" in msg


def test_buffer_index_outside_the_model():
    b = _fc_model()
    buf = b.finish()
    m = read_model(buf, "m")  # fine as built
    assert m.main.tensors[1].is_const
    with pytest.raises(MicroError):
        read_model(buf[: len(buf) // 2], "cut")


def test_every_problem_is_listed_once_in_one_error():
    b = _add_model()
    b._ops[0].inputs[0] = 50
    b._ops[0].inputs[1] = 60
    b.inputs([0, 1])
    with pytest.raises(InvalidModelError) as e:
        read_model(b.finish(), "m")
    assert len(e.value.problems) == 2


def test_arena_beyond_int32_is_refused():
    """Two live 1.5 GB tensors (each fine on its own) need a 3 GB arena: refused before any C is written."""
    b = ModelBuilder()
    shape = (1, 3 * 2**29)
    x1 = b.tensor("x1", shape, "int8", scale=0.05, zero_point=0)
    x2 = b.tensor("x2", shape, "int8", scale=0.05, zero_point=0)
    y = b.tensor("y", shape, "int8", scale=0.1, zero_point=0)
    b.op("ADD", [x1, x2], [y], {"fused_activation_function": "NONE"})
    with pytest.raises(UnsupportedModelError, match="arena needs .* bytes"):
        compile_model(read_model(b.finish(), "m"))
