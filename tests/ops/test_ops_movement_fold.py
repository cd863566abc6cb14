"""`fold` of every data-movement op against TFLM: the op's module computes, at compile time, what TFLM's
kernel computes at run time on the same (random) input."""

from __future__ import annotations

import numpy as np
import pytest

from micro.dtypes import NUMPY_DTYPES
from micro.frontend import read_model
from micro.ops import module_for
from micro.testing import layers_shape as ls

from support.oracle import tflm_interpreter

MODELS = {
    "strided_slice": lambda: ls.strided_slice_model((3, 4, 5), [2, 0, -1], [0, 4, 0], [-1, 2, -2], end_mask=2,
                                                    dtype="int16"),
    "strided_slice_shrink": lambda: ls.strided_slice_model((1, 6, 5), [0, 2, 1], [1, 3, 4], [1, 1, 1],
                                                           shrink_axis_mask=2),
    "slice": lambda: ls.slice_model((2, 5, 3), [1, 1, 0], [1, -1, 2], "int32"),
    "concatenation": lambda: ls.concatenation_model([(2, 1, 3), (2, 4, 3)], -2, "int16"),
    "pack": lambda: ls.pack_model((2, 3), 3, 1),
    "unpack": lambda: ls.unpack_model((2, 3, 4), 1, "int16"),
    "split": lambda: ls.split_model((4, 6), 1, [2, 2, 2]),
    "split_v": lambda: ls.split_model((4, 6), -1, [1, 4, 1], "int32", variable=True),
    "gather": lambda: ls.gather_model((3, 4, 2), [[2, 0], [1, 1], [3, 2]], axis=1, batch_dims=1),
    "resize_nearest_neighbor": lambda: ls.resize_model("RESIZE_NEAREST_NEIGHBOR", (1, 3, 4, 2), (7, 5), True, False,
                                                       "int16"),
    "resize_bilinear": lambda: ls.resize_model("RESIZE_BILINEAR", (2, 3, 4, 2), (5, 7), False, True),
    "arg_max": lambda: ls.arg_min_max_model("ARG_MAX", (3, 5, 2), 1),
    "arg_min": lambda: ls.arg_min_max_model("ARG_MIN", (3, 5, 2), -1),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_fold_matches_tflm(name):
    buf = MODELS[name]()
    g = read_model(buf, name).main
    (op,) = g.ops
    rng = np.random.default_rng(5)
    inputs = []
    for t_idx in g.inputs:
        t = g.tensors[t_idx]
        info = np.iinfo(NUMPY_DTYPES[t.dtype])
        inputs.append(rng.integers(info.min, info.max, size=t.shape, endpoint=True).astype(NUMPY_DTYPES[t.dtype]))
    interpreter = tflm_interpreter(buf)
    for k, x in enumerate(inputs):
        interpreter.set_input(x, k)
    interpreter.invoke()
    for t_idx, x in zip(g.inputs, inputs):
        g.tensors[t_idx].data = x
    folded = module_for(op).fold(op, g)
    assert len(folded) == len(g.outputs)
    for k, value in enumerate(folded):
        want = interpreter.get_output(k)
        assert value.shape == tuple(want.shape) and np.array_equal(value, want), (name, k)
