"""micro.flash_fit: the packed kernels' int16 records go back to the model's int8 weights (the reference kernel)
where the constants do not fit the flash budget, largest saving first; the result stays bit-exact."""

from __future__ import annotations

import numpy as np

from micro.compiler import compile_model
from micro.flash_fit import constant_bytes
from micro.frontend import load_model
from micro.lowered import KernelCall
from micro.verify.compare import random_inputs, verify_compiled

from support.corpus import shared_model


def _packed(compiled) -> int:
    return sum(1 for low in compiled.lowered if isinstance(low.call, KernelCall) and low.call.compact is not None)


def test_a_flash_budget_swaps_the_largest_packed_calls_and_stays_bit_exact():
    path = shared_model("mlperf_tiny_kws_ref_model")
    model = load_model(path)
    fast = compile_model(model, patches=False)
    fast_bytes = constant_bytes(fast.graph, fast.lowered)
    budget = fast_bytes - 10_000
    fitted = compile_model(model, patches=False, flash_budget=budget)
    fitted_bytes = constant_bytes(fitted.graph, fitted.lowered)
    assert fitted_bytes <= budget < fast_bytes
    assert 0 < _packed(fast) - _packed(fitted) < _packed(fast)  # only as many as needed
    assert any("compact weights" in note for low in fitted.lowered for note in low.notes)
    rng = np.random.default_rng(3)
    report = verify_compiled(fitted, path.read_bytes(), [random_inputs(fitted.graph, rng) for _ in range(2)])
    assert report.ok, report.summary()


def test_no_budget_or_a_roomy_one_changes_nothing():
    model = load_model(shared_model("mlperf_tiny_kws_ref_model"))
    fast = compile_model(model, patches=False)
    roomy = compile_model(model, patches=False, flash_budget=10**7)
    assert [low.call.kernel.func for low in fast.lowered if isinstance(low.call, KernelCall)] == \
           [low.call.kernel.func for low in roomy.lowered if isinstance(low.call, KernelCall)]
