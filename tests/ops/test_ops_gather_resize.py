"""GATHER, RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR, ARG_MAX and ARG_MIN against TFLM: the corpus,
random cases (hypothesis), the TFLM type limits, and the compile-time tables against TFLM's formulas.

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
from micro.lowered import Alias, KernelCall, Views
from micro.ops.resize_bilinear import taps
from micro.ops.resize_nearest_neighbor import nearest
from micro.testing.layers_shape import arg_min_max_model, gather_model, resize_model
from micro.verify.compare import verify_bytes

from support.corpus import corpus_models
from support.exact import assert_exact
from support.oracle import tflm_interpreter

EXAMPLES = int(os.environ.get("MICRO_HYPOTHESIS_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("path", corpus_models("resize_nearest_neighbor__*.tflite"), ids=lambda p: p.stem)
def test_corpus_model(path):
    assert_exact(path.read_bytes(), path.stem, random=20)


def _call(buf: bytes):
    (low,) = compile_model(read_model(buf, "m")).lowered
    return low.call


# --------------------------------------------------------------------------- resize

RESIZE_OPTIONS = st.sampled_from([(False, False), (True, False), (False, True), (True, True)])


@SETTINGS
@given(st.integers(1, 2), st.integers(1, 7), st.integers(1, 7), st.integers(1, 4), st.integers(1, 12),
       st.integers(1, 12), RESIZE_OPTIONS, st.sampled_from(["int8", "int16"]))
def test_random_resize_nearest_neighbor(n, h, w, c, oh, ow, options, dtype):
    align, half = options
    assert_exact(resize_model("RESIZE_NEAREST_NEIGHBOR", (n, h, w, c), (oh, ow), align, half, dtype), "nn", random=2)


@SETTINGS
@given(st.integers(1, 2), st.integers(1, 7), st.integers(1, 7), st.integers(1, 4), st.integers(1, 12),
       st.integers(1, 12), st.sampled_from([(False, False), (True, False), (False, True)]))
def test_random_resize_bilinear(n, h, w, c, oh, ow, options):
    align, half = options
    assert_exact(resize_model("RESIZE_BILINEAR", (n, h, w, c), (oh, ow), align, half), "bilinear", random=2)


def test_nearest_rounds_half_away_from_zero_in_float32():
    """align_corners rounds with std::round on the float32 product: 2.5 -> 3, not 2."""
    assert nearest(5, 6, True, False) == [0, 1, 3, 4, 5]  # scale 1.25: 0, 1.25, 2.5, 3.75, 5
    assert nearest(12, 5, False, True) == [0, 0, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4]  # floor((v + 0.5) * 5/12)


def test_bilinear_taps_extrapolate_at_the_border_like_tflm():
    """half_pixel_centers gives row 0 a negative fraction (both taps on row 0): TFLM's integer quirk."""
    low, high, frac = taps(4, 2, False, True)  # scale 512/1024; scaled = 512 v - 256
    assert (low, high, frac) == ([0, 0, 0, 1], [0, 1, 1, 1], [-256, 256, 768, 256])


def test_identity_resize_is_a_view():
    assert isinstance(_call(resize_model("RESIZE_NEAREST_NEIGHBOR", (1, 4, 5, 3), (4, 5))), Alias)


def test_resize_limits_of_tflm():
    both = resize_model("RESIZE_BILINEAR", (1, 3, 3, 2), (5, 5), True, True)
    with pytest.raises(RuntimeError):
        tflm_interpreter(both)
    with pytest.raises(UnsupportedModelError, match="half_pixel_centers"):
        compile_model(read_model(both, "m"))
    with pytest.raises(UnsupportedModelError, match="supports int8"):  # TFLM's Eval has no int16 path
        compile_model(read_model(resize_model("RESIZE_BILINEAR", (1, 3, 3, 2), (5, 5), dtype="int16"), "m"))


# --------------------------------------------------------------------------- gather

@st.composite
def gathers(draw):
    rank = draw(st.integers(1, 4))
    shape = [draw(st.integers(1, 4)) for _ in range(rank)]
    axis = draw(st.integers(0, rank - 1))
    batch_dims = draw(st.integers(0, axis))
    idx_shape = shape[:batch_dims] + [draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 2)))]
    indices = np.asarray(draw(st.lists(st.integers(0, shape[axis] - 1), min_size=int(np.prod(idx_shape)),
                                       max_size=int(np.prod(idx_shape))))).reshape(idx_shape)
    negative_axis = draw(st.booleans())
    return shape, indices, axis - rank if negative_axis else axis, batch_dims, draw(st.booleans())


@SETTINGS
@given(gathers())
def test_random_gather(case):
    shape, indices, axis, batch_dims, const_params = case
    if const_params:  # a constant table, indices from the model input
        buf = gather_model(shape, indices, axis, batch_dims, const_indices=False, const_params=True)
        report = verify_bytes(buf, "gather", inputs=[[indices.astype(np.int32)]], random=0)
    else:
        buf = gather_model(shape, indices, axis, batch_dims)
        report = verify_bytes(buf, "gather", random=2)
    assert report.ok, report.summary()


def test_gather_of_a_contiguous_run_is_a_view():
    assert isinstance(_call(gather_model((5, 3), [1, 2, 3])), Views)
    assert isinstance(_call(gather_model((5, 3), [3, 2])), KernelCall)
    assert_exact(gather_model((5, 3), [1, 2, 3]), "gather_view", random=3)


def test_gather_limits_of_tflm():
    with pytest.raises(UnsupportedModelError, match="outside"):
        compile_model(read_model(gather_model((5, 3), [1, 5]), "m"))
    with pytest.raises(UnsupportedModelError, match="int16 is not|supports int8"):
        compile_model(read_model(gather_model((5, 3), [1], dtype="int16"), "m"))


# --------------------------------------------------------------------------- arg_min / arg_max

@SETTINGS
@given(st.lists(st.integers(1, 5), min_size=1, max_size=4), st.data())
def test_random_arg_min_max(shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    kind = data.draw(st.sampled_from(["ARG_MAX", "ARG_MIN"]))
    assert_exact(arg_min_max_model(kind, shape, axis), "arg", random=2)


def test_arg_min_max_ties_and_types():
    """Constant inputs (all min, all max in assert_exact) tie everywhere: the first index wins."""
    assert_exact(arg_min_max_model("ARG_MAX", (2, 7, 3), 1), "ties", random=1)
    with pytest.raises(UnsupportedModelError, match="supports int8"):
        compile_model(read_model(arg_min_max_model("ARG_MIN", (2, 7), 1, dtype="int16"), "m"))
