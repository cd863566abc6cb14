"""CONCATENATION, PACK, UNPACK, SPLIT and SPLIT_V against TFLM: the corpus, random shapes and axes
(hypothesis, int8 / int16 / int32...), TFLM's quantization rules, views versus copies, and the variadic
kernels called directly (arrays of pointers through ctypes).

Hypothesis runs MICRO_HYPOTHESIS_EXAMPLES examples per test (default 25), derandomized."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micro.compiler import compile_model
from micro.errors import UnsupportedModelError
from micro.frontend import read_model
from micro.kernels.concatenation import CONCATENATION
from micro.kernels.split import SPLIT
from micro.lowered import KernelCall, Views
from micro.testing.layers_shape import concatenation_model, pack_model, split_model, unpack_model

from support.corpus import corpus_models
from support.exact import assert_exact
from support.kernel_bindings import build_kernel_library
from support.oracle import tflm_interpreter

EXAMPLES = int(os.environ.get("MICRO_HYPOTHESIS_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
CORPUS = corpus_models("concatenation__*.tflite", "pack__*.tflite", "unpack__*.tflite", "split__*.tflite",
                       "split_v__*.tflite")


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_model(path):
    assert_exact(path.read_bytes(), path.stem, random=20)


def _call(buf: bytes):
    (low,) = compile_model(read_model(buf, "m")).lowered
    return low.call


SHAPES = st.lists(st.integers(1, 4), min_size=1, max_size=5)


@st.composite
def concatenations(draw):
    shape = draw(SHAPES)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    n = draw(st.integers(1, 4))
    shapes = []
    for _ in range(n):
        s = list(shape)
        s[axis] = draw(st.integers(1, 3))
        shapes.append(s)
    dtype = draw(st.sampled_from(["int8", "int16", "int32", "int8", "int16"]))
    return shapes, axis, dtype


@SETTINGS
@given(concatenations())
def test_random_concatenation(case):
    shapes, axis, dtype = case
    assert_exact(concatenation_model(shapes, axis, dtype), "concat", random=2)


@SETTINGS
@given(SHAPES, st.integers(1, 4), st.data())
def test_random_pack(shape, n, data):
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    dtype = data.draw(st.sampled_from(["int8", "int16", "int32"]))
    assert_exact(pack_model(shape, n, axis, dtype), "pack", random=2)


@SETTINGS
@given(SHAPES, st.data())
def test_random_unpack(shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    dtype = data.draw(st.sampled_from(["int8", "int16", "int32"]))
    assert_exact(unpack_model(shape, axis, dtype), "unpack", random=2)


@SETTINGS
@given(SHAPES, st.data())
def test_random_split(shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    variable = data.draw(st.booleans())
    n = data.draw(st.integers(1, 4))
    dtype = data.draw(st.sampled_from(["int8", "int16", "int32"]))
    if variable:
        sizes = [data.draw(st.integers(1, 3)) for _ in range(n)]
    else:
        sizes = [data.draw(st.integers(1, 3))] * n
    shape = list(shape)
    shape[axis] = sum(sizes)
    assert_exact(split_model(shape, axis, sizes, dtype, variable=variable), "split", random=2)


def test_views_when_the_axis_is_outermost():
    """Parts along the outermost non-unit axis are contiguous: no code; otherwise a copy kernel."""
    assert isinstance(_call(concatenation_model([(1, 2, 3), (1, 4, 3)], 1)), Views)
    assert isinstance(_call(concatenation_model([(2, 2, 3), (2, 4, 3)], 1)), KernelCall)
    assert isinstance(_call(pack_model((1, 5), 3, 1)), Views)
    assert isinstance(_call(pack_model((2, 5), 3, 1)), KernelCall)
    assert isinstance(_call(unpack_model((1, 1, 3, 4), 2)), Views)
    assert isinstance(_call(split_model((1, 6, 2), 1, [1, 5], variable=True)), Views)
    assert isinstance(_call(split_model((2, 6), 1, [3, 3])), KernelCall)


def test_constant_part_is_copied():
    """A constant (in flash) cannot be a view of the arena: that concatenation copies."""
    buf = concatenation_model([(1, 3), (1, 2), (1, 4)], 1, const_inputs=(1,))
    call = _call(buf)
    assert isinstance(call, KernelCall) and call.func == "mn_concatenation"
    assert_exact(buf, "const_part", random=3)


def test_int16_scales_are_not_rescaled_like_tflm():
    """TFLM's int16 CONCATENATION copies inputs whatever their scale (zero points must be 0)."""
    quants = [dict(scale=0.01, zero_point=0), dict(scale=0.5, zero_point=0)]
    buf = concatenation_model([(2, 3), (2, 2)], 1, "int16", quants=quants, out_quant=dict(scale=0.1, zero_point=0))
    assert_exact(buf, "int16_scales", random=3)
    bad = concatenation_model([(2, 3), (2, 2)], 1, "int16", quants=[dict(scale=0.1, zero_point=3)] * 2,
                              out_quant=dict(scale=0.1, zero_point=3))
    with pytest.raises(UnsupportedModelError, match="zero point 3"):
        compile_model(read_model(bad, "m"))


def test_int8_with_other_quantization_is_rejected_like_tflm():
    quants = [dict(scale=0.05, zero_point=-3), dict(scale=0.1, zero_point=-3)]
    buf = concatenation_model([(2, 3), (2, 2)], 1, "int8", quants=quants)
    with pytest.raises(RuntimeError):
        tflm_interpreter(buf)
    with pytest.raises(UnsupportedModelError, match="requires them equal"):
        compile_model(read_model(buf, "m"))


def test_other_types_are_copied_bit_exact():
    assert_exact(concatenation_model([(2, 3), (2, 2)], 1, "int64"), "int64", random=3)
    assert_exact(pack_model((3, 2), 2, 1, "int64"), "pack_int64", random=3)
    assert_exact(concatenation_model([(2, 1), (2, 3)], -1, "bool"), "bool", random=3)


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    return build_kernel_library(tmp_path_factory.mktemp("movement"), [CONCATENATION, SPLIT])


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32"])
def test_variadic_kernels_through_ctypes(kernels, dtype):
    """The pointer-array arguments, called directly with the lowered params: concatenate along axis 1,
    then split back."""
    rng = np.random.default_rng(3)
    parts = [rng.integers(-100, 100, size=(3, w)).astype(dtype) for w in (2, 1, 4)]
    whole = np.zeros((3, 7), dtype)
    concat = _call(concatenation_model([p.shape for p in parts], 1, dtype))
    kernels.call(concat, parts, whole)
    assert np.array_equal(whole, np.concatenate(parts, axis=1))
    back = [np.zeros_like(p) for p in parts]
    split = _call(split_model((3, 7), 1, [2, 1, 4], dtype, variable=True))
    kernels.call(split, whole, back)
    assert all(np.array_equal(a, b) for a, b in zip(parts, back))
