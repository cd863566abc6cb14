"""CONV_2D / DEPTHWISE_CONV_2D single-op models run through the kernels directly (ctypes) and compared
with TFLM: shared by the conv, fast-path and overlap tests."""

from __future__ import annotations

import numpy as np

from micro.frontend.tflite_reader import read_model
from micro.dtypes import NUMPY_DTYPES
from micro.kernels.abi import ELEMENT_DTYPES
from micro.ops import conv_2d, depthwise_conv_2d

from support.oracle import tflm_interpreter

MODULES = {"CONV_2D": conv_2d, "DEPTHWISE_CONV_2D": depthwise_conv_2d}


def run_conv_kernel(lib, g, op, x: np.ndarray) -> np.ndarray:
    mod = MODULES[op.kind]
    assert mod.check(op, g) == []
    call = mod.lower(op, g)
    y = np.zeros(g.t(op.outputs[0]).shape, dtype=np.int8)
    lib.call(call, np.ascontiguousarray(x, dtype=np.int8), *const_inputs(call, g), y)
    return y


def const_inputs(call, g) -> list:
    """The data of a call's constant inputs after the activation (filter and bias, or only the bias when
    the lowering picked the packed kernel, whose weights are in its params); None for an absent bias."""
    return [None if t is None else np.ascontiguousarray(g.t(t).data, dtype=NUMPY_DTYPES[ELEMENT_DTYPES[arg.ctype]])
            for arg, t in zip(call.kernel.inputs[1:], call.inputs[1:])]


def compare_conv_op(lib, buf: bytes, inputs) -> None:
    model = read_model(buf, "m")
    g = model.main
    (op,) = g.ops
    it = tflm_interpreter(buf)
    for x in inputs:
        it.set_input(x, 0)
        it.invoke()
        want = it.get_output(0)
        got = run_conv_kernel(lib, g, op, x)
        diff = np.flatnonzero(got.ravel() != want.ravel())
        assert diff.size == 0, (f"{diff.size}/{got.size} differ; first at {diff[0]}: "
                                f"got {got.ravel()[diff[0]]}, want {want.ravel()[diff[0]]}")
