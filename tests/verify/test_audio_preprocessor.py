"""TFLM's micro_speech audio preprocessor (shared tflm_audio_preprocessor_int8: int16[1, 480] audio -> int8[40]
features, TFLM's signal custom ops and int32/uint32/uint64 builtin ops) bit-exact with TFLM on every 30 ms
window, 20 ms apart, of every shared wav, as a stream: the spectral subtraction's noise estimate (the model's
only state) carries from one frame to the next in both, and every tensor and that state are compared after
every frame; on the emulated Cortex-M4 too, with its instruction count per frame."""

from __future__ import annotations

import numpy as np
import pytest

from micro.compiler import compile_model
from micro.frontend import load_model
from micro.verify.board import verify_on_board
from micro.verify.compare import random_inputs, verify_compiled

from support.corpus import shared_model
from support.datasets import audio_frames, audio_wavs
from support.paths import need_tool

MODEL = "tflm_audio_preprocessor_int8"
NOISE_STATE_BYTES = 40 * 4  # SignalFilterBankSpectralSubtraction's uint32 estimate per channel
# Instructions of one frame on mps2_an386 (QEMU, exact counts): a ceiling that catches a slower kernel
M4_INSTRUCTIONS_PER_FRAME = 100_000


@pytest.fixture(scope="module")
def preprocessor():
    path = shared_model(MODEL)
    return path, compile_model(load_model(path))


def test_state_is_the_noise_estimate(preprocessor):
    _, compiled = preprocessor
    assert compiled.state.state_bytes == NOISE_STATE_BYTES and not compiled.state.tensor_state
    (k,) = compiled.state.op_state.values()
    mirror = compiled.state.buffers[k].mirror
    assert compiled.graph.tensors[mirror].name.endswith("spectral_subtraction1")


@pytest.mark.parametrize("wav", audio_wavs())
def test_every_frame_of_every_wav_bit_exact_as_a_stream(preprocessor, wav):
    path, compiled = preprocessor
    frames = audio_frames(wav)
    report = verify_compiled(compiled, path.read_bytes(), frames, stream=True)
    assert report.ok, report.summary()
    assert report.inputs_run == len(frames) and report.stream
    # every op output plus the kernel state after every frame
    assert report.tensors_compared == len(frames) * (sum(len(low.op.outputs) for low in compiled.lowered) + 1)


def test_full_scale_noise_stream_bit_exact(preprocessor):
    """Random full-range int16 frames: saturation in the window, the FFT's int16 wrap-around, large energies."""
    path, compiled = preprocessor
    rng = np.random.default_rng(5)
    report = verify_compiled(compiled, path.read_bytes(), [random_inputs(compiled.graph, rng) for _ in range(12)],
                             stream=True)
    assert report.ok, report.summary()


def test_stream_on_qemu_bit_exact_with_instructions_per_frame(preprocessor):
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")
    path, compiled = preprocessor
    frames = audio_frames("yes_1000ms.wav")
    report = verify_on_board(compiled, path.read_bytes(), frames, "mps2_an386", stream=True)
    assert report.ok, report.summary()
    assert report.inputs_run == len(frames) == 49
    assert len(report.instructions) == 49 and max(report.instructions) < M4_INSTRUCTIONS_PER_FRAME, report.instructions
    assert report.memory.state == NOISE_STATE_BYTES
