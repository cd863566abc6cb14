"""RESHAPE, SQUEEZE and EXPAND_DIMS: views of every type TFLM copies, bit-exact with TFLM (the corpus
with 20 random inputs, int8 / int16 / int32 / int64 / bool), and EXPAND_DIMS's type limit."""

from __future__ import annotations

import pytest

from micro.compiler import compile_model
from micro.errors import UnsupportedModelError
from micro.frontend import read_model
from micro.lowered import Alias
from micro.testing.layers_shape import view_model

from support.corpus import corpus_models
from support.exact import assert_exact
from support.oracle import tflm_interpreter


@pytest.mark.parametrize("path", corpus_models("reshape__*.tflite"), ids=lambda p: p.stem)
def test_corpus_model(path):
    assert_exact(path.read_bytes(), path.stem, random=20)


CASES = [("RESHAPE", (2, 3, 4), (6, 4)), ("RESHAPE", (24,), (1, 2, 3, 4)), ("SQUEEZE", (1, 5, 1, 3), (5, 3)),
         ("SQUEEZE", (2, 1, 3, 1), (2, 3, 1)), ("EXPAND_DIMS", (5, 3), (5, 1, 3)), ("EXPAND_DIMS", (4,), (1, 4))]


@pytest.mark.parametrize("kind,in_shape,out_shape", CASES, ids=lambda v: str(v))
@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "bool"])
def test_views_of_every_type(kind, in_shape, out_shape, dtype):
    buf = view_model(kind, in_shape, out_shape, dtype)
    if kind == "EXPAND_DIMS" and dtype not in ("int8", "int16"):
        with pytest.raises(UnsupportedModelError, match="TFLM's EXPAND_DIMS supports int8, int16"):
            compile_model(read_model(buf, "m"))
        interpreter = tflm_interpreter(buf)  # TFLM's Eval fails on these types
        with pytest.raises(RuntimeError):
            interpreter.invoke()
        return
    (low,) = compile_model(read_model(buf, "m")).lowered
    assert isinstance(low.call, Alias)
    assert_exact(buf, f"{kind}_{dtype}", random=2)
