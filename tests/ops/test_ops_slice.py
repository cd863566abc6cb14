"""STRIDED_SLICE and SLICE against TFLM: the corpus, random slices (hypothesis), TFLM's quirks, the
compile-time layout against numpy indexing, and the cases that become views.

Hypothesis runs MICRO_HYPOTHESIS_EXAMPLES examples per test (default 25), derandomized."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from micro.compiler import compile_model, support_problems
from micro.errors import UnsupportedModelError
from micro.frontend import read_model
from micro.lowered import KernelCall, Views
from micro.ops.strided_slice import eval_axes, index_map, prepare_shape, strided_layout
from micro.testing.layers_shape import slice_model, strided_slice_model
from micro.testing.tflite_builder import ModelBuilder

from support.corpus import corpus_models
from support.exact import assert_exact
from support.oracle import tflm_interpreter

EXAMPLES = int(os.environ.get("MICRO_HYPOTHESIS_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
DTYPES = st.sampled_from(["int8", "int16", "int8", "int16", "int32"])


@pytest.mark.parametrize("path", corpus_models("strided_slice__*.tflite"), ids=lambda p: p.stem)
def test_corpus_model(path):
    assert_exact(path.read_bytes(), path.stem, random=20)


def _lowered(buf: bytes):
    c = compile_model(read_model(buf, "m"))
    (low,) = c.lowered
    return low


@st.composite
def strided_slices(draw):
    rank = draw(st.integers(1, 4))
    shape = [draw(st.integers(1, 6)) for _ in range(rank)]
    begin, end, strides = [], [], []
    shrink = 0
    for a, d in enumerate(shape):
        if draw(st.integers(0, 5)) == 0:  # shrink: positive stride, begin inside the axis
            shrink |= 1 << a
            begin.append(draw(st.integers(-d, d - 1)))
            end.append(draw(st.integers(-d - 2, d + 2)))
            strides.append(draw(st.integers(1, 3)))
            continue
        begin.append(draw(st.integers(-d - 2, d + 2)))
        end.append(draw(st.integers(-d - 2, d + 2)))
        strides.append(draw(st.sampled_from([1, 1, 2, 3, -1, -2])))
    masks = dict(begin_mask=draw(st.integers(0, 2**rank - 1)), end_mask=draw(st.integers(0, 2**rank - 1)),
                 shrink_axis_mask=shrink)
    out = prepare_shape(shape, begin, end, strides, **masks)
    assume(all(d > 0 for d in out))
    return shape, begin, end, strides, masks, draw(DTYPES)


@SETTINGS
@given(strided_slices())
def test_random_strided_slice(case):
    shape, begin, end, strides, masks, dtype = case
    buf = strided_slice_model(shape, begin, end, strides, dtype=dtype, **masks)
    assert not support_problems(read_model(buf, "m")), support_problems(read_model(buf, "m"))
    assert_exact(buf, "strided_slice", random=2)


@st.composite
def slices(draw):
    rank = draw(st.integers(1, 5))
    shape = [draw(st.integers(1, 5)) for _ in range(rank)]
    begin = [draw(st.integers(0, d - 1)) for d in shape]
    size = [draw(st.sampled_from([-1, draw(st.integers(1, d - b))])) for d, b in zip(shape, begin)]
    return shape, begin, size, draw(DTYPES), draw(st.sampled_from([np.int32, np.int64]))


@SETTINGS
@given(slices())
def test_random_slice(case):
    shape, begin, size, dtype, index_dtype = case
    assert_exact(slice_model(shape, begin, size, dtype, index_dtype), "slice", random=2)


@pytest.mark.parametrize("in_shape,begin,end,strides,masks", [
    ((2, 3, 4), [0, 0, 0], [2, 3, 4], [1, 1, 1], {}),
    ((5, 6), [4, 5], [-7, -7], [-1, -2], {}),
    ((4, 5, 6), [1, 0, 0], [3, 5, 6], [1, 1, 1], dict(end_mask=6)),
    ((3, 1, 7), [2, 0, 1], [0, 1, 7], [-1, 1, 3], dict(begin_mask=2)),
    ((1, 6, 6, 5), [0, 2, 0, 1], [1, 3, 6, 4], [1, 1, 2, 1], dict(shrink_axis_mask=2)),
])
def test_layout_matches_numpy(in_shape, begin, end, strides, masks):
    """The kernel's (start, dims, steps) select exactly what numpy's slicing selects."""
    x = np.arange(int(np.prod(in_shape))).reshape(in_shape)
    axes = eval_axes(in_shape, begin, end, strides, masks.get("begin_mask", 0), masks.get("end_mask", 0),
                     masks.get("shrink_axis_mask", 0))
    start, dims, steps = strided_layout(in_shape, axes)
    pad = 5 - len(in_shape)
    index = tuple(slice(a[0], None if a[1] < 0 else a[1], a[2]) for a in axes[pad:])
    assert index_map(start, dims, steps).tolist() == x[index].ravel().tolist()


def test_contiguous_slices_are_views():
    """Slices along the outermost non-unit axis are bytes of the input: views at a byte offset, no code."""
    low = _lowered(strided_slice_model((1, 6, 4), [0, 2, 0], [1, 5, 4], [1, 1, 1], dtype="int16"))
    assert isinstance(low.call, Views) and low.aliases[0].offset == 2 * 4 * 2
    assert_exact(strided_slice_model((1, 6, 4), [0, 2, 0], [1, 5, 4], [1, 1, 1], dtype="int16"), "view", random=3)
    low = _lowered(slice_model((3, 2, 5), [1, 0, 0], [2, -1, -1], "int8"))
    assert isinstance(low.call, Views) and low.aliases[0].offset == 10
    assert isinstance(_lowered(slice_model((3, 2, 5), [1, 0, 1], [2, -1, -1], "int8")).call, KernelCall)
    assert isinstance(_lowered(strided_slice_model((6,), [4], [0], [-1])).call, KernelCall)  # reversed


def _tflm_accepts(buf: bytes) -> bool:
    try:
        tflm_interpreter(buf)
    except RuntimeError:
        return False
    return True


def test_five_dimensional_input_is_rejected_like_tflm():
    """The reference kernel handles 5-D, but TFLM's Prepare stops at 4 dimensions."""
    buf = strided_slice_model((1, 2, 2, 2, 3), [0, 0, 0, 0, 1], [1, 2, 2, 2, 3], [1, 1, 1, 1, 1])
    assert not _tflm_accepts(buf)
    with pytest.raises(UnsupportedModelError, match="at most 4"):
        compile_model(read_model(buf, "m"))


