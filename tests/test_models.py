"""Whole shared models: every tensor bit-exact with TFLM on real and random inputs."""

import numpy as np
import pytest

from micro.compiler import compile_model
from micro.errors import UnsupportedModelError
from micro.frontend import load_model
from micro.verify.compare import random_inputs, verify_compiled

from conftest import MODELS
import datasets

MUST_PASS = [
    "mlperf_tiny_kws_ref_model", "mlperf_tiny_ic_resnet8_quant", "mlperf_tiny_ic_resnet_large_int8",
    "mlperf_tiny_sww_ref_model", "mlzoo_ds_cnn_s_int8", "mlzoo_micronet_vww2_50x50_int8",
    "tflm_micro_speech_quantized", "tflm_hello_world_int8", "tflm_person_detect", "tflm_simple_add_int8",
    "tflm_xtensa_mobilenet_v2_int8_1x3x224x224",
]
LARGE = {"tflm_xtensa_mobilenet_v2_int8_1x3x224x224", "mlperf_tiny_ic_resnet_large_int8"}
RANDOM_SETS = 20


def real_inputs(name: str) -> list[list[np.ndarray]]:
    if name == "tflm_person_detect":
        return list(datasets.person_detect_inputs().values())
    if name == "mlperf_tiny_sww_ref_model":
        return datasets.sww_inputs()
    if name == "tflm_micro_speech_quantized":
        return [[datasets.micro_speech_features(w)] for w in ("yes_1000ms.wav", "no_1000ms.wav")]
    return []


def _verify(name: str, random_sets: int):
    path = MODELS / f"{name}.tflite"
    compiled = compile_model(load_model(path))
    rng = np.random.default_rng(1234)
    sets = real_inputs(name) + [random_inputs(compiled.graph, rng) for _ in range(random_sets)]
    return verify_compiled(compiled, path.read_bytes(), sets)


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in LARGE else n
                                  for n in MUST_PASS])
def test_model_bit_exact(name):
    report = _verify(name, RANDOM_SETS)
    assert report.ok, report.summary()
    assert report.inputs_run >= RANDOM_SETS


def test_other_shared_models_fail_with_the_unsupported_op_error():
    others = sorted(p for p in MODELS.glob("*.tflite") if p.stem not in MUST_PASS)
    assert others
    for path in others:
        with pytest.raises(UnsupportedModelError) as err:
            compile_model(load_model(path))
        assert "op #" in str(err.value) or "subgraph" in str(err.value), path.name


def test_person_detect_classifies_the_shared_images():
    from micro.codegen import emit_c
    from micro.verify.host import HostModel

    compiled = compile_model(load_model(MODELS / "tflm_person_detect.tflite"))
    host = HostModel(compiled, emit_c(compiled))
    imgs = datasets.person_detect_inputs()
    (person,), _ = host.run(imgs["person"])
    (nobody,), _ = host.run(imgs["no_person"])
    assert person[0, 1] > person[0, 0]
    assert nobody[0, 0] > nobody[0, 1]


def test_micro_speech_hears_yes_and_no():
    from micro.codegen import emit_c
    from micro.verify.host import HostModel

    compiled = compile_model(load_model(MODELS / "tflm_micro_speech_quantized.tflite"))
    host = HostModel(compiled, emit_c(compiled))
    for wav, label in (("yes_1000ms.wav", "yes"), ("no_1000ms.wav", "no")):
        (scores,), _ = host.run([datasets.micro_speech_features(wav)])
        assert datasets.MICRO_SPEECH_LABELS[int(np.argmax(scores))] == label
