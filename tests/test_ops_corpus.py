"""Every single-op model in shared/models/ops: bit-exact if micro supports its ops, else a clear error."""

import pytest

from micro.compiler import support_problems
from micro.errors import UnsupportedModelError
from micro.frontend import load_model
from micro.harness.verify import verify_file

from conftest import OPS

CASES = sorted(OPS.glob("*.tflite"))


def test_corpus_is_present():
    assert len(CASES) == 159


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_op_model(path):
    problems = support_problems(load_model(path))
    if problems:
        with pytest.raises(UnsupportedModelError):
            verify_file(path, random=1)
        return
    report = verify_file(path, random=5, seed=7)
    assert report.ok, report.summary()
