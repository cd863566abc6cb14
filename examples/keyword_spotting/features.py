"""MFCC features as the MLPerf Tiny KWS model was trained on (numpy, no TensorFlow).

16 kHz audio, 30 ms windows (480 samples) every 20 ms, |STFT| with a 512-point FFT and a periodic Hann
window, 40 mel bins between 20 Hz and 4 kHz, log(mel + 1e-6), DCT-II scaled by sqrt(2/40) (tf.signal.mfccs_from_log_mel_spectrograms), first 10
coefficients: 49 x 10 features for one second. Mirrors tf.signal's stft / linear_to_mel_weight_matrix /
mfccs_from_log_mel_spectrograms closely enough for demos; it is not a bit-exact port.
"""

from __future__ import annotations

import wave

import numpy as np

SAMPLE_RATE = 16000
FRAME, STEP, FFT = 480, 320, 512
MEL_BINS, LOW_HZ, HIGH_HZ, COEFFS = 40, 20.0, 4000.0, 10


def read_wav(path) -> np.ndarray:
    """Mono float32 samples in [-1, 1) at 16 kHz, padded or cut to one second."""
    with wave.open(str(path)) as w:
        if w.getsampwidth() != 2 or w.getframerate() != SAMPLE_RATE:
            raise ValueError(f"{path}: need 16-bit PCM at {SAMPLE_RATE} Hz")
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, w.getnchannels())[:, 0]
    x = x.astype(np.float32) / 32768.0
    return np.pad(x, (0, max(0, SAMPLE_RATE - x.size)))[:SAMPLE_RATE]


def _hz_to_mel(hz):
    return 1127.0 * np.log1p(np.asarray(hz) / 700.0)


def mel_matrix() -> np.ndarray:
    bins = FFT // 2 + 1
    freqs = np.linspace(0.0, SAMPLE_RATE / 2, bins)[1:]
    edges = np.linspace(_hz_to_mel(LOW_HZ), _hz_to_mel(HIGH_HZ), MEL_BINS + 2)
    mel = _hz_to_mel(freqs)[:, None]
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    w = np.maximum(0.0, np.minimum((mel - lower) / (center - lower), (upper - mel) / (upper - center)))
    return np.vstack([np.zeros((1, MEL_BINS)), w]).astype(np.float32)


def mfcc(samples: np.ndarray) -> np.ndarray:
    n_frames = 1 + (samples.size - FRAME) // STEP
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(FRAME) / FRAME)
    frames = np.stack([samples[i * STEP:i * STEP + FRAME] * window for i in range(n_frames)])
    spec = np.abs(np.fft.rfft(frames, FFT))
    log_mel = np.log(spec @ mel_matrix() + 1e-6)
    k = np.arange(MEL_BINS)
    dct = np.cos(np.pi / MEL_BINS * (k[:, None] + 0.5) * k[None, :COEFFS]) * np.sqrt(2.0 / MEL_BINS)
    return (log_mel @ dct).astype(np.float32)  # (49, 10)


def quantize(features: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    return np.clip(np.round(features / scale) + zero_point, -128, 127).astype(np.int8)
