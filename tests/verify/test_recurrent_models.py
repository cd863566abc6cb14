"""The shared SVDF and LSTM models, bit-exact with TFLM as streaming models run: consecutive invokes on one
state, every tensor and the state compared after every invoke (verify_compiled(stream=True)); the MNIST
LSTM on its sample digits; `<name>_reset()` against a fresh init; SVDF and LSTM on the emulated Cortex-M4,
whose firmware keeps the state from one invoke to the next."""

from __future__ import annotations

import numpy as np
import pytest

from micro.codegen import emit_c
from micro.compiler import compile_model
from micro.frontend import load_model
from micro.verify.board import verify_on_board
from micro.verify.compare import random_inputs, verify_compiled
from micro.verify.host import HostModel
from micro.verify.oracle import Oracle

from support.corpus import shared_model
from support.datasets import mnist_lstm_samples
from support.paths import need_tool

SVDF_MODELS = ["tflm_keyword_scrambled", "tflm_keyword_scrambled_8bit"]
LSTM_MODELS = ["tflm_dtln_noise_suppression_int8", "tflm_xtensa_micro_speech_lstm_int8", "tflm_mnist_lstm_int8"]
INVOKES = 50
# The digits the pinned TFLM predicts for sample0.png .. sample9.png (every one right, as TFLM's evaluate_test
# asserts); micro's must be the same.
MNIST_LSTM_TFLM_DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]


def _compiled(name: str):
    path = shared_model(name)
    return path, compile_model(load_model(path))


def _inputs(compiled, n: int, seed: int = 0) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [random_inputs(compiled.graph, rng) for _ in range(n)]


@pytest.mark.parametrize("name", SVDF_MODELS + LSTM_MODELS[:2])
def test_streaming_invokes_bit_exact_with_state(name):
    path, compiled = _compiled(name)
    assert compiled.state.tensor_state, "the model keeps state in variable tensors"
    report = verify_compiled(compiled, path.read_bytes(), _inputs(compiled, INVOKES), stream=True)
    assert report.ok, report.summary()
    assert report.inputs_run == INVOKES


def test_lstm_gate_multipliers_round_as_tflm():
    """Invoke 114 of this stream puts one cell state value of the first LSTM on a rounding tie that only
    TFLM's exact gate multipliers (scale products in double, micro/ops/lstm.py) decide as TFLM does."""
    path, compiled = _compiled("tflm_dtln_noise_suppression_int8")
    report = verify_compiled(compiled, path.read_bytes(), _inputs(compiled, 116, seed=1), stream=True)
    assert report.ok, report.summary()


@pytest.mark.slow
@pytest.mark.parametrize("name", SVDF_MODELS + LSTM_MODELS)
def test_long_streams_bit_exact(name):
    path, compiled = _compiled(name)
    report = verify_compiled(compiled, path.read_bytes(), _inputs(compiled, 400, seed=1), stream=True)
    assert report.ok, report.summary()


def test_mnist_lstm_predicts_the_sample_digits_as_tflm():
    """TFLM's mnist_lstm evaluation: each sample on a reset state; every tensor (all 28 time steps of the
    LSTM output) and the final hidden and cell state compared; the predicted digits equal TFLM's."""
    path, compiled = _compiled("tflm_mnist_lstm_int8")
    samples = mnist_lstm_samples()
    report = verify_compiled(compiled, path.read_bytes(), [[x] for _, x in samples], stream=False)
    assert report.ok, report.summary()
    host = HostModel(compiled, emit_c(compiled))
    oracle = Oracle(path.read_bytes(), compiled.model)
    out = compiled.graph.outputs[0]
    ours, tflm = [], []
    for _, x in samples:
        host.reset()
        oracle.reset()
        ours.append(int(np.argmax(host.run([x])[0][0])))
        tflm.append(int(np.argmax(oracle.run([x], [out])[out])))
    assert tflm == MNIST_LSTM_TFLM_DIGITS
    assert ours == MNIST_LSTM_TFLM_DIGITS


@pytest.mark.parametrize("name", ["tflm_keyword_scrambled_8bit", "tflm_dtln_noise_suppression_int8"])
def test_reset_gives_the_outputs_of_a_fresh_init(name):
    """After `<name>_reset()` the state is its initial value (int8: the zero point) and the same inputs give
    byte-identical outputs and state as right after init."""
    _, compiled = _compiled(name)
    host = HostModel(compiled, emit_c(compiled))
    host.reset()   # the library may be shared with an earlier HostModel of the same model: start from init
    initial = host.state_tensors()
    probe = _inputs(compiled, 5, seed=2)

    def run_probe():
        outs = [host.run(x)[0] for x in probe]
        return [o.tobytes() for outs_k in outs for o in outs_k], {t: s.tobytes() for t, s in
                                                                  host.state_tensors().items()}

    fresh = run_probe()
    for x in _inputs(compiled, 7, seed=3):
        host.run(x)
    assert any(initial[t].tobytes() != s.tobytes() for t, s in host.state_tensors().items())
    host.reset()
    assert {t: s.tobytes() for t, s in host.state_tensors().items()} == {t: s.tobytes() for t, s in initial.items()}
    assert run_probe() == fresh


@pytest.mark.parametrize("name", ["tflm_keyword_scrambled", "tflm_dtln_noise_suppression_int8"])
def test_state_carried_across_invokes_on_qemu(name):
    """`micro verify MODEL --board mps2_an386 --random N --stream N`: N consecutive invokes on the firmware
    (a fresh start, then no reset between them), each output compared with TFLM and the host build, both
    carrying their state along."""
    need_tool("qemu-system-arm")
    need_tool("arm-none-eabi-gcc")
    path, compiled = _compiled(name)
    report = verify_on_board(compiled, path.read_bytes(), _inputs(compiled, 8, seed=4), "mps2_an386",
                             host_all_tensors=False, stream=True)
    assert report.ok, report.summary()
    assert report.inputs_run == 8


@pytest.mark.slow
@pytest.mark.parametrize("name", ["tflm_keyword_scrambled_8bit", "tflm_mnist_lstm_int8",
                                  "tflm_xtensa_micro_speech_lstm_int8"])
def test_more_stateful_models_on_qemu(name):
    need_tool("qemu-system-arm")
    need_tool("arm-none-eabi-gcc")
    path, compiled = _compiled(name)
    report = verify_on_board(compiled, path.read_bytes(), _inputs(compiled, 20, seed=5), "mps2_an386",
                             host_all_tensors=False, stream=True)
    assert report.ok, report.summary()
