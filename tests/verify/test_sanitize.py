"""The generated C of every corpus model and every supported shared model under AddressSanitizer and
UndefinedBehaviorSanitizer (-fno-sanitize-recover=all), with guard bytes between arena buffers checked
after every op (micro.verify.sanitize): no report, no overwritten guard, and the same outputs as the
normal host build (which the other suites prove bit-exact with TFLM)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from micro.codegen import emit_c
from micro.compiler import compile_model
from micro.errors import MicroError, UnsupportedModelError
from micro.frontend import load_model
from micro.lowered import KernelCall
from micro.verify.compare import random_inputs
from micro.verify.host import HostModel
from micro.verify.sanitize import run_sanitized

from support.corpus import LARGE, MUST_PASS, corpus_models, shared_models
from support.paths import need_tool

CORPUS = [p for p in corpus_models("*.tflite")]


def _check(path, n_sets: int) -> None:
    try:
        compiled = compile_model(load_model(path))
    except UnsupportedModelError as exc:  # an op micro has no kernel for yet: no C to sanitize, a clean refusal
        assert "op #" in str(exc) and "Nothing was generated" in str(exc)
        return
    rng = np.random.default_rng(7)
    sets = [random_inputs(compiled.graph, rng) for _ in range(n_sets)]
    sanitized = run_sanitized(compiled, sets)
    host = HostModel(compiled, emit_c(compiled))
    for inputs, outs in zip(sets, sanitized):
        for a, b in zip(host.run(inputs)[0], outs):
            np.testing.assert_array_equal(a, b)


@pytest.fixture(scope="module", autouse=True)
def compiler():
    need_tool("gcc")


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_model_is_refused_or_clean_under_sanitizers(path):
    _check(path, n_sets=2)


@pytest.mark.parametrize("path", shared_models([m for m in MUST_PASS if m not in LARGE]), ids=lambda p: p.stem)
def test_shared_model_is_clean_under_sanitizers(path):
    _check(path, n_sets=2)


@pytest.mark.slow
@pytest.mark.parametrize("path", shared_models(sorted(LARGE)), ids=lambda p: p.stem)
def test_large_shared_model_is_clean_under_sanitizers(path):
    _check(path, n_sets=1)


def test_an_overrun_between_arena_buffers_is_caught_by_the_guards():
    """ASan cannot see a kernel writing past its buffer into the next one (one arena array): shrink one
    buffer in the plan by 8 bytes, so its kernel writes 8 bytes too many, and the guard after it names it."""
    compiled = compile_model(load_model(CORPUS[0]))
    written = {t for low in compiled.lowered if isinstance(low.call, KernelCall) for t in low.call.outputs}
    victim = next(k for k, b in enumerate(compiled.plan.buffers) if set(b.tensors) & written)
    buffers = list(compiled.plan.buffers)
    buffers[victim] = dataclasses.replace(buffers[victim], size=buffers[victim].size - 8)
    broken = dataclasses.replace(compiled, plan=dataclasses.replace(compiled.plan, buffers=buffers))
    sets = [random_inputs(compiled.graph, np.random.default_rng(0))]
    with pytest.raises(MicroError, match=f"GUARD: op #.* overwrote the guard after {buffers[victim].name}"):
        run_sanitized(broken, sets)
