"""Whole shared models: every tensor bit-exact with TFLM on real and random inputs.

The MUST_PASS models (support.corpus) must compile and verify; every other shared model must verify
too once micro supports all its ops (single subgraph), and until then fail with the unsupported-op
error. That error itself is tested on a synthetic model whose custom ops micro never supports."""

import numpy as np
import pytest

from micro.codegen import emit_c
from micro.compiler import compile_model
from micro.errors import UnsupportedModelError
from micro.frontend import load_model, read_model
from micro.ops import supported_kinds
from micro.verify.compare import random_inputs, verify_compiled
from micro.verify.host import HostModel

from support import datasets
from support.corpus import LARGE, MUST_PASS, corpus_models, shared_model, shared_models
from support.op_models import NEVER_SUPPORTED_OPS, never_supported_model
from support.paths import MODELS

RANDOM_SETS = 20
OTHERS = [p for p in corpus_models("*.tflite", folder=MODELS) if p.stem not in MUST_PASS]


def _verify(path, random_sets: int):
    compiled = compile_model(load_model(path))
    rng = np.random.default_rng(1234)
    sets = datasets.real_inputs(path.stem) + [random_inputs(compiled.graph, rng) for _ in range(random_sets)]
    return verify_compiled(compiled, path.read_bytes(), sets)


@pytest.mark.parametrize("path", [pytest.param(p, marks=pytest.mark.slow) if p.stem in LARGE else p
                                  for p in shared_models(MUST_PASS)], ids=lambda p: p.stem)
def test_model_bit_exact(path):
    report = _verify(path, RANDOM_SETS)
    assert report.ok, report.summary()
    assert report.inputs_run >= RANDOM_SETS


@pytest.mark.parametrize("path", OTHERS, ids=lambda p: p.stem)
def test_other_shared_model_is_bit_exact_once_its_ops_are_supported(path):
    model = load_model(path)
    if len(model.subgraphs) == 1 and {op.kind for op in model.main.ops} <= set(supported_kinds()):
        report = _verify(path, 3)
        assert report.ok, report.summary()
        return
    with pytest.raises(UnsupportedModelError) as err:
        compile_model(model)
    assert "op #" in str(err.value) or "subgraph" in str(err.value), path.name


def test_unsupported_ops_fail_with_the_unsupported_op_error():
    with pytest.raises(UnsupportedModelError) as err:
        compile_model(read_model(never_supported_model(), "never_supported"))
    text = str(err.value)
    for index, kind in enumerate(NEVER_SUPPORTED_OPS, start=1):
        assert f"op #{index} {kind}" in text
    assert "op #0" not in text


def test_person_detect_classifies_the_shared_images():
    compiled = compile_model(load_model(shared_model("tflm_person_detect")))
    host = HostModel(compiled, emit_c(compiled))
    imgs = datasets.person_detect_inputs()
    (person,), _ = host.run(imgs["person"])
    (nobody,), _ = host.run(imgs["no_person"])
    assert person[0, 1] > person[0, 0]
    assert nobody[0, 0] > nobody[0, 1]


def test_micro_speech_hears_yes_and_no():
    compiled = compile_model(load_model(shared_model("tflm_micro_speech_quantized")))
    host = HostModel(compiled, emit_c(compiled))
    for wav, label in (("yes_1000ms.wav", "yes"), ("no_1000ms.wav", "no")):
        (scores,), _ = host.run([datasets.micro_speech_features(wav)])
        assert datasets.MICRO_SPEECH_LABELS[int(np.argmax(scores))] == label
