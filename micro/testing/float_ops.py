"""Float NHWC reference ops and shape rules (TFLite padding, numpy broadcasting) that calibrate the
output ranges of the test layers (`micro.testing.layers`)."""

from __future__ import annotations

import numpy as np


def out_size(padding: str, size: int, k: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """(output size, leading pad) along one spatial axis, TFLite padding rules."""
    eff = (k - 1) * dilation + 1
    if padding == "SAME":
        o = (size + stride - 1) // stride
    else:
        o = (size - eff + stride) // stride
    pad = max(0, ((o - 1) * stride + eff - size) // 2)
    return o, pad


def _windows(x: np.ndarray, kh, kw, stride, dilation, padding, fill=0.0):
    """Yield (i, j, slab) for every kernel tap: slab[n, oh, ow, c] = padded input under tap (i, j)."""
    (sh, sw), (dh, dw) = stride, dilation
    _, h, w, _ = x.shape
    oh, ph = out_size(padding, h, kh, sh, dh)
    ow, pw = out_size(padding, w, kw, sw, dw)
    big_h = (oh - 1) * sh + (kh - 1) * dh + 1
    big_w = (ow - 1) * sw + (kw - 1) * dw + 1
    xp = np.full((x.shape[0], max(big_h, h + ph), max(big_w, w + pw), x.shape[3]), fill, dtype=np.float64)
    xp[:, ph:ph + h, pw:pw + w, :] = x
    for i in range(kh):
        for j in range(kw):
            yield i, j, xp[:, i * dh:i * dh + (oh - 1) * sh + 1:sh, j * dw:j * dw + (ow - 1) * sw + 1:sw, :]


def conv2d_float(x, w, b, stride=(1, 1), dilation=(1, 1), padding="SAME"):
    """Float NHWC convolution, w [cout, kh, kw, cin]."""
    _, kh, kw, _ = w.shape
    acc = None
    for i, j, slab in _windows(x, kh, kw, stride, dilation, padding):
        t = np.einsum("nhwc,oc->nhwo", slab, w[:, i, j, :])
        acc = t if acc is None else acc + t
    return acc + (0 if b is None else b)


def depthwise_float(x, w, b, multiplier, stride=(1, 1), dilation=(1, 1), padding="SAME"):
    """Float NHWC depthwise convolution, w [1, kh, kw, cin * multiplier]."""
    _, kh, kw, _ = w.shape
    acc = None
    for i, j, slab in _windows(x, kh, kw, stride, dilation, padding):
        t = np.repeat(slab, multiplier, axis=3) * w[0, i, j, :]
        acc = t if acc is None else acc + t
    return acc + (0 if b is None else b)


def broadcast_shape(a, b) -> tuple[int, ...]:
    return tuple(int(d) for d in np.broadcast_shapes(tuple(a), tuple(b)))
