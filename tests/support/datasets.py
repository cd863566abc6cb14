"""Real test inputs from the shared data (MICRO_SHARED/data), turned into model input tensors."""

from __future__ import annotations

import wave

import numpy as np
from PIL import Image
from tflite_micro.python.tflite_micro import runtime

from micro.frontend import load_model
from support.paths import DATA, MODELS

MICRO_SPEECH_LABELS = ["silence", "unknown", "yes", "no"]


def bmp_gray(path) -> np.ndarray:
    """8-bit palette BMP -> uint8 rows top-down (what PIL's tobytes() gives)."""
    raw = path.read_bytes()
    offset = int.from_bytes(raw[10:14], "little")
    w = int.from_bytes(raw[18:22], "little", signed=True)
    h = int.from_bytes(raw[22:26], "little", signed=True)
    stride = (w + 3) // 4 * 4
    rows = np.frombuffer(raw[offset:offset + stride * abs(h)], dtype=np.uint8).reshape(abs(h), stride)[:, :w]
    return rows[::-1] if h > 0 else rows


def person_detect_inputs() -> dict[str, list[np.ndarray]]:
    """As TFLM's test does: the image bytes memcpy'd into the int8 input."""
    out = {}
    for name in ("person", "no_person"):
        img = bmp_gray(DATA / "tflm_person_detection" / f"{name}.bmp")
        out[name] = [img.view(np.int8).reshape(1, 96, 96, 1)]
    return out


def sww_inputs(count: int = 6) -> list[list[np.ndarray]]:
    d = np.load(DATA / "mlperf_tiny_sww" / "calibration_samples.npz")
    scale, zp = 0.0037010372616350651, -128
    q = np.clip(np.round(d["specs"][:count] / scale) + zp, -128, 127).astype(np.int8)
    return [[x.reshape(1, 30, 1, 40)] for x in q]


def wav_int16(path) -> np.ndarray:
    with wave.open(str(path)) as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        return data.reshape(-1, w.getnchannels())[:, 0]


def micro_speech_features(wav_name: str) -> np.ndarray:
    """49x40 int8 features: TFLM's audio preprocessor (run in the oracle) over 30 ms windows every 20 ms."""
    audio = wav_int16(DATA / "tflm_micro_speech" / wav_name)
    pre = runtime.Interpreter.from_bytes((MODELS / "tflm_audio_preprocessor_int8.tflite").read_bytes(),
                                         arena_size=1 << 16)
    frames = []
    for start in range(0, len(audio) - 480 + 1, 320):
        pre.set_input(audio[start:start + 480].reshape(1, 480), 0)
        pre.invoke()
        frames.append(pre.get_output(0).reshape(40))
    return np.stack(frames[:49]).astype(np.int8).reshape(1, 1960)


PREPROCESSOR_WINDOW = 480  # the audio preprocessor's input: 30 ms at 16 kHz
PREPROCESSOR_STRIDE = 320  # one feature frame every 20 ms (micro_speech)


def audio_frames(wav_name: str) -> list[list[np.ndarray]]:
    """The audio preprocessor's input sets for one shared wav: every 30 ms window, 20 ms apart, int16[1, 480]."""
    audio = wav_int16(DATA / "tflm_micro_speech" / wav_name)
    return [[audio[s:s + PREPROCESSOR_WINDOW].reshape(1, PREPROCESSOR_WINDOW)]
            for s in range(0, len(audio) - PREPROCESSOR_WINDOW + 1, PREPROCESSOR_STRIDE)]


def audio_wavs() -> list[str]:
    return sorted(p.name for p in (DATA / "tflm_micro_speech").glob("*.wav"))


def mnist_lstm_samples() -> list[tuple[int, np.ndarray]]:
    """(digit, int8 input [1, 28, 28]) for TFLM's mnist_lstm samples (sample<digit>.png), prepared as its
    evaluate.py does: pixels / 255 in float32, then quantized as `(x / scale + zero_point).astype(int8)`
    (truncation, not rounding) with the model input's scale and zero point."""
    g = load_model(MODELS / "tflm_mnist_lstm_int8.tflite").main
    quant = g.t(g.inputs[0]).quant
    scale, zero_point = np.float32(quant.scale[0]), quant.zp
    out = []
    for digit in range(10):
        data = np.asarray(Image.open(DATA / "tflm_mnist_lstm" / f"sample{digit}.png"), dtype=np.float32)
        if data.max() > 1:
            data = data / np.float32(255.0)
        out.append((digit, (data.reshape(1, 28, 28) / scale + zero_point).astype(np.int8)))
    return out


MWW_WAVS = ("yes_1000ms.wav", "no_1000ms.wav", "noise_1000ms.wav", "silence_1000ms.wav")
MWW_STEP = 160          # microWakeWord's feature step: 10 ms at 16 kHz (30 ms windows, as micro_speech)
MWW_FRAMES_PER_INVOKE = 3


def mww_feature_stream(invokes: int) -> list[list[np.ndarray]]:
    """Input sets of mww_alexa_stream_int8 for `invokes` consecutive invokes: the shared wavs, one after the
    other (again from the first when they run out), through TFLM's audio preprocessor (run in the oracle,
    one interpreter for the whole stream so its noise estimate carries on, as on a device) over 30 ms
    windows every 10 ms; 3 new feature frames of 40 int8 channels per invoke ([1, 3, 40]).

    microWakeWord's convention: its features come from the same TFLM audio frontend (40 channels, 30 ms
    windows, 10 ms steps) and are quantized as the preprocessor's last ops do, (feature * 256 + 333) / 666 -
    128 (ESPHome micro_wake_word), which is the model's input quantization (scale 26/255, zero point -128)."""
    need = invokes * MWW_FRAMES_PER_INVOKE
    samples = 480 + (need - 1) * MWW_STEP
    wavs = [wav_int16(DATA / "tflm_micro_speech" / w) for w in MWW_WAVS]
    audio = np.concatenate([wavs[k % len(wavs)] for k in range(-(-samples // min(len(w) for w in wavs)))])
    pre = runtime.Interpreter.from_bytes((MODELS / "tflm_audio_preprocessor_int8.tflite").read_bytes(),
                                         arena_size=1 << 16)
    frames = []
    for k in range(need):
        pre.set_input(audio[k * MWW_STEP:k * MWW_STEP + 480].reshape(1, 480), 0)
        pre.invoke()
        frames.append(pre.get_output(0).reshape(40).astype(np.int8))
    stacked = np.stack(frames).reshape(invokes, 1, MWW_FRAMES_PER_INVOKE, 40)
    return [[x] for x in stacked]


def real_inputs(name: str) -> list[list[np.ndarray]]:
    """The real input sets the shared data has for a shared model (by file stem); [] when it has none."""
    if name == "tflm_person_detect":
        return list(person_detect_inputs().values())
    if name == "mlperf_tiny_sww_ref_model":
        return sww_inputs()
    if name == "tflm_mnist_lstm_int8":
        return [[x] for _, x in mnist_lstm_samples()]
    if name == "tflm_micro_speech_quantized":
        return [[micro_speech_features(w)] for w in ("yes_1000ms.wav", "no_1000ms.wav")]
    if name == "mww_alexa_stream_int8":
        return mww_feature_stream(8)
    if name == "tflm_audio_preprocessor_int8":
        return audio_frames("yes_30ms.wav") + audio_frames("no_30ms.wav")
    return []
