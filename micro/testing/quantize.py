"""Int8 quantization as the TFLite converter does it, for building test models.

Asymmetric activations from a calibrated float range (`choose_qparams`, `output_qparams`),
symmetric int8 weights per channel or per tensor (`symmetric_weights`), and random calibration
ranges (`random_range`) drawn only from the given `np.random.Generator`.
"""

from __future__ import annotations

import numpy as np


def choose_qparams(lo: float, hi: float) -> tuple[float, int]:
    """Asymmetric int8 (scale, zero_point) for a float range, as the TFLite converter: the range
    is widened to include 0, scale = (hi - lo) / 255, zero point nudged into [-128, 127]."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if hi - lo < 1e-6:
        hi = lo + 1e-6 * 255
    scale = float(np.float32((hi - lo) / 255.0))
    zp = int(np.clip(round(-128 - lo / scale), -128, 127))
    return scale, zp


def quantize(x: np.ndarray, scale: float, zp: int) -> np.ndarray:
    """Float values -> int8 at (scale, zero point), rounded and saturated."""
    return np.clip(np.round(x / scale) + zp, -128, 127).astype(np.int8)


def symmetric_weights(w: np.ndarray, axis: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 weights in [-127, 127]: one scale per slice along `axis`, or per tensor
    when axis is None. Returns (int8 weights, float32 scales)."""
    if axis is None:
        m = np.array([np.abs(w).max()])
        scales = np.maximum(m, 1e-8).astype(np.float32) / np.float32(127)
        q = np.clip(np.round(w / float(scales[0])), -127, 127)
    else:
        red = tuple(i for i in range(w.ndim) if i != axis)
        m = np.abs(w).max(axis=red)
        scales = (np.maximum(m, 1e-8).astype(np.float32) / np.float32(127)).astype(np.float32)
        shape = [1] * w.ndim
        shape[axis] = -1
        q = np.clip(np.round(w / scales.astype(np.float64).reshape(shape)), -127, 127)
    return q.astype(np.int8), scales.astype(np.float32)


RANGE_KINDS = ("sym", "pos", "asym", "tiny", "wide")


def random_range(rng: np.random.Generator, kind: str | None = None) -> tuple[float, float]:
    """A calibration range for an activation: "sym" [-a, a], "pos" [0, a], "asym" [-b, a]
    (a in 0.25..4), or the extremes "tiny" (|range| ~ 0.01) and "wide" (|range| ~ 100)."""
    kind = kind or str(rng.choice(["sym", "pos", "asym"]))
    a = float(rng.uniform(0.25, 4.0))
    if kind == "sym":
        return -a, a
    if kind == "pos":
        return 0.0, a
    if kind == "asym":
        return -float(rng.uniform(0.1, 2.0)) * a, a
    if kind == "tiny":
        return -a / 200.0, a / 100.0
    if kind == "wide":
        return -a * 30.0, a * 25.0
    raise ValueError(f"range kind {kind!r}; known: {RANGE_KINDS}")


def _activation_clip(y: np.ndarray, act: str) -> np.ndarray:
    if act == "RELU":
        return np.maximum(y, 0.0)
    if act == "RELU6":
        return np.clip(y, 0.0, 6.0)
    if act == "RELU_N1_TO_1":
        return np.clip(y, -1.0, 1.0)
    if act in ("NONE", None):
        return y
    raise ValueError(f"activation {act}")


def output_qparams(y_cal: np.ndarray, act: str, out_scale_mult: float = 1.0) -> tuple[float, int]:
    """Calibrated output (scale, zero point); out_scale_mult != 1 scales the range about its
    zero point (< 1: outputs saturate and requantization multipliers grow, even past 1)."""
    y = _activation_clip(y_cal, act)
    s, z = choose_qparams(float(y.min()), float(y.max()))
    return float(np.float32(s * out_scale_mult)), z
