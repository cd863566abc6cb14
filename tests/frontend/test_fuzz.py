"""Mutation fuzzing in CI (micro.testing.fuzz): damaged models end in a MicroError or compile, never a traceback,
a signal or a hang. A bounded, seeded slice runs here; `scripts/fuzz.py` runs the long campaigns (see its
docstring). Workers run in subprocesses, so a signal or a hang is caught and attributed to its mutant."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from micro.testing.fuzz import MUTATIONS, mutant, run_pipeline, seed_text
from micro.testing.fuzz_runner import run_campaign

from support.corpus import corpus_models, shared_model

SLICE = [shared_model("tflm_hello_world_int8"), shared_model("mlperf_tiny_kws_ref_model"),
         *corpus_models("conv_2d__k3x3_s2_same_d1_none_c1to7_in16x16.tflite", "add__*bcast*.tflite")[:3],
         *corpus_models("max_pool_2d__*.tflite")[:1]]


def test_mutants_are_deterministic_and_vary():
    base = SLICE[0].read_bytes()
    a = mutant(base, seed_text("m", 1, 5))
    assert a == mutant(base, seed_text("m", 1, 5))
    kinds = {m.split("@")[0] for k in range(200) for m in mutant(base, seed_text("m", 1, k))[1].split()}
    assert {"bitflip", "truncate", "zeros", "int32", "header", "random"} <= kinds
    assert len(MUTATIONS) == 6


def test_a_seeded_slice_has_no_traceback_signal_or_hang():
    report = run_campaign(SLICE, mutants_per_model=100, seed=11, batch=100, timeout=60.0)
    assert report.mutants == 100 * len(SLICE)
    assert report.clean, "\n\n".join(str(f) for f in report.findings)
    assert report.outcomes["ok"] > 0 and report.outcomes["error"] > 0


@settings(max_examples=150, deadline=None, derandomize=True)
@given(index=st.integers(0, 10**6), model=st.sampled_from(range(len(SLICE))))
def test_frontend_and_compiler_in_process(index, model):
    """The same mutations through hypothesis, in this process (the frontend is pure Python)."""
    data, _ = mutant(SLICE[model].read_bytes(), seed_text("hypothesis", 0, index))
    assert run_pipeline(data) in ("ok", "error")


def test_a_signal_is_reported_with_what_rebuilds_it(monkeypatch):
    """A worker that dies in a mutant is a 'signal' finding naming model, seed and index; the next worker
    carries on after it."""
    monkeypatch.setenv("MICRO_FUZZ_CRASH_AT", "3")
    report = run_campaign(SLICE[:1], mutants_per_model=5, seed=2, batch=5)
    assert [(f.kind, f.index) for f in report.findings] == [("signal", 3)]
    assert report.mutants == 5 and "tflm_hello_world_int8 seed 2 mutant 3" in str(report.findings[0])
    assert "SIGSEGV" in report.findings[0].detail or "-11" in report.findings[0].detail
