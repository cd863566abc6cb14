"""Random int8 chains of window ops (CONV_2D, DEPTHWISE_CONV_2D, AVERAGE/MAX_POOL_2D, spatial PAD) in one model,
for the tests of patch-based execution (micro.patch) and of PAD folding (micro.passes.fold_pad).

`random_chain(rng, length)` draws a layer list; `chain_model(rng, layers, ...)` writes it as a .tflite with
converter-like quantization (per-channel symmetric weights, biases at input x weight scale, each output scale
wide enough for its accumulators). Randomness comes only from `rng`.
"""

from __future__ import annotations

import numpy as np

from micro.geometry import compute_padding
from micro.testing.tflite_builder import ModelBuilder

KINDS = ("CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D", "PAD")


def random_chain(rng: np.random.Generator, length: int) -> list[dict]:
    """`length` layers: kind, k, stride, dilation, padding, out_c (conv) / multiplier (depthwise), pads (PAD)."""
    layers = []
    for _ in range(length):
        kind = str(rng.choice(KINDS, p=[0.35, 0.3, 0.1, 0.1, 0.15]))
        layer = dict(kind=kind, k=int(rng.integers(1, 4)), stride=int(rng.choice([1, 1, 2])),
                     dilation=int(rng.choice([1, 1, 1, 2])), padding=str(rng.choice(["SAME", "VALID"])),
                     out_c=int(rng.integers(1, 9)), multiplier=int(rng.choice([1, 1, 1, 2])),
                     pads=tuple(int(v) for v in rng.integers(0, 3, size=4)),
                     act=str(rng.choice(["NONE", "RELU", "RELU6"])))
        if kind.endswith("POOL_2D"):
            layer.update(k=max(2, layer["k"]), dilation=1)
        layers.append(layer)
    return layers


def _quant_out(rng, acc_spread: float, act: str) -> tuple[float, int]:
    scale = float(np.float32(acc_spread / 100 * rng.uniform(0.5, 2)))
    zp = int(rng.integers(-128, -60)) if act != "NONE" else int(rng.integers(-40, 40))
    return scale, zp


def chain_model(rng: np.random.Generator, layers: list[dict], in_shape=(1, 12, 10, 3), nchw: bool = False) -> bytes:
    """A model running `layers` one after the other on an int8 input of `in_shape` (NHWC; nchw=True: the
    model's input is NCHW and a TRANSPOSE makes it NHWC first, as PyTorch exports do); a layer that would leave
    no output rows or columns is skipped."""
    b = ModelBuilder()
    x_scale, x_zp = float(np.float32(rng.uniform(0.01, 0.05))), int(rng.integers(-20, 20))
    shape = tuple(in_shape)
    if nchw:
        first = b.tensor("input", (shape[0], shape[3], shape[1], shape[2]), "int8", scale=x_scale, zero_point=x_zp)
        perm = b.const("perm", np.array([0, 2, 3, 1], np.int32))
        x = b.tensor("nhwc", shape, "int8", scale=x_scale, zero_point=x_zp)
        b.op("TRANSPOSE", [first, perm], [x])
    else:
        x = first = b.tensor("input", shape, "int8", scale=x_scale, zero_point=x_zp)
    for n, layer in enumerate(layers):
        kind, k, s, d = layer["kind"], layer["k"], layer["stride"], layer["dilation"]
        _, h, w, c = shape
        if kind == "PAD":
            top, bottom, left, right = layer["pads"]
            out = (1, h + top + bottom, w + left + right, c)
            p = b.const(f"pads{n}", np.array([[0, 0], [top, bottom], [left, right], [0, 0]], np.int32))
            y = b.tensor(f"pad{n}", out, "int8", scale=x_scale, zero_point=x_zp)
            b.op("PAD", [x, p], [y])
            x, shape = y, out
            continue
        out_h, _ = compute_padding(layer["padding"], h, k, s, d)
        out_w, _ = compute_padding(layer["padding"], w, k, s, d)
        if out_h < 1 or out_w < 1:
            continue
        opts = {"padding": layer["padding"], "stride_h": s, "stride_w": s, "fused_activation_function": layer["act"]}
        if kind.endswith("POOL_2D"):
            out = (1, out_h, out_w, c)
            y = b.tensor(f"pool{n}", out, "int8", scale=x_scale, zero_point=x_zp)
            b.op(kind, [x], [y], {**opts, "filter_height": k, "filter_width": k})
            x, shape = y, out
            continue
        opts.update(dilation_h_factor=d, dilation_w_factor=d)
        if kind == "CONV_2D":
            out_c, w_shape, axis, taps = layer["out_c"], (layer["out_c"], k, k, c), 0, k * k * c
        else:
            out_c = c * layer["multiplier"]
            w_shape, axis, taps = (1, k, k, out_c), 3, k * k
            opts["depth_multiplier"] = layer["multiplier"]
        weights = rng.integers(-127, 128, size=w_shape).astype(np.int8)
        w_scales = (rng.uniform(0.002, 0.02, size=out_c)).astype(np.float32)
        bias = rng.integers(-2000, 2000, size=out_c).astype(np.int32)
        acc = x_scale * float(np.mean(w_scales)) * 60 * 70 * np.sqrt(taps)
        y_scale, y_zp = _quant_out(rng, acc, layer["act"])
        wt = b.const(f"w{n}", weights, scale=w_scales, zero_point=np.zeros(out_c, np.int64), axis=axis)
        bt = b.const(f"b{n}", bias, scale=(np.float32(x_scale) * w_scales).astype(np.float32), zero_point=0)
        out = (1, out_h, out_w, out_c)
        y = b.tensor(f"{kind.lower()}{n}", out, "int8", scale=y_scale, zero_point=y_zp)
        b.op(kind, [x, wt, bt], [y], opts)
        x, shape, x_scale, x_zp = y, out, y_scale, y_zp
    b.inputs([first])
    b.outputs([x])
    return b.finish()
