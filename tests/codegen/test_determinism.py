"""Compilation is deterministic: the same model gives byte-identical C on an idle machine and under heavy
CPU load (the arena search has a work budget, not a time limit)."""

from __future__ import annotations

import multiprocessing
import time

from micro.codegen import emit_c
from micro.compiler import compile_model, support_problems
from micro.frontend import load_model

from support.paths import MODELS


def _burn(seconds: float) -> None:
    end = time.monotonic() + seconds
    x = 0
    while time.monotonic() < end:
        x = (x * 1103515245 + 12345) % 2**31


def _generate_all() -> dict[str, dict[str, str]]:
    out = {}
    for path in sorted(MODELS.glob("*.tflite")):
        model = load_model(path)
        if support_problems(model) or len(model.subgraphs) > 1:
            continue
        out[path.stem] = emit_c(compile_model(model), path.name).files
    return out


def test_same_output_idle_and_under_load():
    idle = _generate_all()
    assert len(idle) >= 11, sorted(idle)
    ctx = multiprocessing.get_context("spawn")
    burners = [ctx.Process(target=_burn, args=(120.0,), daemon=True) for _ in range(4)]
    for p in burners:
        p.start()
    try:
        loaded = _generate_all()
    finally:
        for p in burners:
            p.terminate()
            p.join()
    assert loaded.keys() == idle.keys()
    for name in idle:
        for fname, text in idle[name].items():
            assert loaded[name][fname] == text, f"{name}: {fname} differs under load"
