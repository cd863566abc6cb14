"""Every single-op model in shared/models/ops: bit-exact if micro supports its ops, else a clear error."""

import pytest

from micro.compiler import support_problems
from micro.errors import UnsupportedModelError
from micro.frontend import load_model
from micro.ops import supported_kinds
from micro.verify.compare import verify_file

from support.corpus import corpus_models

CASES = corpus_models("*.tflite")
# The compiler-core kernel list: every corpus model of these ops must compile and verify.
CORE_OPS = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D", "SOFTMAX",
            "RESHAPE", "ADD", "PAD", "MEAN", "TRANSPOSE"}


def test_corpus_is_present():
    assert len(CASES) == 159


def test_core_ops_are_supported():
    assert CORE_OPS <= set(supported_kinds())


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_op_model(path):
    model = load_model(path)
    problems = support_problems(model)
    if {op.kind for op in model.main.ops} <= set(supported_kinds()):
        assert not problems, problems
    if problems:
        with pytest.raises(UnsupportedModelError):
            verify_file(path, random=1)
        return
    report = verify_file(path, random=5, seed=7)
    assert report.ok, report.summary()
