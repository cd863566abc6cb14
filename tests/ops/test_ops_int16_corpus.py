"""The int16 single-op corpus (tests/models/int16, made by scripts/generate_int16_models.py): every model
micro compiles is bit-exact with TFLM on every tensor (20 random inputs); the rest get a clear error.

The models of micro's 16x8 ops (MICRO_INT16_OPS) must compile; a model of another op (int16 ADD, TANH,
CONCATENATION... of other work in progress) is verified as soon as micro supports all its ops.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from micro.compiler import support_problems
from micro.errors import UnsupportedModelError
from micro.frontend import load_model
from micro.verify.compare import verify_file

from support.paths import ROOT

CORPUS = ROOT / "tests" / "models" / "int16"
INDEX = CORPUS / "INDEX.md"
MODELS = sorted(CORPUS.glob("*.tflite"))
# The 16x8 ops micro compiles today: their models must all verify (independent of TYPES).
MICRO_INT16_OPS = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D",
                   "BATCH_MATMUL", "RESHAPE"}


def _targets() -> dict[str, str]:
    """file -> target op, from INDEX.md's table."""
    rows = re.findall(r"^\| (\S+\.tflite) \| (\S+) \|", INDEX.read_text(), flags=re.M)
    return dict(rows)


TARGETS = _targets()


def test_corpus_and_index_agree():
    assert len(MODELS) >= 50
    assert sorted(TARGETS) == [p.name for p in MODELS]
    counts: dict[str, int] = {}
    for op in TARGETS.values():
        counts[op] = counts.get(op, 0) + 1
    thin = {op: n for op, n in counts.items() if n < 3}
    assert not thin, f"fewer than 3 cases: {thin}"


def test_every_model_is_small_and_int16():
    for p in MODELS:
        assert p.stat().st_size < 4096, p.name
        g = load_model(p).main
        assert {g.tensors[i].dtype for i in (*g.inputs, *g.outputs)} == {"int16"}, p.name


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_int16_model(path):
    target = TARGETS[path.name]
    problems = support_problems(load_model(path))
    if target in MICRO_INT16_OPS:
        assert not problems, problems
    if problems:
        with pytest.raises(UnsupportedModelError):
            verify_file(path, random=1)
        return
    report = verify_file(path, random=20, seed=11)
    assert report.ok, report.summary()
