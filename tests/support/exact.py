"""Bit-exactness of a model against the TFLM oracle, with inputs that catch misplaced elements.

    assert_exact(model_bytes, "name", random=20)

runs micro's whole pipeline (micro.verify.compare.verify_bytes: compile, host gcc, every tensor compared
with TFLM) on the `pattern_inputs` (every input element distinct modulo its type's range, then its
minimum and maximum everywhere) plus `random` random input sets."""

from __future__ import annotations

import numpy as np

from micro.compiler import compile_model
from micro.dtypes import NUMPY_DTYPES
from micro.frontend import read_model
from micro.verify.compare import VerifyReport, verify_bytes


def pattern_inputs(model_bytes: bytes) -> list[list[np.ndarray]]:
    """Three input sets: a ramp (element k holds k, wrapped into the type), all minimum, all maximum."""
    g = compile_model(read_model(model_bytes, "pattern")).graph
    ramps, lows, highs = [], [], []
    for k, t_idx in enumerate(g.inputs):
        t = g.tensors[t_idx]
        if t.dtype == "bool":
            ramp = np.arange(t.size).reshape(t.shape) % 2 == 1
            ramps.append(ramp)
            lows.append(np.zeros(t.shape, np.bool_))
            highs.append(np.ones(t.shape, np.bool_))
            continue
        dtype = NUMPY_DTYPES[t.dtype]
        info = np.iinfo(dtype)
        span = int(info.max) - int(info.min) + 1
        ramp = (np.arange(t.size, dtype=np.int64) * 7 + 13 * k) % min(span, 2**31) + int(info.min)
        ramps.append(ramp.astype(dtype).reshape(t.shape))
        lows.append(np.full(t.shape, info.min, dtype))
        highs.append(np.full(t.shape, info.max, dtype))
    return [ramps, lows, highs]


def assert_exact(model_bytes: bytes, name: str = "model", random: int = 3, seed: int = 0) -> VerifyReport:
    report = verify_bytes(model_bytes, name, inputs=pattern_inputs(model_bytes), random=random, seed=seed)
    assert report.ok, report.summary()
    return report