def test_new_axis_and_ellipsis_masks_are_ignored_like_tflm():
    """TFLM clears ellipsis_mask and new_axis_mask: a converter's output shape that relies on them fails
    Prepare in TFLM and compilation here; the same model with TFLM's own output shape runs without them."""
    honest = strided_slice_model((4, 5), [1, 0], [3, 5], [1, 1], new_axis_mask=1, out_shape=(1, 2, 5))
    assert not _tflm_accepts(honest)
    with pytest.raises(UnsupportedModelError, match="ignores new_axis_mask"):
        compile_model(read_model(honest, "m"))
    assert_exact(strided_slice_model((4, 5), [1, 0], [3, 5], [1, 2], new_axis_mask=1, ellipsis_mask=2,
                                     offset=True), "ignored", random=3)
    # A value per new axis beyond the input's rank: TFLM reads only the first rank values.
    assert_exact(strided_slice_model((4, 5), [1, 0, 0], [3, 5, 1], [1, 1, 1], new_axis_mask=4), "longer", random=3)


def test_shrink_beyond_the_axis_is_rejected():
    """TFLM's Prepare accepts a shrunk axis whose begin is past the end, then copies nothing."""
    buf = strided_slice_model((4, 3), [7, 0], [8, 3], [1, 1], shrink_axis_mask=1, out_shape=(3,))
    assert _tflm_accepts(buf)
    with pytest.raises(UnsupportedModelError, match="selects no element"):
        compile_model(read_model(buf, "m"))


def test_constant_input_is_folded():
    """A slice of a constant is computed at compile time (fold) and disappears from the graph."""
    b = ModelBuilder()
    data = (np.arange(24).reshape(4, 6) - 7).astype(np.int8)
    table = b.const("table", data, scale=0.1, zero_point=0)
    sliced = b.tensor("sliced", (2, 3), "int8", scale=0.1, zero_point=0)
    b.op("STRIDED_SLICE", [table, b.const("b", np.array([3, 5], np.int32)), b.const("e", np.array([0, 0], np.int32)),
                           b.const("s", np.array([-2, -2], np.int32))], [sliced], {})
    x = b.tensor("x", (2, 3), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (2, 3), "int8", scale=0.1, zero_point=0)
    b.op("ADD", [x, sliced], [y], dict(fused_activation_function="NONE"))
    b.inputs([x])
    b.outputs([y])
    buf = b.finish()
    c = compile_model(read_model(buf, "folded"))
    assert [low.op.kind for low in c.lowered] == ["ADD"]
    assert c.graph.tensors[sliced].data.tolist() == data[3:0:-2, 5:0:-2].tolist()
    assert_exact(buf, "folded", random=3)
